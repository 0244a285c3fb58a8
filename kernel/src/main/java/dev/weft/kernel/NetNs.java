package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Network namespaces. Linux keeps the network namespace per <em>thread</em>, so code that must run
 * "inside" a namespace runs on a fresh platform thread that has {@code setns}'d into it; the
 * caller's thread never changes namespace, and the helper thread ends when the body returns (a
 * thread that dies takes its namespace reference with it, nothing to restore).
 *
 * <p>Inside the body, everything the thread does happens in the target namespace: sockets it
 * creates (a socket stays in the namespace it was created in), {@code /proc/sys/net} files it
 * opens ({@link Sysctl}), and <b>child processes it starts with {@link ProcessBuilder}</b>: the
 * JDK spawns children from the calling thread (posix_spawn/vfork/fork all copy the calling
 * thread's namespaces), so {@code new ProcessBuilder("ip", "link").start()} inside
 * {@code NetNs.call} runs {@code ip} in the target namespace (see NetNsTest). Note that
 * {@code /proc/self/...} names the process (its main thread), not the current thread: use
 * {@code /proc/thread-self/...} inside a body.
 *
 * <p>Named namespaces follow iproute2's layout: a bind mount of the namespace file on
 * {@code /run/netns/<name>}, with {@code /run/netns} a shared mount so the names propagate.
 */
public final class NetNs {
  public static final Path RUN_DIR = Path.of("/run/netns");

  private NetNs() {}

  /** {@code /run/netns/<name>}. */
  public static Path path(String name) {
    checkName(name);
    return RUN_DIR.resolve(name);
  }

  /**
   * Runs {@code body} on a fresh platform thread inside the namespace {@code netnsPath} (a
   * {@code /run/netns/x} or {@code /proc/<pid>/ns/net} file) and returns its result. Exceptions
   * from the body propagate: unchecked ones as they are, an IOException as UncheckedIOException,
   * other checked ones wrapped in a RuntimeException; the original is always the cause. A path that
   * is not a namespace throws KernelException ("enter netns ...").
   */
  public static <T> T call(Path netnsPath, Callable<T> body) {
    int fd = openNs(netnsPath);
    try {
      var task = new Task<>(fd, netnsPath, body);
      Thread t = Thread.ofPlatform().daemon(true).name("netns " + netnsPath.getFileName()).start(task);
      joinUninterruptibly(t);
      return task.result();
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * {@link #call} without the thread: on a platform thread, the calling thread itself {@code setns}'s
   * into the namespace, runs the body and {@code setns}'s back to the namespace it was in — the same
   * result and exceptions, less a thread start (1-2 ms in a fresh JVM, which a per-pod CNI call is).
   * For callers that own their platform thread for the duration (the CNI plugin's ADD and DEL);
   * threads the body starts are born in the target namespace, as with {@link #call}. A virtual
   * thread could change carrier inside the body, so it gets {@link #call}'s fresh thread instead.
   * Failing to switch back would leave the thread in the wrong namespace: that is an Error.
   */
  public static <T> T callOnThisThread(Path netnsPath, Callable<T> body) {
    if (Thread.currentThread().isVirtual()) return call(netnsPath, body);
    int fd = openNs(netnsPath);
    int home = -1;
    try {
      try {
        home = LibC.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
      } catch (LastErrorException e) {
        throw KernelException.of("enter netns " + netnsPath + " (open /proc/thread-self/ns/net)", e);
      }
      try {
        LibC.setns(fd, LibC.CLONE_NEWNET);
      } catch (LastErrorException e) {
        throw KernelException.of("enter netns " + netnsPath + " (setns)", e);
      }
      var task = new Task<>(-1, netnsPath, body);
      try {
        task.run(); // keeps the body's result or failure, as on a helper thread
      } finally {
        try {
          LibC.setns(home, LibC.CLONE_NEWNET);
        } catch (LastErrorException e) {
          throw new Error("cannot return the thread to its network namespace after " + netnsPath + ": errno " + e.getErrorCode(), e);
        }
      }
      return task.result();
    } finally {
      if (home >= 0) closeQuietly(home);
      closeQuietly(fd);
    }
  }

  /** {@link #call} for a body without a result. */
  public static void run(Path netnsPath, ThrowingRunnable body) {
    call(netnsPath, () -> {
      body.run();
      return null;
    });
  }

  /**
   * Creates the named namespace {@code /run/netns/<name>} (like {@code ip netns add}) and returns
   * its path. Throws KernelException with EEXIST when the name is taken.
   */
  public static Path create(String name) {
    Path p = path(name);
    String op = "create netns " + name;
    try {
      Files.createDirectories(RUN_DIR);
    } catch (IOException e) {
      throw new UncheckedIOException(op + ": cannot create " + RUN_DIR, e);
    }
    makeRunDirShared(op);
    try {
      LibC.close(LibC.open(p.toString(), LibC.O_RDONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0));
    } catch (LastErrorException e) {
      throw KernelException.of(op + " (create " + p + ")", e);
    }
    try {
      onFreshThread(() -> {
        try {
          LibC.unshare(LibC.CLONE_NEWNET);
        } catch (LastErrorException e) {
          throw KernelException.of(op + " (unshare)", e);
        }
        try {
          LibC.mount("/proc/thread-self/ns/net", p.toString(), "none", LibC.MS_BIND, null);
        } catch (LastErrorException e) {
          throw KernelException.of(op + " (bind mount on " + p + ")", e);
        }
      });
    } catch (RuntimeException | Error e) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return p;
  }

  /** Deletes the named namespace (like {@code ip netns del}): lazy unmount, then unlink. ENOENT when missing. */
  public static void delete(String name) {
    Path p = path(name);
    try {
      LibC.umount2(p.toString(), LibC.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Errno.EINVAL && e.getErrorCode() != Errno.ENOENT) throw KernelException.of("delete netns " + name + " (umount)", e);
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException e) {
      throw new KernelException("delete netns " + name, Errno.ENOENT, null);
    } catch (IOException e) {
      throw new UncheckedIOException("delete netns " + name, e);
    }
  }

  /** True when {@code p} is a network namespace file (checked with the NS_GET_NSTYPE ioctl). */
  public static boolean exists(Path p) {
    int fd;
    try {
      fd = LibC.open(p.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      return false;
    }
    try {
      return LibC.ioctl(fd, LibC.NS_GET_NSTYPE, 0) == LibC.CLONE_NEWNET;
    } catch (LastErrorException e) {
      return false;
    } finally {
      closeQuietly(fd);
    }
  }

  static int openNs(Path p) {
    try {
      return LibC.open(p.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw KernelException.of("enter netns " + p + " (open)", e);
    }
  }

  private static void makeRunDirShared(String op) {
    String dir = RUN_DIR.toString();
    try {
      LibC.mount("", dir, "none", LibC.MS_SHARED | LibC.MS_REC, null);
      return;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Errno.EINVAL) throw KernelException.of(op + " (make " + dir + " shared)", e);
    }
    try { // not a mount point yet: bind it onto itself, as iproute2 does, then retry
      LibC.mount(dir, dir, "none", LibC.MS_BIND | LibC.MS_REC, null);
      LibC.mount("", dir, "none", LibC.MS_SHARED | LibC.MS_REC, null);
    } catch (LastErrorException e) {
      throw KernelException.of(op + " (make " + dir + " a shared mount)", e);
    }
  }

  private static void onFreshThread(Runnable r) {
    var task = new Task<Void>(-1, null, () -> {
      r.run();
      return null;
    });
    Thread t = Thread.ofPlatform().daemon(true).name("netns create").start(task);
    joinUninterruptibly(t);
    task.result();
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException ignored) {
      // nothing to do
    }
  }

  private static void checkName(String name) {
    if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0)
      throw new IllegalArgumentException("invalid netns name \"" + name + "\"");
  }

  /** The body of a helper thread: setns (when fd >= 0), run, keep result or failure for the caller. */
  private static final class Task<T> implements Runnable {
    private final int fd;
    private final Path path;
    private final Callable<T> body;
    private T result;
    private Throwable failure;

    Task(int fd, Path path, Callable<T> body) {
      this.fd = fd;
      this.path = path;
      this.body = body;
    }

    @Override
    public void run() {
      try {
        if (fd >= 0) LibC.setns(fd, LibC.CLONE_NEWNET);
      } catch (LastErrorException e) {
        failure = KernelException.of("enter netns " + path + " (setns)", e);
        return;
      }
      try {
        result = body.call();
      } catch (Throwable e) {
        failure = e;
      }
    }

    /** Called after join (which orders the helper's writes before this read). */
    T result() {
      if (failure == null) return result;
      if (failure instanceof RuntimeException r) throw r;
      if (failure instanceof Error e) throw e;
      if (failure instanceof IOException io) throw new UncheckedIOException(io.getMessage(), io);
      throw new RuntimeException(failure.toString(), failure);
    }
  }
}
