package dev.weft.kernel;

/** Encodes RTM_*ROUTE requests: rtmsg + RTA_* attributes (linux/rtnetlink.h). */
final class RouteRequests {
  private RouteRequests() {}

  static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_METRICS = 8,
      RTA_TABLE = 15;
  static final int RTAX_MTU = 2, RTAX_ADVMSS = 8;

  static NetlinkWriter add(Route r) {
    return modify(Netlink.RTM_NEWROUTE, Netlink.CREATE_EXCL, "add route " + r, r);
  }

  static NetlinkWriter replace(Route r) {
    return modify(Netlink.RTM_NEWROUTE, Netlink.CREATE_REPLACE, "replace route " + r, r);
  }

  static NetlinkWriter delete(Route r) {
    return modify(Netlink.RTM_DELROUTE, Netlink.NLM_F_ACK, "delete route " + r, r);
  }

  static NetlinkWriter dump(int family) {
    return new NetlinkWriter(Netlink.RTM_GETROUTE, Netlink.NLM_F_DUMP, "dump routes")
        .u8(family).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0);
  }

  private static NetlinkWriter modify(int type, int flags, String op, Route r) {
    boolean del = type == Netlink.RTM_DELROUTE;
    int protocol = r.protocol() >= 0 ? r.protocol() : del ? 0 : Route.PROTO_BOOT;
    int rtype = r.type() >= 0 ? r.type() : del ? 0 : Route.TYPE_UNICAST;
    int scope = r.scope() >= 0 ? r.scope() : del ? Route.SCOPE_NOWHERE : defaultScope(r, rtype);
    NetlinkWriter w = new NetlinkWriter(type, flags, op)
        .u8(r.family()).u8(r.dst() == null ? 0 : r.dst().prefixLength()).u8(0).u8(0)
        .u8(r.table() > 255 ? 0 : r.table()).u8(protocol).u8(scope).u8(rtype)
        .u32(r.onlink() ? Route.RTNH_F_ONLINK : 0);
    if (r.dst() != null) w.attr(RTA_DST, r.dst().network().address().getAddress());
    if (r.src() != null) w.attr(RTA_PREFSRC, r.src().getAddress());
    if (r.gateway() != null) w.attr(RTA_GATEWAY, r.gateway().getAddress());
    if (r.priority() > 0) w.attrU32(RTA_PRIORITY, r.priority());
    if (r.table() > 255) w.attrU32(RTA_TABLE, r.table());
    if (r.oif() > 0) w.attrU32(RTA_OIF, r.oif());
    if (r.mtu() > 0 || r.advmss() > 0) {
      int m = w.begin(RTA_METRICS);
      if (r.mtu() > 0) w.attrU32(RTAX_MTU, r.mtu());
      if (r.advmss() > 0) w.attrU32(RTAX_ADVMSS, r.advmss());
      w.end(m);
    }
    return w;
  }

  private static int defaultScope(Route r, int type) {
    if (type == Route.TYPE_LOCAL) return Route.SCOPE_HOST;
    if (type != Route.TYPE_UNICAST) return Route.SCOPE_UNIVERSE;
    return r.gateway() != null ? Route.SCOPE_UNIVERSE : Route.SCOPE_LINK;
  }
}
