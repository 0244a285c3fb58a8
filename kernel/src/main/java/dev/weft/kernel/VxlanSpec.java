package dev.weft.kernel;

import java.net.InetAddress;

/**
 * A VXLAN device to create.
 *
 * @param vni the VXLAN network identifier (0 .. 2^24-1)
 * @param local the source address of encapsulated packets, null for the kernel's choice
 * @param devIndex the underlay device (IFLA_VXLAN_LINK), 0 for none
 * @param port the UDP destination port, 0 for the kernel default (8472)
 * @param learning learn remote MACs from received packets (flannel and weft turn it off)
 * @param mtu 0 for the default
 * @param mac null for a random address
 */
public record VxlanSpec(String name, int vni, InetAddress local, int devIndex, int port, boolean learning, int mtu, MacAddress mac) {
  public VxlanSpec {
    LinkRequests.checkName(name);
    if (vni < 0 || vni > 0xffffff) throw new IllegalArgumentException("VNI " + vni + " out of range 0..16777215");
    if (port < 0 || port > 0xffff) throw new IllegalArgumentException("port " + port + " out of range");
    if (mtu < 0) throw new IllegalArgumentException("negative MTU " + mtu);
  }

  /** A device with no underlay binding, default port, learning off, default MTU and random MAC. */
  public static VxlanSpec of(String name, int vni, InetAddress local) {
    return new VxlanSpec(name, vni, local, 0, 0, false, 0, null);
  }
}
