package dev.weft.cni;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.kernel.Link;
import dev.weft.kernel.Rtnl;
import dev.weft.nat.AttachmentId;
import dev.weft.nat.NatBackend;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * GC: removes every IP reservation, NAT rule and host veth of this network whose attachment is not
 * in {@code cni.dev/valid-attachments}. Host veths are recognised by the alias ADD gives them.
 */
final class AttachmentGc {
  private final java.util.List<java.nio.file.Path> cniPath;
  private final NetworkConfig conf;
  private final BridgeConfig cfg;
  private final Consumer<String> log;

  AttachmentGc(java.util.List<java.nio.file.Path> cniPath, NetworkConfig conf, BridgeConfig cfg, Consumer<String> log) {
    this.cniPath = cniPath;
    this.conf = conf;
    this.cfg = cfg;
    this.log = log;
  }

  void run(Set<Attachment> valid) throws CniError {
    IpamClient.of(conf, null, cniPath).gc(valid);
    Set<AttachmentId> keep = new HashSet<>();
    for (Attachment a : valid) keep.add(new AttachmentId(cfg.network(), a.containerId(), a.ifname()));
    // both backends: a network may have switched ipMasqBackend since its pods were added
    for (String backend : new String[] {"nftables", "iptables"}) {
      NatBackend.masquerade(backend, null).retainOnly(cfg.network(), keep);
      NatBackend.hostPorts(backend, null).retainOnly(cfg.network(), keep);
    }
    Set<String> keepVeths = new HashSet<>();
    for (Attachment a : valid) keepVeths.add(VethName.of(cfg.network(), a.containerId(), a.ifname()));
    new MacSpoofRules(null).retainOnly(keepVeths);
    try (Rtnl host = Rtnl.open()) {
      String prefix = "weft:" + cfg.network() + ":";
      for (Link l : host.links()) {
        if (l.alias() == null || !l.alias().startsWith(prefix) || keepVeths.contains(l.name())) continue;
        log.accept("GC: deleting stale veth " + l.name() + " (" + l.alias() + ")");
        host.deleteLinkIfPresent(l.index());
      }
    }
  }
}
