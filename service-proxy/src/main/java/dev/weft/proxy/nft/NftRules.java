package dev.weft.proxy.nft;

import dev.weft.proxy.EndpointSelection;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pure core of the nftables backend: model + node (+ what was applied before) → the script of
 * one transaction and what will be applied after it.
 */
public final class NftRules {
  private NftRules() {}

  /** What one service port was rendered from, and its rules. */
  public record Entry(ServicePort service, List<Endpoint> endpoints, ServiceRules rules) {}

  /** What is in the kernel after a successful sync. */
  public record State(NodeContext node, Map<ServicePortName, Entry> entries) {
    public State {
      entries = Collections.unmodifiableMap(entries);
    }
  }

  /** A transaction to apply and the state it leads to. */
  public record Plan(NftScript.Script script, State next, boolean full) {}

  /** The whole table. */
  public static Plan full(ProxyModel model, NodeContext node) {
    Map<ServicePortName, Entry> entries = HashMap.newHashMap(model.services().size());
    List<ServiceRules> rendered = new ArrayList<>(model.services().size());
    for (ServicePort svc : model.services().values()) {
      List<Endpoint> eps = model.endpointsOf(svc.id());
      ServiceRules r = NftRenderer.render(svc, eps, node);
      entries.put(svc.id(), new Entry(svc, eps, r));
      rendered.add(r);
    }
    return new Plan(NftScript.full(node, rendered), new State(node, entries), true);
  }

  /**
   * Only the service ports whose definition or endpoints differ from {@code previous}; a full plan
   * when there is no previous state or the node changed (its CIDRs are in the fixed rules).
   */
  public static Plan update(State previous, ProxyModel model, NodeContext node) {
    if (previous == null || !previous.node().equals(node)) return full(model, node);
    Map<ServicePortName, Entry> next = new HashMap<>(previous.entries());
    Map<ServicePortName, ServiceRules> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
    List<ServicePortName> changed = new ArrayList<>();
    for (ServicePort svc : model.services().values()) {
      List<Endpoint> eps = model.endpointsOf(svc.id());
      Entry old = previous.entries().get(svc.id());
      if (old != null && old.service().equals(svc) && old.endpoints().equals(eps)) continue;
      ServiceRules r = NftRenderer.render(svc, eps, node);
      next.put(svc.id(), new Entry(svc, eps, r));
      changed.add(svc.id());
      if (old != null) before.put(svc.id(), old.rules());
      after.put(svc.id(), r);
    }
    for (var e : previous.entries().entrySet()) {
      if (model.services().containsKey(e.getKey())) continue;
      next.remove(e.getKey());
      changed.add(e.getKey());
      before.put(e.getKey(), e.getValue().rules());
    }
    return new Plan(NftScript.update(before, after, changed), new State(node, next), false);
  }

  /**
   * UDP endpoints that had rules before and have none now, per service port (removed ports
   * included): their conntrack entries must go, or clients keep sending to a dead backend.
   */
  public static Map<ServicePortName, List<Endpoint>> removedUdpEndpoints(State previous, ProxyModel model, NodeContext node) {
    if (previous == null) return Map.of();
    Map<ServicePortName, List<Endpoint>> removed = new LinkedHashMap<>();
    for (var e : previous.entries().entrySet()) {
      ServicePortName id = e.getKey();
      if (id.protocol() != Protocol.UDP) continue;
      Entry old = e.getValue();
      ServicePort now = model.services().get(id);
      List<Endpoint> nowEps = model.endpointsOf(id);
      if (now != null && now.equals(old.service()) && nowEps.equals(old.endpoints()) && Objects.equals(previous.node(), node)) continue;
      List<Endpoint> was = EndpointSelection.choose(old.service(), old.endpoints(), previous.node().nodeName()).all();
      List<Endpoint> is = now == null ? List.of() : EndpointSelection.choose(now, nowEps, node.nodeName()).all();
      List<Endpoint> gone = new ArrayList<>();
      for (Endpoint w : was) {
        boolean kept = false;
        for (Endpoint i : is) if (i.port() == w.port() && i.ip().equals(w.ip())) { kept = true; break; }
        if (!kept) gone.add(w);
      }
      if (!gone.isEmpty()) removed.put(id, List.copyOf(gone));
    }
    return removed;
  }
}
