package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes {@code /proc/sys} for the calling thread's network namespace (the kernel picks
 * the namespace of the thread that opens the file): wrap in {@link NetNs#run} for another one.
 * Keys are dotted ({@code net.ipv4.ip_forward}) or slashed ({@code net/ipv4/conf/eth0.10/rp_filter},
 * needed when an interface name contains a dot).
 */
public final class Sysctl {
  private Sysctl() {}

  /** {@code /proc/sys/...} for a key: dots become slashes unless the key already uses slashes. */
  public static String path(String key) {
    if (key == null || key.isEmpty() || key.startsWith("/") || key.startsWith(".")) throw new IllegalArgumentException("invalid sysctl key \"" + key + "\"");
    String rel = key.indexOf('/') >= 0 ? key : key.replace('.', '/');
    for (String part : rel.split("/", -1))
      if (part.isEmpty() || part.equals("..") || part.equals("."))
        throw new IllegalArgumentException("invalid sysctl key \"" + key + "\"");
    return "/proc/sys/" + rel;
  }

  public static void set(String key, String value) {
    String p = path(key);
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    int fd = open(p, LibC.O_WRONLY, "set sysctl " + key + "=" + value);
    try {
      long n = LibC.write(fd, b, b.length);
      if (n != b.length) throw new KernelException("set sysctl " + key + "=" + value, Errno.EIO, "short write");
    } catch (LastErrorException e) {
      throw KernelException.of("set sysctl " + key + "=" + value, e);
    } finally {
      LibC.close(fd);
    }
  }

  /** The value without its trailing newline. */
  public static String get(String key) {
    String p = path(key);
    int fd = open(p, LibC.O_RDONLY, "get sysctl " + key);
    try {
      var out = new java.io.ByteArrayOutputStream(64);
      byte[] chunk = new byte[512];
      long n;
      while ((n = LibC.read(fd, chunk, chunk.length)) > 0) out.write(chunk, 0, (int) n);
      String s = out.toString(StandardCharsets.UTF_8);
      return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    } catch (LastErrorException e) {
      throw KernelException.of("get sysctl " + key, e);
    } finally {
      LibC.close(fd);
    }
  }

  private static int open(String path, int flags, String op) {
    try {
      return LibC.open(path, flags | LibC.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw KernelException.of(op + " (" + path + ")", e);
    }
  }
}
