package dev.weft.kernel;

/** Encodes RTM_*ADDR requests: ifaddrmsg + IFA_* attributes (linux/if_addr.h). */
final class AddressRequests {
  private AddressRequests() {}

  static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_FLAGS = 8;

  /** `ip addr add A/N dev X` (IFA_LOCAL + IFA_ADDRESS, as iproute2 sends them); flags e.g. IFA_F_NODAD. */
  static NetlinkWriter add(int ifindex, IpPrefix p, int flags) {
    return address(Netlink.RTM_NEWADDR, Netlink.CREATE_EXCL, "add address " + p + " to link #" + ifindex, ifindex, p, flags);
  }

  static NetlinkWriter delete(int ifindex, IpPrefix p) {
    return address(Netlink.RTM_DELADDR, Netlink.NLM_F_ACK, "delete address " + p + " from link #" + ifindex, ifindex, p, 0);
  }

  static NetlinkWriter dump(int family) {
    return new NetlinkWriter(Netlink.RTM_GETADDR, Netlink.NLM_F_DUMP, "dump addresses").u8(family).u8(0).u8(0).u8(0).u32(0);
  }

  private static NetlinkWriter address(int type, int nlFlags, String op, int ifindex, IpPrefix p, int flags) {
    NetlinkWriter w = new NetlinkWriter(type, nlFlags, op).u8(p.family()).u8(p.prefixLength()).u8(flags & 0xff).u8(0).u32(ifindex);
    byte[] a = p.address().getAddress();
    w.attr(IFA_LOCAL, a).attr(IFA_ADDRESS, a);
    if ((flags & ~0xff) != 0) w.attrU32(IFA_FLAGS, flags);
    return w;
  }
}
