package dev.weft.cni;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.Link;
import dev.weft.kernel.Rtnl;
import java.nio.file.Path;

/**
 * CHECK: the attachment still is what ADD reported in prevResult — the pod interface with its MAC
 * and addresses, the host end on the bridge — and IPAM still holds the reservation.
 */
final class AttachmentCheck {
  private final CniEnv env;
  private final NetworkConfig conf;
  private final BridgeConfig cfg;

  AttachmentCheck(CniEnv env, NetworkConfig conf, BridgeConfig cfg) {
    this.env = env;
    this.conf = conf;
    this.cfg = cfg;
  }

  /** Every route of prevResult is in the pod's main table (same destination, same gateway if given). */
  private void checkRoutes(Rtnl pod, Result prev) throws CniError {
    var routes = new java.util.ArrayList<dev.weft.kernel.Route>();
    routes.addAll(pod.routes(dev.weft.kernel.LibC.AF_INET, 254));
    routes.addAll(pod.routes(dev.weft.kernel.LibC.AF_INET6, 254));
    for (var want : prev.routes()) {
      IpPrefix dst = want.dst().network();
      boolean found = routes.stream().anyMatch(r -> {
        IpPrefix rd = r.dst() == null ? IpPrefix.parse(dst.isIpv4() ? "0.0.0.0/0" : "::/0") : r.dst().network();
        return rd.equals(dst) && (want.gw() == null || want.gw().equals(r.gateway()));
      });
      if (!found) throw Errors.mismatch("route " + dst + (want.gw() == null ? "" : " via " + IpPrefix.format(want.gw()))
          + " from prevResult is missing in " + env.ifname() + "'s namespace");
    }
  }

  /** With isGateway, each gateway of prevResult sits on the bridge. */
  private void checkGateways(Rtnl host, Link br, Result prev) throws CniError {
    var have = host.addresses(br.index(), 0).stream().map(a -> a.prefix()).toList();
    for (var ip : prev.ips()) {
      if (ip.gateway() == null) continue;
      IpPrefix gw = new IpPrefix(ip.gateway(), ip.address().prefixLength());
      if (!have.contains(gw)) throw Errors.mismatch("bridge " + cfg.bridge() + " lacks gateway address " + gw);
    }
  }

  void run() throws CniError {
    Result prev = conf.prevResult();
    if (prev == null) throw new CniError(CniError.INVALID_CONFIG, "CHECK needs prevResult", null);
    Path netns = PodNetns.require(env);
    IpamClient.of(conf, env, env.path()).check();
    try (Rtnl host = Rtnl.open(); Rtnl pod = Rtnl.openIn(netns)) {
      Link br = host.link(cfg.bridge()).orElseThrow(() -> Errors.mismatch("bridge " + cfg.bridge() + " is missing"));
      String hostName = VethName.of(cfg.network(), env.containerId(), env.ifname());
      Link hostEnd = host.link(hostName).orElseThrow(() -> Errors.mismatch("host veth " + hostName + " is missing"));
      if (hostEnd.masterIndex() != br.index())
        throw Errors.mismatch("host veth " + hostName + " is not attached to bridge " + cfg.bridge());
      Link podEnd = pod.link(env.ifname())
          .orElseThrow(() -> Errors.mismatch("interface " + env.ifname() + " is missing in " + netns));
      int podIndex = -1;
      for (int i = 0; i < prev.interfaces().size(); i++) {
        var iface = prev.interfaces().get(i);
        if (env.ifname().equals(iface.name()) && iface.sandbox() != null) {
          podIndex = i;
          if (iface.mac() != null && !iface.mac().equalsIgnoreCase(podEnd.mac().toString()))
            throw Errors.mismatch(env.ifname() + " has MAC " + podEnd.mac() + ", prevResult says " + iface.mac());
        }
      }
      if (podIndex < 0) throw Errors.mismatch("prevResult has no interface " + env.ifname() + " with a sandbox");
      var have = pod.addresses(podEnd.index(), 0).stream().map(a -> a.prefix()).toList();
      for (var ip : prev.ips()) {
        if (ip.interfaceIndex() == null || ip.interfaceIndex() != podIndex) continue;
        IpPrefix want = ip.address();
        if (!have.contains(want)) throw Errors.mismatch(env.ifname() + " lacks address " + want + " (has " + have + ")");
      }
      checkRoutes(pod, prev);
      if (cfg.isGateway()) checkGateways(host, br, prev);
    }
  }
}
