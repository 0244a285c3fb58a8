package dev.weft.cni;

import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.Link;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Route;
import dev.weft.kernel.Rtnl;
import dev.weft.kernel.Sysctl;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The container side of an attachment: addresses, routes and sysctls on the pod's interface,
 * programmed through a netlink socket opened inside the pod's namespace.
 */
final class PodInterface {
  private final Rtnl pod;
  private final Path netns;
  private final String ifname;

  /** {@code pod} is a netlink socket opened inside {@code netns}. */
  PodInterface(Rtnl pod, Path netns, String ifname) {
    this.pod = pod;
    this.netns = netns;
    this.ifname = ifname;
  }

  /** Configures the interface from the IPAM result; returns it (index, MAC) as the kernel has it. */
  Link configure(Result ipam, boolean defaultRouteViaGateway, boolean enableDad) {
    boolean hasV6 = hasIpv6(ipam);
    NetNs.callOnThisThread(netns, () -> {
      Sysctl.set("net/ipv4/conf/" + ifname + "/arp_notify", "1");
      if (hasV6) {
        Sysctl.set("net/ipv6/conf/" + ifname + "/disable_ipv6", "0");
        if (!enableDad) Sysctl.set("net/ipv6/conf/" + ifname + "/accept_dad", "0");
      }
      return null;
    });
    {
      Link link = pod.link(ifname).orElseThrow(() -> new IllegalStateException(ifname + " vanished from " + netns));
      for (var ip : ipam.ips()) {
        if (ip.address().isIpv6()) pod.addAddress(link.index(), ip.address(), enableDad ? 0 : dev.weft.kernel.Address.IFA_F_NODAD);
        else pod.addAddress(link.index(), ip.address());
      }
      pod.setUp(link.index());
      for (Route r : routes(ipam, link.index(), defaultRouteViaGateway)) pod.replaceRoute(r);
      return pod.link(link.index()).orElse(link);
    }
  }

  private static boolean hasIpv6(Result ipam) {
    for (var ip : ipam.ips()) if (ip.address().isIpv6()) return true;
    return false;
  }

  /**
   * The IPAM routes (a route without gw goes via the family's gateway), plus a default route via
   * each family's gateway when {@code isDefaultGateway}, without duplicating one IPAM already gave.
   */
  static List<Route> routes(Result ipam, int oif, boolean defaultRouteViaGateway) {
    List<Route> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (var rc : ipam.routes()) {
      InetAddress gw = rc.gw() != null ? rc.gw() : gatewayFor(ipam, rc.dst().isIpv4());
      Route.Builder b = Route.builder().dst(rc.dst().network()).oif(oif);
      if (gw != null) b.gateway(gw);
      if (rc.priority() != null) b.priority(rc.priority());
      if (rc.mtu() != null) b.mtu(rc.mtu());
      if (rc.advmss() != null) b.advmss(rc.advmss());
      if (rc.table() != null) b.table(rc.table());
      if (rc.scope() != null) b.scope(rc.scope());
      out.add(b.build());
      seen.add(rc.dst().network().toString());
    }
    if (defaultRouteViaGateway) {
      for (var ip : ipam.ips()) {
        if (ip.gateway() == null) continue;
        IpPrefix any = IpPrefix.parse(ip.address().isIpv4() ? "0.0.0.0/0" : "::/0");
        if (seen.contains(any.toString())) continue;
        seen.add(any.toString());
        out.add(Route.builder().dst(any).gateway(ip.gateway()).oif(oif).build());
      }
    }
    return out;
  }

  private static InetAddress gatewayFor(Result ipam, boolean ipv4) {
    for (var ip : ipam.ips()) if (ip.address().isIpv4() == ipv4 && ip.gateway() != null) return ip.gateway();
    return null;
  }
}
