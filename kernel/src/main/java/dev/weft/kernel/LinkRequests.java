package dev.weft.kernel;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;

/** Encodes RTM_*LINK requests: ifinfomsg + IFLA_* attributes (linux/if_link.h, if_bridge.h). */
final class LinkRequests {
  private LinkRequests() {}

  static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10,
      IFLA_PROTINFO = 12, IFLA_OPERSTATE = 16, IFLA_IFALIAS = 20, IFLA_LINKINFO = 18, IFLA_AF_SPEC = 26, IFLA_NET_NS_FD = 28,
      IFLA_EXT_MASK = 29, IFLA_PROMISCUITY = 30, IFLA_LINK_NETNSID = 37;
  static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4;
  static final int VETH_INFO_PEER = 1;
  static final int IFLA_BR_VLAN_FILTERING = 7;
  static final int IFLA_VXLAN_ID = 1, IFLA_VXLAN_LINK = 3, IFLA_VXLAN_LOCAL = 4, IFLA_VXLAN_LEARNING = 7,
      IFLA_VXLAN_PORT = 15, IFLA_VXLAN_LOCAL6 = 17;
  static final int IFLA_BRPORT_MODE = 4, IFLA_BRPORT_LEARNING = 8;
  static final int IFLA_BRIDGE_FLAGS = 0, IFLA_BRIDGE_VLAN_INFO = 2;
  static final int BRIDGE_FLAGS_SELF = 2;
  static final int BRIDGE_VLAN_INFO_PVID = 2, BRIDGE_VLAN_INFO_UNTAGGED = 4;
  static final int RTEXT_FILTER_SKIP_STATS = 8; // no per-link statistics: smaller replies

