package dev.weft.agent;

import dev.weft.agent.lease.SubnetLease;
import dev.weft.agent.overlay.OverlayPeer;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.MacAddress;
import dev.weft.store.WatchEvent;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The other nodes, as their subnet leases say: kept from the lease watch, read by the reconcile loop. */
final class PeerSet {
  private final String self;
  private final Map<String, SubnetLease> leases = new ConcurrentHashMap<>();

  PeerSet(String self) {
    this.self = self;
  }

  void apply(WatchEvent<SubnetLease> e) {
    SubnetLease l = e.object();
    // a node's records are keyed by subnet: a DELETED for an old subnet must not drop its new one
    if (e.type() == WatchEvent.Type.DELETED) leases.computeIfPresent(l.nodeName(), (k, v) -> v.subnet().equals(l.subnet()) ? null : v);
    else leases.put(l.nodeName(), l);
  }

  /** Every other node with a usable identity, as overlay peers. */
  Set<OverlayPeer> peers() {
    Set<OverlayPeer> out = new HashSet<>();
    for (SubnetLease l : leases.values()) {
      if (l.nodeName().equals(self) || l.identity() == null) continue;
      try {
        out.add(new OverlayPeer(l.nodeName(), l.subnet().toIpPrefix(), IpPrefix.parseAddress(l.identity().underlayIp()),
            MacAddress.parse(l.identity().vtepMac())));
      } catch (IllegalArgumentException bad) {
        AgentLog.warn("ignoring node " + l.nodeName() + ": unusable lease record: " + bad.getMessage());
      }
    }
    return out;
  }
}
