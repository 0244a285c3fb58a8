package dev.weft.cni;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.Link;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Rtnl;
import dev.weft.nat.AttachmentId;
import dev.weft.nat.NatBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * ADD: bridge, IPAM, veth (peer created directly in the pod's namespace), pod addresses and routes,
 * gateway, NAT. Each step that changes something pushes its undo, so a failed ADD leaves nothing.
 */
final class PodAttach {
  private final CniEnv env;
  private final NetworkConfig conf;
  private final BridgeConfig cfg;
  private final Consumer<String> log;

  PodAttach(CniEnv env, NetworkConfig conf, BridgeConfig cfg, Consumer<String> log) {
    this.env = env;
    this.conf = conf;
    this.cfg = cfg;
    this.log = log;
  }

  Result run() throws CniError {
    long started = PhaseTrace.now();
    try {
      return attach();
    } finally {
      PhaseTrace.add(PhaseTrace.Phase.ATTACH, started);
    }
  }

  private Result attach() throws CniError {
    Path netns = PodNetns.require(env);
    Rollback rollback = new Rollback(log);
    // the pod's socket is created by this thread from inside the namespace (no helper thread)
    try (Rtnl host = Rtnl.open(); Rtnl pod = NetNs.callOnThisThread(netns, Rtnl::open)) {
      // the undo steps use the sockets, so they run before the sockets close
      try {
        if (pod.link(env.ifname()).isPresent())
          throw new CniError(CniError.INVALID_ENV, "interface " + env.ifname() + " already exists in " + netns, null);
        IpamClient ipam = IpamClient.of(conf, env, env.path()); // validates the IPAM config before anything changes
        HostBridge bridge = new HostBridge(host, cfg);
        Link br = bridge.ensure(rollback);

        // pushed first: the spec has the main plugin run IPAM DEL when IPAM ADD fails, and DEL is idempotent
        rollback.push("IPAM reservation", ipam::del);
        long t = PhaseTrace.now();
        Result addrs = ipam.add();
        PhaseTrace.add(PhaseTrace.Phase.IPAM, t);
        if (addrs.ips().isEmpty()) throw new CniError(CniError.INVALID_CONFIG, "IPAM returned no address", null);

        Link hostEnd = createVeth(host, netns, br, rollback);
        Link podEnd = new PodInterface(pod, netns, env.ifname()).configure(addrs, cfg.isDefaultGateway(), cfg.enableDad());
        if (cfg.isGateway()) bridge.ensureGateways(br, gateways(addrs));

        long natStart = PhaseTrace.now();
        AttachmentId id = new AttachmentId(cfg.network(), env.containerId(), env.ifname());
        List<IpPrefix> podAddrs = new ArrayList<>();
        for (var ip : addrs.ips()) podAddrs.add(ip.address());
        if (cfg.ipMasq()) {
          var masq = NatBackend.masquerade(cfg.ipMasqBackend(), null);
          rollback.push("masquerade rules", () -> masq.remove(id));
          masq.add(id, podAddrs);
        }
        if (!cfg.portMappings().isEmpty()) {
          var ports = NatBackend.hostPorts(cfg.ipMasqBackend(), null);
          rollback.push("hostPort rules", () -> ports.remove(id));
          ports.add(id, cfg.portMappings(), podAddrs);
        }
        if (cfg.macspoofchk()) {
          var spoof = new MacSpoofRules(null);
          rollback.push("macspoofchk rules", () -> spoof.remove(hostEnd.name()));
          spoof.add(hostEnd.name(), podEnd.mac(), id);
        }
        PhaseTrace.add(PhaseTrace.Phase.NAT, natStart);
        Link brNow = host.link(br.index()).orElse(br); // re-read: the MAC as it is now the port is attached
        return AttachResult.of(conf, cfg, brNow, hostEnd, podEnd, netns, addrs);
      } catch (CniError | RuntimeException e) {
        rollback.run();
        throw e;
      }
    }
  }

  /** The veth pair, host end on the bridge (hairpin, VLAN), both ends up. */
  private Link createVeth(Rtnl host, Path netns, Link br, Rollback rollback) {
    String name = VethName.of(cfg.network(), env.containerId(), env.ifname());
    // a leftover of this same attachment (an ADD killed half-way, the pod namespace still alive)
    host.deleteLinkIfPresent(name);
    int mtu = cfg.mtu() != 0 ? cfg.mtu() : br.mtu();
    host.addVeth(name, env.ifname(), netns, mtu, null, cfg.mac());
    Link veth = host.link(name).orElseThrow(() -> new IllegalStateException("veth " + name + " vanished after creation"));
    rollback.push("veth " + name, () -> host.deleteLinkIfPresent(name));
    host.setAlias(veth.index(), VethName.alias(cfg.network(), env.containerId(), env.ifname()));
    host.setMaster(veth.index(), br.index());
    if (cfg.hairpinMode()) host.setHairpin(veth.index(), true);
    if (cfg.vlan() != 0) host.addBridgeVlan(veth.index(), cfg.vlan(), true, true);
    host.setUp(veth.index());
    return host.link(veth.index()).orElse(veth);
  }

  /** Each gateway with its subnet's prefix length: what goes on the bridge. */
  static List<IpPrefix> gateways(Result addrs) {
    List<IpPrefix> out = new ArrayList<>();
    for (var ip : addrs.ips())
      if (ip.gateway() != null) out.add(new IpPrefix(ip.gateway(), ip.address().prefixLength()));
    return out;
  }
}