  /** Rejects names the kernel would refuse (dev_valid_name), before any syscall. */
  static void checkName(String name) {
    if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 15 || name.equals(".") || name.equals("..")
        || hasBadChar(name))
      throw new IllegalArgumentException("invalid interface name \"" + name + "\" (1-15 bytes, no '/', ':' or whitespace)");
  }

  // a loop, not a stream: this runs in every per-pod CNI JVM, where a stream pipeline's first use is costly
  private static boolean hasBadChar(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c)) return true;
    }
    return false;
  }

  /** ifinfomsg: family, pad, type, index, flags, change. */
  static NetlinkWriter ifinfo(NetlinkWriter w, int family, int index, int flags, int change) {
    return w.u8(family).u8(0).u16(0).u32(index).u32(flags).u32(change);
  }

  static NetlinkWriter getByName(String name) {
    checkName(name);
    return ifinfo(new NetlinkWriter(Netlink.RTM_GETLINK, 0, "get link " + name), 0, 0, 0, 0)
        .attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).attrString(IFLA_IFNAME, name);
  }

  static NetlinkWriter getByIndex(int index) {
    return ifinfo(new NetlinkWriter(Netlink.RTM_GETLINK, 0, "get link #" + index), 0, index, 0, 0)
        .attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  }

  static NetlinkWriter dump() {
    return ifinfo(new NetlinkWriter(Netlink.RTM_GETLINK, Netlink.NLM_F_DUMP, "dump links"), 0, 0, 0, 0)
        .attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  }

  static NetlinkWriter addBridge(String name, int mtu) {
    checkName(name);
    NetlinkWriter w = ifinfo(new NetlinkWriter(Netlink.RTM_NEWLINK, Netlink.CREATE_EXCL, "add bridge " + name), 0, 0, 0, 0);
    if (mtu > 0) w.attrU32(IFLA_MTU, mtu);
    w.attrString(IFLA_IFNAME, name);
    int info = w.begin(IFLA_LINKINFO);
    w.attrChars(IFLA_INFO_KIND, "bridge");
    return w.end(info);
  }

  /** A veth pair in one message (attribute order as iproute2 sends it); peerNsFd >= 0 creates the peer directly in that namespace. */
  static NetlinkWriter addVeth(String name, String peer, int peerNsFd, String peerNsName, int mtu, MacAddress mac, MacAddress peerMac) {
    checkName(name);
    checkName(peer);
    String op = "add veth " + name + " (peer " + peer + (peerNsName != null ? " in " + peerNsName : "") + ")";
    NetlinkWriter w = ifinfo(new NetlinkWriter(Netlink.RTM_NEWLINK, Netlink.CREATE_EXCL, op), 0, 0, 0, 0);
    if (mtu > 0) w.attrU32(IFLA_MTU, mtu);
    if (mac != null) w.attr(IFLA_ADDRESS, mac.bytes());
    w.attrString(IFLA_IFNAME, name);
    int info = w.begin(IFLA_LINKINFO);
    w.attrChars(IFLA_INFO_KIND, "veth");
    int data = w.begin(IFLA_INFO_DATA);
    int peerInfo = w.begin(VETH_INFO_PEER);
    ifinfo(w, 0, 0, 0, 0);
    if (mtu > 0) w.attrU32(IFLA_MTU, mtu);
    if (peerMac != null) w.attr(IFLA_ADDRESS, peerMac.bytes());
    if (peerNsFd >= 0) w.attrU32(IFLA_NET_NS_FD, peerNsFd);
    w.attrString(IFLA_IFNAME, peer);
    w.end(peerInfo).end(data);
    return w.end(info);
  }

  static NetlinkWriter addVxlan(VxlanSpec s) {
    NetlinkWriter w = ifinfo(new NetlinkWriter(Netlink.RTM_NEWLINK, Netlink.CREATE_EXCL, "add vxlan " + s.name() + " (vni " + s.vni() + ")"), 0, 0, 0, 0);
    if (s.mtu() > 0) w.attrU32(IFLA_MTU, s.mtu());
    if (s.mac() != null) w.attr(IFLA_ADDRESS, s.mac().bytes());
    w.attrString(IFLA_IFNAME, s.name());
    int info = w.begin(IFLA_LINKINFO);
    w.attrChars(IFLA_INFO_KIND, "vxlan");
    int data = w.begin(IFLA_INFO_DATA);
    if (s.devIndex() > 0) w.attrU32(IFLA_VXLAN_LINK, s.devIndex());
    w.attrU32(IFLA_VXLAN_ID, s.vni());
    if (s.local() != null) w.attr(s.local() instanceof Inet4Address ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, s.local().getAddress());
    w.attrU8(IFLA_VXLAN_LEARNING, s.learning() ? 1 : 0);
    if (s.port() > 0) w.attrBe16(IFLA_VXLAN_PORT, s.port());
    w.end(data);
    return w.end(info);
  }

  /** An RTM_NEWLINK on an existing link (what `ip link set` sends): attributes follow. */
  static NetlinkWriter modify(int index, String op) {
    return ifinfo(new NetlinkWriter(Netlink.RTM_NEWLINK, Netlink.NLM_F_ACK, op), 0, index, 0, 0);
  }

  static NetlinkWriter setFlag(int index, int flag, boolean on, String op) {
    return ifinfo(new NetlinkWriter(Netlink.RTM_NEWLINK, Netlink.NLM_F_ACK, op), 0, index, on ? flag : 0, flag);
  }

  static NetlinkWriter delete(int index) {
    return ifinfo(new NetlinkWriter(Netlink.RTM_DELLINK, Netlink.NLM_F_ACK, "delete link #" + index), 0, index, 0, 0);
  }

  /** A bridge port flag (IFLA_PROTINFO / IFLA_BRPORT_*), as `bridge link set dev X hairpin on` sends it. */
  static NetlinkWriter setBridgePortFlag(int index, int brportAttr, boolean on, String op) {
    NetlinkWriter w = ifinfo(new NetlinkWriter(Netlink.RTM_SETLINK, Netlink.NLM_F_ACK, op), LibC.AF_BRIDGE, index, 0, 0);
    int p = w.begin(IFLA_PROTINFO | NetlinkWriter.NLA_F_NESTED);
    w.attrU8(brportAttr, on ? 1 : 0);
    return w.end(p);
  }

  /** `bridge vlan add/del vid V dev X [pvid] [untagged] [self]`. */
  static NetlinkWriter bridgeVlan(boolean add, int index, int vid, boolean pvid, boolean untagged, boolean self) {
    if (vid < 1 || vid > 4094) throw new IllegalArgumentException("VLAN id " + vid + " out of range 1..4094");
    String op = (add ? "add" : "delete") + " vlan " + vid + " on bridge port #" + index;
    NetlinkWriter w = ifinfo(new NetlinkWriter(add ? Netlink.RTM_SETLINK : Netlink.RTM_DELLINK, Netlink.NLM_F_ACK, op), LibC.AF_BRIDGE, index, 0, 0);
    int spec = w.begin(IFLA_AF_SPEC);
    if (self) w.attrU16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
    int flags = (pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
    w.attr(IFLA_BRIDGE_VLAN_INFO, new byte[] {(byte) flags, (byte) (flags >>> 8), (byte) vid, (byte) (vid >>> 8)});
    return w.end(spec);
  }

  static NetlinkWriter setBridgeVlanFiltering(int index, boolean on) {
    NetlinkWriter w = modify(index, (on ? "enable" : "disable") + " vlan filtering on bridge #" + index);
    int info = w.begin(IFLA_LINKINFO);
    w.attrChars(IFLA_INFO_KIND, "bridge");
    int data = w.begin(IFLA_INFO_DATA);
    w.attrU8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
    w.end(data);
    return w.end(info);
  }
}
