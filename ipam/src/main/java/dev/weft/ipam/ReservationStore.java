package dev.weft.ipam;

import dev.weft.cni.protocol.CniError;
import dev.weft.kernel.FileLock;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.KernelException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * host-local's on-disk store, byte for byte, so a node can switch between host-local and weft-ipam:
 * {@code <dataDir>/<network>/} holds one file per reserved IP, named by the IP (IPv6 in Go's
 * {@code net.IP.String()} form, RFC 5952), created O_EXCL mode 0644, content
 * {@code <containerID>\r\n<ifname>} with no trailing newline; {@code last_reserved_ip.<set index>}
 * holds the last IP handed out from that set (no newline); {@code lock} is flock(2)ed for every
 * change (the same lock host-local takes, so the two exclude each other).
 */
public final class ReservationStore implements AutoCloseable {
  static final String LINE_BREAK = "\r\n";
  static final String LAST_RESERVED = "last_reserved_ip.";

  // Set.of, not PosixFilePermissions.fromString: that builds an EnumSet, whose first use reflects on
  // the enum's values() (a method accessor spun per call of a fresh JVM, ~0.2 ms)
  private static final java.nio.file.attribute.FileAttribute<?> MODE_0644 = PosixFilePermissions.asFileAttribute(
      java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
          PosixFilePermission.OTHERS_READ));

  private final Path dir;
  private final FileLock lock;

  private ReservationStore(Path dir, FileLock lock) {
    this.dir = dir;
    this.lock = lock;
  }

  /** Creates the directory if needed and takes its lock (blocking). */
  public static ReservationStore lock(Path dir) throws CniError {
    try {
      Files.createDirectories(dir);
    } catch (IOException | RuntimeException e) {
      throw new CniError(CniError.IO_FAILURE, "cannot create IPAM data directory " + dir, e.toString());
    }
    try {
      return new ReservationStore(dir, FileLock.exclusive(dir.resolve("lock")));
    } catch (KernelException e) {
      throw new CniError(CniError.IO_FAILURE, "cannot lock " + dir.resolve("lock"), e.getMessage());
    }
  }

  public Path dir() {
    return dir;
  }

  /** Every reservation in {@code dir} (no lock needed to read; empty when the directory is missing). */
  public static List<Reservation> list(Path dir) throws CniError {
    List<Reservation> r = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        InetAddress ip = ipNamed(f.getFileName().toString());
        if (ip == null) continue;
        String content;
        try {
          content = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (NoSuchFileException gone) {
          continue;
        } catch (IOException e) {
          content = ""; // a directory or unreadable file named like an IP: treat as reserved by nobody we know
        }
        r.add(Reservation.of(ip, f, content));
      }
    } catch (NoSuchFileException e) {
      return r;
    } catch (IOException | RuntimeException e) {
      throw new CniError(CniError.IO_FAILURE, "cannot read IPAM data directory " + dir, e.toString());
    }
    return r;
  }

  public List<Reservation> list() throws CniError {
    return list(dir);
  }

  /** The address a file name denotes, or null for other files (lock, last_reserved_ip.N, ...). */
  static InetAddress ipNamed(String name) {
    if (name.isEmpty() || name.length() > 45) return null;
    char c = name.charAt(0);
    if (Character.digit(c, 16) < 0 && c != ':') return null;
    try {
      return IpPrefix.parseAddress(name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** host-local's file name for an address. */
  public static String fileName(InetAddress ip) {
    return IpPrefix.format(ip);
  }

  /**
   * Reserves {@code ip} (O_EXCL) for the attachment and records it as the set's last reserved; false
   * when the file already exists.
   */
  public boolean reserve(InetAddress ip, String containerId, String ifname, int setIndex) throws CniError {
    Path f = dir.resolve(fileName(ip));
    byte[] content = (containerId.strip() + LINE_BREAK + ifname).getBytes(StandardCharsets.UTF_8);
    try {
      write(f, content, StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      deleteQuietly(f);
      throw new CniError(CniError.IO_FAILURE, "cannot write reservation " + f, e.toString());
    }
    Path last = dir.resolve(LAST_RESERVED + setIndex);
    try {
      write(last, fileName(ip).getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(f);
      throw new CniError(CniError.IO_FAILURE, "cannot write " + last, e.toString());
    }
    return true;
  }

  /** open(2) with mode 0644 (then the umask), as Go's os.OpenFile(..., 0644) does. */
  private static void write(Path f, byte[] content, StandardOpenOption... opts) throws IOException {
    var options = new java.util.HashSet<java.nio.file.OpenOption>(List.of(opts));
    options.add(StandardOpenOption.WRITE);
    try (var ch = Files.newByteChannel(f, options, MODE_0644)) {
      var buf = java.nio.ByteBuffer.wrap(content);
      while (buf.hasRemaining()) ch.write(buf);
    }
  }

  /** The last address reserved from set {@code setIndex}, or null (missing or unreadable file). */
  public InetAddress lastReserved(int setIndex) {
    try {
      String s = new String(Files.readAllBytes(dir.resolve(LAST_RESERVED + setIndex)), StandardCharsets.UTF_8).strip();
      return ipNamed(s);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Deletes a reservation file; false when it was already gone. */
  public boolean remove(Reservation r) throws CniError {
    try {
      return Files.deleteIfExists(r.file());
    } catch (IOException e) {
      throw new CniError(CniError.IO_FAILURE, "cannot delete reservation " + r.file(), e.toString());
    }
  }

  /**
   * Releases every address of the attachment; like host-local, when none is held in the current
   * format, files holding just the container ID (the old format) are released instead.
   */
  public List<InetAddress> release(String containerId, String ifname) throws CniError {
    List<Reservation> all = list();
    List<InetAddress> freed = new ArrayList<>();
    for (Reservation r : all) if (r.isFor(containerId, ifname) && remove(r)) freed.add(r.ip());
    if (freed.isEmpty())
      for (Reservation r : all) if (r.ifname() == null && r.containerId().equals(containerId.strip()) && remove(r)) freed.add(r.ip());
    return freed;
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException ignored) {
      // best effort
    }
  }

  @Override
  public void close() {
    lock.close();
  }
}
