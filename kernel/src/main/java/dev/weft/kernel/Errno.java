package dev.weft.kernel;

/** Names for the errno values weft meets, so errors read "EEXIST" rather than "17". */
public final class Errno {
  private Errno() {}

  public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9,
      EAGAIN = 11, ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENODEV = 19, ENOTDIR = 20,
      EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSPC = 28, ERANGE = 34, ENOTSUP = 95, EOPNOTSUPP = 95,
      EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101,
      ENOBUFS = 105, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113;

  private static final String[] NAMES = new String[128];

  static {
    String[][] table = {
      {"1", "EPERM"}, {"2", "ENOENT"}, {"3", "ESRCH"}, {"4", "EINTR"}, {"5", "EIO"}, {"6", "ENXIO"},
      {"7", "E2BIG"}, {"9", "EBADF"}, {"11", "EAGAIN"}, {"12", "ENOMEM"}, {"13", "EACCES"},
      {"16", "EBUSY"}, {"17", "EEXIST"}, {"19", "ENODEV"}, {"20", "ENOTDIR"}, {"21", "EISDIR"},
      {"22", "EINVAL"}, {"23", "ENFILE"}, {"24", "EMFILE"}, {"28", "ENOSPC"}, {"34", "ERANGE"},
      {"61", "ENODATA"}, {"71", "EPROTO"}, {"90", "EMSGSIZE"}, {"93", "EPROTONOSUPPORT"},
      {"95", "EOPNOTSUPP"}, {"97", "EAFNOSUPPORT"}, {"98", "EADDRINUSE"}, {"99", "EADDRNOTAVAIL"},
      {"100", "ENETDOWN"}, {"101", "ENETUNREACH"}, {"105", "ENOBUFS"}, {"110", "ETIMEDOUT"},
      {"111", "ECONNREFUSED"}, {"113", "EHOSTUNREACH"}, {"114", "EALREADY"}
    };
    for (String[] e : table) NAMES[Integer.parseInt(e[0])] = e[1];
  }

  /** "EEXIST" for 17; "errno 200" for values without a name. */
  public static String name(int errno) {
    int e = Math.abs(errno);
    return e < NAMES.length && NAMES[e] != null ? NAMES[e] : "errno " + e;
  }
}
