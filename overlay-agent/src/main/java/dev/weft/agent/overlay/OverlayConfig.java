package dev.weft.agent.overlay;

import dev.weft.kernel.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One node's overlay settings.
 *
 * @param nodeName this node's name; the VTEP MAC is derived from it ({@link VxlanDevice#vtepMac})
 * @param deviceName the VXLAN device, at most 15 characters ({@link #DEFAULT_DEVICE})
 * @param vni the VXLAN network identifier, the same on every node
 * @param port the UDP port, the same on every node (IANA 4789 by default)
 * @param underlayInterface the device carrying encapsulated packets (the node's uplink)
 * @param underlayIp the node's address on it, the VTEP address peers send to; null = the first
 *     global IPv4 address of {@code underlayInterface}
 * @param podCidr this node's leased pod subnet (host bits cleared)
 * @param clusterCidr the whole pod network; traffic leaving it is masqueraded
 * @param mtu the VXLAN device MTU; 0 = the underlay MTU minus {@link #VXLAN_OVERHEAD}
 */
public record OverlayConfig(String nodeName, String deviceName, int vni, int port, String underlayInterface,
    InetAddress underlayIp, IpPrefix podCidr, IpPrefix clusterCidr, int mtu) {

  public static final String DEFAULT_DEVICE = "weft.vxlan";
  public static final int DEFAULT_VNI = 1, DEFAULT_PORT = 4789;
  /** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
  public static final int VXLAN_OVERHEAD = 50;

  public OverlayConfig {
    if (nodeName == null || nodeName.isBlank()) throw new IllegalArgumentException("node name is empty");
    Objects.requireNonNull(deviceName, "deviceName");
    if (deviceName.isEmpty() || deviceName.length() > 15 || deviceName.contains("/") || deviceName.contains(" "))
      throw new IllegalArgumentException("invalid device name \"" + deviceName + "\" (1-15 characters, no '/' or space)");
    if (vni < 1 || vni > 0xffffff) throw new IllegalArgumentException("VNI " + vni + " out of range 1..16777215");
    if (port < 1 || port > 0xffff) throw new IllegalArgumentException("UDP port " + port + " out of range 1..65535");
    if (underlayInterface == null || underlayInterface.isEmpty()) throw new IllegalArgumentException("underlay interface is empty");
    if (underlayIp != null && !(underlayIp instanceof Inet4Address)) throw new IllegalArgumentException("underlay IP must be IPv4: " + underlayIp);
    Objects.requireNonNull(podCidr, "podCidr");
    Objects.requireNonNull(clusterCidr, "clusterCidr");
    if (!podCidr.isIpv4() || !clusterCidr.isIpv4()) throw new IllegalArgumentException("the overlay is IPv4 only");
    podCidr = podCidr.network();
    clusterCidr = clusterCidr.network();
    if (podCidr.prefixLength() < clusterCidr.prefixLength() || !clusterCidr.contains(podCidr.address()))
      throw new IllegalArgumentException("pod CIDR " + podCidr + " is not inside the cluster CIDR " + clusterCidr);
    if (mtu != 0 && (mtu < 576 || mtu > 65535)) throw new IllegalArgumentException("MTU " + mtu + " out of range 576..65535");
  }

  /** The defaults: device {@value #DEFAULT_DEVICE}, VNI 1, port 4789, MTU from the underlay. */
  public static OverlayConfig of(String nodeName, String underlayInterface, InetAddress underlayIp, IpPrefix podCidr,
      IpPrefix clusterCidr) {
    return new OverlayConfig(nodeName, DEFAULT_DEVICE, DEFAULT_VNI, DEFAULT_PORT, underlayInterface, underlayIp, podCidr,
        clusterCidr, 0);
  }

  /** The node's address on the VXLAN device: its pod CIDR's network address (as flannel does), /32. */
  public IpPrefix deviceAddress() {
    return new IpPrefix(podCidr.address(), 32);
  }

  /** The MTU the device gets when the underlay's is {@code underlayMtu}. */
  public int mtuFor(int underlayMtu) {
    return mtu > 0 ? mtu : underlayMtu - VXLAN_OVERHEAD;
  }
}
