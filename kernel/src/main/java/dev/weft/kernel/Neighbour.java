package dev.weft.kernel;

import java.net.InetAddress;

/**
 * An ARP / NDP entry (RTM_NEWNEIGH, family AF_INET/AF_INET6).
 *
 * @param mac the link-layer address, null for an incomplete entry
 * @param state NUD_* (e.g. {@link #NUD_PERMANENT})
 * @param flags NTF_*
 */
public record Neighbour(int ifindex, InetAddress ip, MacAddress mac, int state, int flags) {
  public static final int NUD_INCOMPLETE = 0x01, NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_DELAY = 0x08,
      NUD_PROBE = 0x10, NUD_FAILED = 0x20, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
  public static final int NTF_USE = 0x01, NTF_SELF = 0x02, NTF_MASTER = 0x04, NTF_PROXY = 0x08,
      NTF_EXT_LEARNED = 0x10, NTF_ROUTER = 0x80;

  /** A permanent entry, what `ip neigh add IP lladdr MAC dev X nud permanent` creates. */
  public static Neighbour permanent(int ifindex, InetAddress ip, MacAddress mac) {
    return new Neighbour(ifindex, ip, mac, NUD_PERMANENT, 0);
  }

  public int family() {
    return ip.getAddress().length == 4 ? LibC.AF_INET : LibC.AF_INET6;
  }

  static Neighbour parse(NetlinkMessage m) {
    m.requireHeader(12, "ndmsg");
    int family = m.u8(0);
    if (family != LibC.AF_INET && family != LibC.AF_INET6) return null;
    NlAttrs a = m.attrs(12);
    if (!a.has(NeighbourRequests.NDA_DST)) return null;
    return new Neighbour(m.u32(4), a.address(NeighbourRequests.NDA_DST), a.mac(NeighbourRequests.NDA_LLADDR), m.u16(8), m.u8(10));
  }
}
