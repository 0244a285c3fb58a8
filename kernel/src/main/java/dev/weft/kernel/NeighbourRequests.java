package dev.weft.kernel;

/** Encodes RTM_*NEIGH requests for ARP/NDP entries and AF_BRIDGE FDB entries (linux/neighbour.h). */
final class NeighbourRequests {
  private NeighbourRequests() {}

  static final int NDA_DST = 1, NDA_LLADDR = 2, NDA_VLAN = 5, NDA_VNI = 7, NDA_MASTER = 9;

  /** ndmsg: family, pad, pad16, ifindex, state, flags, type. */
  private static NetlinkWriter ndmsg(int type, int nlFlags, String op, int family, int ifindex, int state, int flags) {
    return new NetlinkWriter(type, nlFlags, op).u8(family).u8(0).u16(0).u32(ifindex).u16(state).u8(flags).u8(0);
  }

  static NetlinkWriter neighbour(int type, int nlFlags, String verb, Neighbour n) {
    String op = verb + " neighbour " + IpPrefix.format(n.ip()) + (n.mac() != null ? " lladdr " + n.mac() : "") + " on link #" + n.ifindex();
    int state = type == Netlink.RTM_DELNEIGH ? 0 : n.state() == 0 ? Neighbour.NUD_PERMANENT : n.state();
    NetlinkWriter w = ndmsg(type, nlFlags, op, n.family(), n.ifindex(), state, n.flags());
    w.attr(NDA_DST, n.ip().getAddress());
    if (n.mac() != null && type != Netlink.RTM_DELNEIGH) w.attr(NDA_LLADDR, n.mac().bytes());
    return w;
  }

  static NetlinkWriter fdb(int type, int nlFlags, String verb, FdbEntry e) {
    String op = verb + " fdb " + e.mac() + (e.dst() != null ? " dst " + IpPrefix.format(e.dst()) : "") + " on link #" + e.ifindex();
    int flags = e.flags() == 0 ? Neighbour.NTF_SELF : e.flags();
    int state = e.state() == 0 ? Neighbour.NUD_NOARP | Neighbour.NUD_PERMANENT : e.state(); // bridge fdb's default
    NetlinkWriter w = ndmsg(type, nlFlags, op, LibC.AF_BRIDGE, e.ifindex(), state, flags);
    w.attr(NDA_LLADDR, e.mac().bytes());
    if (e.dst() != null) w.attr(NDA_DST, e.dst().getAddress());
    if (e.vlan() > 0) w.attrU16(NDA_VLAN, e.vlan());
    if (e.vni() > 0) w.attrU32(NDA_VNI, e.vni());
    return w;
  }

  static NetlinkWriter dump(int family) {
    return ndmsg(Netlink.RTM_GETNEIGH, Netlink.NLM_F_DUMP, family == LibC.AF_BRIDGE ? "dump fdb" : "dump neighbours", family, 0, 0, 0);
  }
}
