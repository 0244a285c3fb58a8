package dev.weft.cni;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Rtnl;
import dev.weft.nat.AttachmentId;
import dev.weft.nat.NatBackend;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * DEL: every step runs even when an earlier one failed or found nothing, so a DEL after a crash, a
 * DEL with the namespace already gone or an empty CNI_NETNS, and a second DEL all leave nothing
 * behind. The first real failure is reported after the other steps ran, so the runtime retries.
 */
final class PodDetach {
  private final CniEnv env;
  private final NetworkConfig conf;
  private final BridgeConfig cfg;
  private final Consumer<String> log;
  private CniError firstFailure;

  PodDetach(CniEnv env, NetworkConfig conf, BridgeConfig cfg, Consumer<String> log) {
    this.env = env;
    this.conf = conf;
    this.cfg = cfg;
    this.log = log;
  }

  void run() throws CniError {
    String hostVeth = VethName.of(cfg.network(), env.containerId(), env.ifname());
    AttachmentId id = new AttachmentId(cfg.network(), env.containerId(), env.ifname());
    long t = PhaseTrace.now();
    step("pod interface", this::deletePodInterface);
    step("host veth " + hostVeth, () -> {
      try (Rtnl host = Rtnl.open()) {
        host.deleteLinkIfPresent(hostVeth);
      }
    });
    PhaseTrace.add(PhaseTrace.Phase.NETLINK, t);
    t = PhaseTrace.now();
    step("IPAM release", () -> IpamClient.of(conf, env, env.path()).del());
    PhaseTrace.add(PhaseTrace.Phase.IPAM, t);
    t = PhaseTrace.now();
    if (cfg.ipMasq()) step("masquerade rules", () -> NatBackend.masquerade(cfg.ipMasqBackend(), null).remove(id));
    if (!cfg.portMappings().isEmpty())
      step("hostPort rules", () -> NatBackend.hostPorts(cfg.ipMasqBackend(), null).remove(id));
    if (cfg.macspoofchk()) step("macspoofchk rules", () -> new MacSpoofRules(null).remove(hostVeth));
    PhaseTrace.add(PhaseTrace.Phase.NAT, t);
    if (firstFailure != null) throw firstFailure;
  }

  /** Deleting either end of a veth deletes both; the pod end is the one we can name for sure. */
  private void deletePodInterface() {
    Path netns = PodNetns.optional(env);
    if (netns == null) return;
    try (Rtnl pod = NetNs.callOnThisThread(netns, Rtnl::open)) {
      pod.deleteLinkIfPresent(env.ifname());
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private void step(String what, Step s) {
    try {
      s.run();
    } catch (CniError e) {
      log.accept("DEL: " + what + ": " + e.getMessage());
      if (firstFailure == null) firstFailure = e;
    } catch (Exception e) {
      log.accept("DEL: " + what + ": " + e);
      if (firstFailure == null) firstFailure = Errors.toCni(what, e);
    }
  }
}
