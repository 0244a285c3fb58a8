package dev.weft.agent;

import dev.weft.kernel.Address;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.LibC;
import dev.weft.kernel.Link;
import dev.weft.kernel.Rtnl;
import java.net.InetAddress;

/** The node's underlay interface as the kernel has it: its VTEP address and MTU. */
record Underlay(String interfaceName, InetAddress ip, int mtu) {
  static Underlay read(String interfaceName, String configuredIp) {
    try (Rtnl rtnl = Rtnl.open()) {
      Link link = rtnl.link(interfaceName)
          .orElseThrow(() -> new IllegalArgumentException("--underlay-interface " + interfaceName + " does not exist"));
      InetAddress ip = configuredIp != null ? IpPrefix.parseAddress(configuredIp) : firstIpv4(rtnl, link);
      return new Underlay(interfaceName, ip, link.mtu());
    }
  }

  private static InetAddress firstIpv4(Rtnl rtnl, Link link) {
    for (Address a : rtnl.addresses(link.index(), LibC.AF_INET)) if (a.scope() == 0) return a.prefix().address();
    throw new IllegalArgumentException("--underlay-interface " + link.name() + " has no IPv4 address (or give --underlay-ip)");
  }
}
