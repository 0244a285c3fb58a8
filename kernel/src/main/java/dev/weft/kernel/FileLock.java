package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/**
 * An exclusive flock(2) on a file: the lock host-local takes on {@code <dataDir>/lock}, so weft and
 * the reference plugins exclude each other when they share a directory. (Java's FileChannel.lock is
 * fcntl-based and would not exclude a flock holder.) Released on close.
 */
public final class FileLock implements AutoCloseable {
  private int fd;

  private FileLock(int fd) {
    this.fd = fd;
  }

  /** Blocks until the exclusive lock on {@code path} (created if missing) is held. */
  public static FileLock exclusive(Path path) {
    int fd;
    try {
      fd = LibC.open(path.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
    } catch (LastErrorException e) {
      throw KernelException.of("open " + path, e);
    }
    while (true) {
      try {
        LibC.flock(fd, LibC.LOCK_EX);
        return new FileLock(fd);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Errno.EINTR) continue;
        LibC.close(fd);
        throw KernelException.of("flock " + path, e);
      }
    }
  }

  @Override
  public void close() {
    if (fd >= 0) {
      try {
        LibC.close(fd);
      } catch (LastErrorException ignored) {
        // closing releases the lock; nothing else to do
      }
      fd = -1;
    }
  }
}
