package dev.weft.agent.overlay;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * Another node as the overlay needs it: its pod subnet and its VTEP (underlay address and the
 * MAC of its VXLAN device). What a node publishes about itself is {@link VxlanDevice#self}.
 *
 * @param podCidr normalised to its network (host bits cleared)
 */
public record OverlayPeer(String nodeName, IpPrefix podCidr, InetAddress vtepIp, MacAddress vtepMac) {
  public OverlayPeer {
    if (nodeName == null || nodeName.isBlank()) throw new IllegalArgumentException("peer node name is empty");
    Objects.requireNonNull(podCidr, "podCidr");
    Objects.requireNonNull(vtepIp, "vtepIp");
    Objects.requireNonNull(vtepMac, "vtepMac");
    if (!podCidr.isIpv4() || !(vtepIp instanceof Inet4Address))
      throw new IllegalArgumentException("peer " + nodeName + ": the overlay is IPv4 only");
    podCidr = podCidr.network();
  }

  /** The next hop for the peer's pods: its pod CIDR's network address, the address of its VXLAN device. */
  public InetAddress gateway() {
    return podCidr.address();
  }

  @Override
  public String toString() {
    return nodeName + " " + podCidr + " vtep " + IpPrefix.format(vtepIp) + " " + vtepMac;
  }
}
