package dev.weft.kernel;

import java.net.InetAddress;

/**
 * A bridge or VXLAN forwarding-database entry (RTM_NEWNEIGH, family AF_BRIDGE), as `bridge fdb`
 * shows it.
 *
 * @param ifindex the port (bridge port, or the vxlan device itself)
 * @param dst for a vxlan device, the remote VTEP (NDA_DST); null otherwise
 * @param vlan NDA_VLAN, 0 for none
 * @param vni NDA_VNI, 0 for none (the device's own VNI)
 * @param state NUD_* as bridge fdb sets it: NOARP|PERMANENT ("permanent", the default), NOARP|REACHABLE
 *     ("static"), REACHABLE ("dynamic"); 0 in a request = NOARP|PERMANENT
 * @param flags NTF_SELF (the device's own table) and/or NTF_MASTER (the bridge above it); 0 in a
 *     request = NTF_SELF
 * @param masterIndex NDA_MASTER (the bridge) in dumps, 0 when absent; ignored in requests
 */
public record FdbEntry(int ifindex, MacAddress mac, InetAddress dst, int vlan, int vni, int state, int flags, int masterIndex) {
  public static final MacAddress ZERO = new MacAddress(new byte[6]);

  /**
   * A permanent entry in the device's own table, as {@code bridge fdb append MAC dev VXLAN dst IP}
   * makes it (all-zero MAC + append = a flood/BUM destination).
   */
  public static FdbEntry vxlan(int ifindex, MacAddress mac, InetAddress dst) {
    return new FdbEntry(ifindex, mac, dst, 0, 0, Neighbour.NUD_NOARP | Neighbour.NUD_PERMANENT, Neighbour.NTF_SELF, 0);
  }

  /** A static entry in a bridge's table pointing at one of its ports (`bridge fdb add MAC dev PORT master static`). */
  public static FdbEntry bridgePort(int portIfindex, MacAddress mac, int vlan) {
    return new FdbEntry(portIfindex, mac, null, vlan, 0, Neighbour.NUD_NOARP | Neighbour.NUD_REACHABLE, Neighbour.NTF_MASTER, 0);
  }

  static FdbEntry parse(NetlinkMessage m) {
    m.requireHeader(12, "ndmsg");
    if (m.u8(0) != LibC.AF_BRIDGE) return null;
    NlAttrs a = m.attrs(12);
    MacAddress mac = a.mac(NeighbourRequests.NDA_LLADDR);
    if (mac == null) return null;
    return new FdbEntry(m.u32(4), mac, a.address(NeighbourRequests.NDA_DST, null),
        a.has(NeighbourRequests.NDA_VLAN) ? a.u16(NeighbourRequests.NDA_VLAN) : 0, a.u32(NeighbourRequests.NDA_VNI, 0),
        m.u16(8), m.u8(10), a.u32(NeighbourRequests.NDA_MASTER, 0));
  }
}
