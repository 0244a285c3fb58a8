package dev.weft.cni;

import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.Link;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ADD result, shaped like the reference bridge's: interfaces [bridge, host veth, pod
 * interface], every IP on the pod interface, the IPAM routes (plus the default route when
 * isDefaultGateway) and DNS. A prevResult from an earlier plugin in the chain is kept in front.
 */
final class AttachResult {
  private AttachResult() {}

  static Result of(NetworkConfig conf, BridgeConfig cfg, Link br, Link hostEnd, Link podEnd, Path netns, Result ipam) {
    Result prev = conf.prevResult();
    List<Result.Interface> ifaces = new ArrayList<>(prev == null ? List.of() : prev.interfaces());
    List<Result.IpConfig> ips = new ArrayList<>(prev == null ? List.of() : prev.ips());
    List<Result.RouteConf> routes = new ArrayList<>(prev == null ? List.of() : prev.routes());
    int base = ifaces.size();
    ifaces.add(new Result.Interface(br.name(), br.mac().toString(), null, null, null, null));
    ifaces.add(new Result.Interface(hostEnd.name(), hostEnd.mac().toString(), null, null, null, null));
    ifaces.add(new Result.Interface(podEnd.name(), podEnd.mac().toString(), podEnd.mtu(), netns.toString(), null, null));
    for (var ip : ipam.ips()) ips.add(new Result.IpConfig(ip.address(), ip.gateway(), base + 2));
    routes.addAll(ipam.routes());
    if (cfg.isDefaultGateway()) {
      for (var ip : ipam.ips()) {
        if (ip.gateway() == null) continue;
        IpPrefix any = IpPrefix.parse(ip.address().isIpv4() ? "0.0.0.0/0" : "::/0");
        boolean present = false;
        for (var r : routes) present |= r.dst().equals(any);
        if (!present)
          routes.add(new Result.RouteConf(any, ip.gateway(), null, null, null, null, null));
      }
    }
    // the network config's own dns wins over IPAM's, as in the reference bridge plugin
    Result.Dns dns = configuredDns(conf);
    if (dns == null) dns = ipam.dns() != null ? ipam.dns() : prev == null ? null : prev.dns();
    return new Result(conf.cniVersion(), ifaces, ips, routes, dns);
  }

  private static Result.Dns configuredDns(NetworkConfig conf) {
    if (!(conf.raw().get("dns") instanceof java.util.Map<?, ?> m) || m.isEmpty()) return null;
    try {
      @SuppressWarnings("unchecked")
      Result.Dns d = Result.parseDns((java.util.Map<String, Object>) m, "dns");
      boolean empty = (d.nameservers() == null || d.nameservers().isEmpty()) && d.domain() == null
          && (d.search() == null || d.search().isEmpty()) && (d.options() == null || d.options().isEmpty());
      return empty ? null : d;
    } catch (dev.weft.cni.protocol.CniError e) {
      return null;
    }
  }
}
