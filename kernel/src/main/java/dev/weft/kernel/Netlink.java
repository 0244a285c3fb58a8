package dev.weft.kernel;

/** Netlink protocol constants (linux/netlink.h, linux/rtnetlink.h) shared by the codec classes. */
final class Netlink {
  private Netlink() {}

  static final int HDRLEN = 16;

  // nlmsg_type control messages
  static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;

  // nlmsg_flags
  static final int NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ECHO = 0x8,
      NLM_F_DUMP_INTR = 0x10;
  static final int NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = 0x300;
  static final int NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
  // flags on an NLMSG_ERROR ack
  static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
  // extended ack attributes
  static final int NLMSGERR_ATTR_MSG = 1, NLMSGERR_ATTR_OFFS = 2;

  // rtnetlink message types
  static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
  static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
  static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
  static final int RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;

  /** Flags for a create-only request (EEXIST when present). */
  static final int CREATE_EXCL = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  static final int CREATE_REPLACE = NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  static final int CREATE_APPEND = NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND;
}
