package dev.weft.kernel;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few libc calls weft needs, through JNA {@link Function} handles: each call is one
 * {@code Function.invokeX} with the arguments boxed. Every call that can fail throws
 * {@link LastErrorException} (the handles carry {@link Function#THROW_LAST_ERROR}: errno is cleared
 * before the call and a non-zero errno after it throws); {@link KernelException#of} turns that into
 * a named errno. Not JNA's direct mapping ({@code Native.register} on static natives): its first
 * registration initialises JNA's Structure/FFIType machinery (reflection, annotation proxies,
 * method-handle field accessors), ~12 ms of a fresh JVM's start-up — every CNI call's — where the
 * first Function call costs ~0.3 ms. Same libc symbols, argument conversions and errno handling.
 */
public final class LibC {
  // by soname: a bare "c" makes JNA run `ldconfig -p` to find the library, a process per plugin call
  private static final NativeLibrary LIBC = NativeLibrary.getInstance("libc.so.6");

  private LibC() {}

  // socket(2) and friends
  public static final int AF_UNIX = 1, AF_INET = 2, AF_BRIDGE = 7, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
  public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVTIMEO = 20;
  public static final int SOL_NETLINK = 270, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12;

  // open(2), flock(2), setns(2), unshare(2), mount(2)
  public static final int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_CLOEXEC = 02000000;
  public static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
  public static final int CLONE_NEWNET = 0x40000000;
  public static final long MS_BIND = 4096, MS_REC = 16384, MS_SHARED = 1 << 20;
  public static final int MNT_DETACH = 2;
  public static final int MSG_PEEK = 2, MSG_TRUNC = 0x20;
  public static final int NETLINK_ROUTE = 0, NETLINK_CAP_ACK = 10;
  public static final int O_WRONLY = 1, O_TRUNC = 01000;
  /** ioctl(2) on a namespace fd: which kind of namespace it is (returns a CLONE_NEW* value). */
  public static final long NS_GET_NSTYPE = 0xb703;

  private static final Function SOCKET = fn("socket"), BIND = fn("bind"), GETSOCKNAME = fn("getsockname"),
      SETSOCKOPT = fn("setsockopt"), SEND = fn("send"), RECV = fn("recv"), CLOSE = fn("close"), OPEN = fn("open"),
      FLOCK = fn("flock"), SETNS = fn("setns"), UNSHARE = fn("unshare"), MOUNT = fn("mount"), UMOUNT2 = fn("umount2"),
      READ = fn("read"), WRITE = fn("write"), IOCTL = fn("ioctl"), SYSCALL = fn("syscall");
  private static final Function GETPID = LIBC.getFunction("getpid"); // cannot fail

  private static Function fn(String name) {
    return LIBC.getFunction(name, Function.THROW_LAST_ERROR);
  }

  // The Java types of the arguments are the C ABI's: Integer = int, Long = long/size_t/ssize_t,
  // byte[]/int[] = a buffer copied in and back out, String = a NUL-terminated C string.

  public static int socket(int domain, int type, int protocol) throws LastErrorException {
    return SOCKET.invokeInt(new Object[] {domain, type, protocol});
  }

  public static int bind(int fd, byte[] addr, int addrlen) throws LastErrorException {
    return BIND.invokeInt(new Object[] {fd, addr, addrlen});
  }

  public static int getsockname(int fd, byte[] addr, int[] addrlen) throws LastErrorException {
    return GETSOCKNAME.invokeInt(new Object[] {fd, addr, addrlen});
  }

  public static int setsockopt(int fd, int level, int name, int[] value, int len) throws LastErrorException {
    return SETSOCKOPT.invokeInt(new Object[] {fd, level, name, value, len});
  }

  public static int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException {
    return SETSOCKOPT.invokeInt(new Object[] {fd, level, name, value, len});
  }

  public static long send(int fd, byte[] buf, long len, int flags) throws LastErrorException {
    return SEND.invokeLong(new Object[] {fd, buf, len, flags});
  }

  public static long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException {
    return RECV.invokeLong(new Object[] {fd, buf, len, flags});
  }

  public static int close(int fd) throws LastErrorException {
    return CLOSE.invokeInt(new Object[] {fd});
  }

  public static int open(String path, int flags, int mode) throws LastErrorException {
    return OPEN.invokeInt(new Object[] {path, flags, mode});
  }

  public static int flock(int fd, int operation) throws LastErrorException {
    return FLOCK.invokeInt(new Object[] {fd, operation});
  }

  public static int setns(int fd, int nstype) throws LastErrorException {
    return SETNS.invokeInt(new Object[] {fd, nstype});
  }

  public static int unshare(int flags) throws LastErrorException {
    return UNSHARE.invokeInt(new Object[] {flags});
  }

  public static int mount(String source, String target, String fstype, long flags, Pointer data) throws LastErrorException {
    return MOUNT.invokeInt(new Object[] {source, target, fstype, flags, data});
  }

  public static int umount2(String target, int flags) throws LastErrorException {
    return UMOUNT2.invokeInt(new Object[] {target, flags});
  }

  public static int getpid() {
    return GETPID.invokeInt(new Object[0]);
  }

  public static long read(int fd, byte[] buf, long count) throws LastErrorException {
    return READ.invokeLong(new Object[] {fd, buf, count});
  }

  public static long write(int fd, byte[] buf, long count) throws LastErrorException {
    return WRITE.invokeLong(new Object[] {fd, buf, count});
  }

  public static int ioctl(int fd, long request, long arg) throws LastErrorException {
    return IOCTL.invokeInt(new Object[] {fd, request, arg});
  }

  public static long syscall(long number) throws LastErrorException {
    return SYSCALL.invokeLong(new Object[] {number});
  }

  private static final long SYS_gettid = 186; // x86_64

  /** The calling thread's kernel id (namespaces are per thread). */
  public static int gettid() {
    return (int) syscall(SYS_gettid);
  }
}
