package dev.weft.kernel;

import java.net.InetAddress;

/**
 * A network interface as RTM_NEWLINK describes it.
 *
 * @param kind IFLA_INFO_KIND ("veth", "bridge", "vxlan" ...) or null for a physical/loopback device
 * @param slaveKind IFLA_INFO_SLAVE_KIND ("bridge" for a bridge port) or null
 * @param mac the 6-byte hardware address, null when the device has none of that size
 * @param masterIndex IFLA_MASTER (the bridge a port is enslaved to), 0 when none
 * @param flags IFF_* flags
 * @param operState "UP", "DOWN", "LOWERLAYERDOWN", "UNKNOWN" ...
 * @param parentIndex IFLA_LINK: for a veth the peer's index (in the peer's namespace), 0 when absent
 * @param linkNetnsId IFLA_LINK_NETNSID: the peer namespace's id as seen from here, -1 when absent
 * @param vxlan the VXLAN settings for kind "vxlan", otherwise null
 * @param alias IFLA_IFALIAS (what `ip link set dev X alias ...` sets), null when unset
 */
public record Link(int index, String name, String kind, String slaveKind, int mtu, MacAddress mac, int masterIndex,
    int flags, String operState, int parentIndex, int linkNetnsId, int promiscuity, Vxlan vxlan, String alias) {

  public static final int IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_POINTOPOINT = 0x10,
      IFF_RUNNING = 0x40, IFF_NOARP = 0x80, IFF_PROMISC = 0x100, IFF_MULTICAST = 0x1000, IFF_LOWER_UP = 0x10000;

  /** VXLAN details (IFLA_INFO_DATA of a vxlan link); local is null when unset, port in host order. */
  public record Vxlan(int vni, InetAddress local, int port, int devIndex, boolean learning) {}

  /** Administratively up (IFF_UP). */
  public boolean isUp() {
    return (flags & IFF_UP) != 0;
  }

  /** IFF_LOWER_UP: the carrier is present (for a veth: the peer is up too). */
  public boolean isLowerUp() {
    return (flags & IFF_LOWER_UP) != 0;
  }

  private static final String[] OPER_STATES = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};

  /** Parses an RTM_NEWLINK message (ifinfomsg + attributes). */
  static Link parse(NetlinkMessage m) {
    m.requireHeader(16, "ifinfomsg");
    int index = m.u32(4);
    int flags = m.u32(8);
    NlAttrs a = m.attrs(16);
    NlAttrs info = a.nestedOrEmpty(LinkRequests.IFLA_LINKINFO);
    String kind = info.string(LinkRequests.IFLA_INFO_KIND, null);
    Vxlan vxlan = null;
    if ("vxlan".equals(kind) && info.has(LinkRequests.IFLA_INFO_DATA)) vxlan = parseVxlan(info.nested(LinkRequests.IFLA_INFO_DATA));
    int oper = a.has(LinkRequests.IFLA_OPERSTATE) ? a.u8(LinkRequests.IFLA_OPERSTATE) : 0;
    return new Link(index, a.string(LinkRequests.IFLA_IFNAME, ""), kind, info.string(LinkRequests.IFLA_INFO_SLAVE_KIND, null),
        a.u32(LinkRequests.IFLA_MTU, 0), a.mac(LinkRequests.IFLA_ADDRESS), a.u32(LinkRequests.IFLA_MASTER, 0), flags,
        oper < OPER_STATES.length ? OPER_STATES[oper] : "UNKNOWN", a.u32(LinkRequests.IFLA_LINK, 0),
        a.u32(LinkRequests.IFLA_LINK_NETNSID, -1), a.u32(LinkRequests.IFLA_PROMISCUITY, 0), vxlan,
        a.string(LinkRequests.IFLA_IFALIAS, null));
  }

  private static Vxlan parseVxlan(NlAttrs d) {
    InetAddress local = d.has(LinkRequests.IFLA_VXLAN_LOCAL) ? d.address(LinkRequests.IFLA_VXLAN_LOCAL)
        : d.address(LinkRequests.IFLA_VXLAN_LOCAL6, null);
    return new Vxlan(d.u32(LinkRequests.IFLA_VXLAN_ID, 0), local,
        d.has(LinkRequests.IFLA_VXLAN_PORT) ? d.be16(LinkRequests.IFLA_VXLAN_PORT) : 0,
        d.u32(LinkRequests.IFLA_VXLAN_LINK, 0),
        d.has(LinkRequests.IFLA_VXLAN_LEARNING) && d.u8(LinkRequests.IFLA_VXLAN_LEARNING) != 0);
  }
}
