package dev.weft.kernel;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A route (RTM_NEWROUTE). Build one with {@link #builder()}; fields left at -1 ("unset") are
 * filled per operation the way iproute2 does: on add, protocol boot, type unicast, scope link
 * without a gateway and universe with one; on delete they stay wildcards so the kernel matches
 * any value.
 *
 * @param dst the destination, null for the default route
 * @param gateway RTA_GATEWAY or null
 * @param oif the output interface index, 0 for none
 * @param table the routing table (254 main); ids above 255 travel in RTA_TABLE
 * @param onlink RTNH_F_ONLINK: the gateway is on the link even without a covering prefix
 * @param priority the metric (RTA_PRIORITY), 0 for none
 * @param mtu RTAX_MTU in RTA_METRICS, 0 for none
 * @param advmss RTAX_ADVMSS in RTA_METRICS, 0 for none
 * @param src the preferred source (RTA_PREFSRC) or null
 */
public record Route(int family, IpPrefix dst, InetAddress gateway, int oif, int scope, int table, boolean onlink,
    int priority, int protocol, int type, int mtu, int advmss, InetAddress src) {

  public static final int TABLE_MAIN = 254, TABLE_LOCAL = 255;
  public static final int SCOPE_UNIVERSE = 0, SCOPE_LINK = 253, SCOPE_HOST = 254, SCOPE_NOWHERE = 255;
  public static final int PROTO_KERNEL = 2, PROTO_BOOT = 3, PROTO_STATIC = 4;
  public static final int TYPE_UNICAST = 1, TYPE_LOCAL = 2, TYPE_BROADCAST = 3, TYPE_BLACKHOLE = 6, TYPE_UNREACHABLE = 7,
      TYPE_PROHIBIT = 8;
  static final int RTNH_F_ONLINK = 4;

  public Route {
    if (family == 0) family = dst != null ? dst.family() : gateway instanceof Inet4Address ? LibC.AF_INET : gateway != null ? LibC.AF_INET6 : 0;
    if (family != LibC.AF_INET && family != LibC.AF_INET6) throw new IllegalArgumentException("route family unknown: give dst, gateway or family");
    if (dst != null && dst.family() != family) throw new IllegalArgumentException("route dst " + dst + " not in family " + family);
    if (table <= 0) table = TABLE_MAIN;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The destination as text, "default" for the default route. */
  public String dstText() {
    return dst == null ? "default" : dst.network().toString();
  }

  @Override
  public String toString() {
    return dstText() + (gateway != null ? " via " + IpPrefix.format(gateway) : "") + (oif > 0 ? " dev #" + oif : "")
        + (table != TABLE_MAIN ? " table " + table : "") + (priority > 0 ? " metric " + priority : "");
  }

  /** Collects route fields; unset ints are -1 (see the class comment). */
  public static final class Builder {
    private int family, oif, table = TABLE_MAIN, priority, mtu, advmss;
    private int scope = -1, protocol = -1, type = -1;
    private IpPrefix dst;
    private InetAddress gateway, src;
    private boolean onlink;

    public Builder family(int f) { family = f; return this; }
    public Builder dst(IpPrefix p) { dst = p; return this; }
    public Builder dst(String p) { return dst(IpPrefix.parse(p)); }
    public Builder gateway(InetAddress g) { gateway = g; return this; }
    public Builder gateway(String g) { return gateway(IpPrefix.parseAddress(g)); }
    public Builder oif(int i) { oif = i; return this; }
    public Builder scope(int s) { scope = s; return this; }
    public Builder table(int t) { table = t; return this; }
    public Builder onlink(boolean o) { onlink = o; return this; }
    public Builder priority(int p) { priority = p; return this; }
    public Builder metric(int p) { return priority(p); }
    public Builder protocol(int p) { protocol = p; return this; }
    public Builder type(int t) { type = t; return this; }
    public Builder mtu(int m) { mtu = m; return this; }
    public Builder advmss(int m) { advmss = m; return this; }
    public Builder src(InetAddress s) { src = s; return this; }

    public Route build() {
      return new Route(family, dst, gateway, oif, scope, table, onlink, priority, protocol, type, mtu, advmss, src);
    }
  }

  static Route parse(NetlinkMessage m) {
    m.requireHeader(12, "rtmsg");
    NlAttrs a = m.attrs(12);
    int family = m.u8(0);
    if (family != LibC.AF_INET && family != LibC.AF_INET6) return null;
    int dstLen = m.u8(1);
    IpPrefix dst = null;
    if (a.has(RouteRequests.RTA_DST)) {
      InetAddress d = a.address(RouteRequests.RTA_DST);
      if (d.getAddress().length != (family == LibC.AF_INET ? 4 : 16)) throw new NetlinkFormatException("route dst of " + d.getAddress().length + " bytes in family " + family);
      if (dstLen > d.getAddress().length * 8) throw new NetlinkFormatException("route prefix length " + dstLen);
      dst = new IpPrefix(d, dstLen);
    }
    int mtu = 0, advmss = 0;
    if (a.has(RouteRequests.RTA_METRICS)) {
      NlAttrs x = a.nested(RouteRequests.RTA_METRICS);
      mtu = x.u32(RouteRequests.RTAX_MTU, 0);
      advmss = x.u32(RouteRequests.RTAX_ADVMSS, 0);
    }
    return new Route(family, dst, a.address(RouteRequests.RTA_GATEWAY, null), a.u32(RouteRequests.RTA_OIF, 0), m.u8(6),
        a.u32(RouteRequests.RTA_TABLE, m.u8(4)), (m.u32(8) & RTNH_F_ONLINK) != 0, a.u32(RouteRequests.RTA_PRIORITY, 0),
        m.u8(5), m.u8(7), mtu, advmss, a.address(RouteRequests.RTA_PREFSRC, null));
  }
}
