package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A NETLINK_ROUTE socket fd and the request/reply state machine: every request gets the next
 * sequence number; {@link #request} waits for the matching NLMSG_ERROR ack, {@link #dump} collects
 * NLM_F_MULTI parts until NLMSG_DONE (retrying a dump the kernel marks interrupted). Replies to
 * other sequence numbers (late answers) are skipped. Extended-ack text goes into the exception.
 * The socket lives in the network namespace of the thread that created it. Not for concurrent use:
 * the exchange methods are synchronized.
 */
final class NetlinkSocket implements AutoCloseable {
  private static final int RECV_BUFFER = 64 * 1024;
  private static final int DUMP_ATTEMPTS = 5;

  private int fd;
  private int seq;
  private byte[] rbuf;

  private NetlinkSocket(int fd) {
    this.fd = fd;
    this.seq = (int) (System.nanoTime() & 0x3fffffff);
  }

  /** Opens a socket in the calling thread's network namespace. */
  static NetlinkSocket open(int protocol) {
    int fd;
    try {
      fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
    } catch (LastErrorException e) {
      throw KernelException.of("open netlink socket", e);
    }
    try {
      byte[] sa = new byte[12];
      sa[0] = (byte) LibC.AF_NETLINK;
      LibC.bind(fd, sa, sa.length);
      int[] on = {1};
      LibC.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, on, 4);
      try {
        LibC.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, on, 4);
      } catch (LastErrorException ignored) {
        // kernels before 4.12: plain errno without text
      }
    } catch (LastErrorException e) {
      LibC.close(fd);
      throw KernelException.of("bind netlink socket", e);
    }
    return new NetlinkSocket(fd);
  }

  /** Sends {@code req} with NLM_F_ACK and waits for the ack; throws KernelException on a kernel error. */
  synchronized void request(NetlinkWriter req) {
    int s = send(req);
    while (true) {
      for (NetlinkMessage m : receive(req.operation())) {
        if (m.seq() != s) continue;
        if (m.type() == Netlink.NLMSG_ERROR) {
          throwIfError(m, req.operation());
          return;
        }
      }
    }
  }

  /** Sends a dump request and maps every reply message of the requested kind with {@code parse}. */
  synchronized <T> List<T> dump(NetlinkWriter req, Function<NetlinkMessage, T> parse) {
    for (int attempt = 1; ; attempt++) {
      List<T> out = new ArrayList<>();
      boolean interrupted = false;
      int s = send(req);
      boolean done = false;
      while (!done) {
        for (NetlinkMessage m : receive(req.operation())) {
          if (m.seq() != s) continue;
          if ((m.flags() & Netlink.NLM_F_DUMP_INTR) != 0) interrupted = true;
          if (m.type() == Netlink.NLMSG_DONE) {
            if (m.payloadLength() >= 4) throwIfError(m, req.operation());
            done = true;
            break;
          }
          if (m.type() == Netlink.NLMSG_ERROR) {
            throwIfError(m, req.operation());
            done = true; // an ack ends the exchange too
            break;
          }
          if (m.type() == Netlink.NLMSG_NOOP || m.type() == Netlink.NLMSG_OVERRUN) continue;
          T item = parse.apply(m);
          if (item != null) out.add(item);
        }
      }
      if (!interrupted) return out;
      if (attempt == DUMP_ATTEMPTS) throw new KernelException(req.operation(), Errno.EINTR, "dump kept changing, gave up after " + attempt + " attempts");
    }
  }

  /**
   * Sends a request expecting exactly one reply message (e.g. RTM_GETLINK by name); returns it
   * parsed, or null when the kernel answers with {@code absentErrno} (ENODEV ...).
   */
  synchronized <T> T get(NetlinkWriter req, int absentErrno, Function<NetlinkMessage, T> parse) {
    int s = send(req);
    while (true) {
      for (NetlinkMessage m : receive(req.operation())) {
        if (m.seq() != s) continue;
        if (m.type() == Netlink.NLMSG_ERROR) {
          if (-m.error() == absentErrno) return null;
          throwIfError(m, req.operation());
          continue; // an ack after the reply (we do not ask for one)
        }
        return parse.apply(m);
      }
    }
  }

  private int send(NetlinkWriter req) {
    int s = ++seq;
    byte[] msg = req.build(s);
    try {
      long n = LibC.send(fd(), msg, msg.length, 0);
      if (n != msg.length) throw new KernelException(req.operation(), Errno.EIO, "short netlink send " + n + " of " + msg.length);
    } catch (LastErrorException e) {
      throw KernelException.of(req.operation(), e);
    }
    return s;
  }

  private List<NetlinkMessage> receive(String operation) {
    if (rbuf == null) rbuf = new byte[RECV_BUFFER];
    while (true) {
      long n;
      try {
        n = LibC.recv(fd(), rbuf, rbuf.length, LibC.MSG_TRUNC);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Errno.EINTR) continue;
        throw KernelException.of(operation + " (receive)", e);
      }
      if (n > rbuf.length) throw new KernelException(operation + " (receive)", 90 /* EMSGSIZE */, "reply of " + n + " bytes truncated");
      return NetlinkMessage.parseAll(rbuf, (int) n);
    }
  }

  private static void throwIfError(NetlinkMessage m, String operation) {
    int err = m.error();
    if (err == 0) return;
    String text;
    try {
      text = m.extAckMessage();
    } catch (NetlinkFormatException e) {
      text = null; // a garbled ext ack must not hide the errno
    }
    throw new KernelException(operation, -err, text);
  }

  private int fd() {
    if (fd < 0) throw new IllegalStateException("netlink socket is closed");
    return fd;
  }

  @Override
  public synchronized void close() {
    if (fd >= 0) {
      try {
        LibC.close(fd);
      } catch (LastErrorException ignored) {
        // nothing useful to do
      }
      fd = -1;
    }
  }
}
