package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few libc calls weft needs, bound with JNA direct mapping (static natives: the cheapest JNA
 * binding to load and to call, which matters on the CNI start-up path). Every call that can fail
 * throws {@link LastErrorException}; {@link KernelException#of} turns that into a named errno.
 */
public final class LibC {
  static {
    // by soname: a bare "c" makes JNA run `ldconfig -p` to find the library, a process per plugin call
    Native.register(NativeLibrary.getInstance("libc.so.6"));
  }

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

  public static native int socket(int domain, int type, int protocol) throws LastErrorException;
  public static native int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;
  public static native int getsockname(int fd, byte[] addr, int[] addrlen) throws LastErrorException;
  public static native int setsockopt(int fd, int level, int name, int[] value, int len) throws LastErrorException;
  public static native int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;
  public static native long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;
  public static native long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;
  public static native int close(int fd) throws LastErrorException;
  public static native int open(String path, int flags, int mode) throws LastErrorException;
  public static native int flock(int fd, int operation) throws LastErrorException;
  public static native int setns(int fd, int nstype) throws LastErrorException;
  public static native int unshare(int flags) throws LastErrorException;
  public static native int mount(String source, String target, String fstype, long flags, Pointer data)
      throws LastErrorException;
  public static native int umount2(String target, int flags) throws LastErrorException;
  public static native int getpid();
  public static native long read(int fd, byte[] buf, long count) throws LastErrorException;
  public static native long write(int fd, byte[] buf, long count) throws LastErrorException;
  public static native int ioctl(int fd, long request, long arg) throws LastErrorException;
  public static native long syscall(long number) throws LastErrorException;

  private static final long SYS_gettid = 186; // x86_64

  /** The calling thread's kernel id (namespaces are per thread). */
  public static int gettid() {
    return (int) syscall(SYS_gettid);
  }
}
