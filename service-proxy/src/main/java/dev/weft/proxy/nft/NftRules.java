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
  /** @param hairpin hairpin element key → number of service ports whose endpoints need it */
  public record State(NodeContext node, Map<ServicePortName, Entry> entries, Map<String, Integer> hairpin) {
    public State {
      entries = Collections.unmodifiableMap(entries);
      hairpin = Collections.unmodifiableMap(hairpin);
    }
  }

  /** A transaction to apply and the state it leads to. */
  public record Plan(NftScript.Script script, State next, boolean full) {}

  /** The whole table. */
  /**
   * The model's endpoints by hash: ServicePortName compares by building strings, so TreeMap lookups
   * at 10 000 services cost more than the whole update.
   */
  private static Map<ServicePortName, List<Endpoint>> endpoints(ProxyModel model) {
    return new HashMap<>(model.endpoints());
  }

  public static Plan full(ProxyModel model, NodeContext node) {
    Map<ServicePortName, List<Endpoint>> byId = endpoints(model);
    Map<ServicePortName, Entry> entries = HashMap.newHashMap(model.services().size());
    Map<String, Integer> hairpin = new HashMap<>();
    List<ServiceRules> rendered = new ArrayList<>(model.services().size());
    for (ServicePort svc : model.services().values()) {
      List<Endpoint> eps = byId.getOrDefault(svc.id(), List.of());
      ServiceRules r = NftRenderer.render(svc, eps, node);
      entries.put(svc.id(), new Entry(svc, eps, r));
      rendered.add(r);
      for (ServiceRules.Element e : r.elements()) if (e.set().equals(NftRenderer.HAIRPIN)) hairpin.merge(e.key(), 1, Integer::sum);
    }
    return new Plan(NftScript.full(node, rendered), new State(node, entries, hairpin), true);
  }

  /**
   * Only the service ports whose definition or endpoints differ from {@code previous}; a full plan
   * when there is no previous state, the node changed (its CIDRs are in the fixed rules) or the
   * canary rule's handle is unknown.
   */
  public static Plan update(State previous, ProxyModel model, NodeContext node, long canaryHandle) {
    if (previous == null || !previous.node().equals(node) || canaryHandle <= 0) return full(model, node);
    Map<ServicePortName, List<Endpoint>> byId = endpoints(model);
    Map<ServicePortName, Entry> next = new HashMap<>(previous.entries());
    Map<ServicePortName, ServiceRules> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
    List<ServicePortName> changed = new ArrayList<>();
    java.util.Set<ServicePortName> present = java.util.HashSet.newHashSet(model.services().size());
    for (ServicePort svc : model.services().values()) {
      present.add(svc.id());
      List<Endpoint> eps = byId.getOrDefault(svc.id(), List.of());
      Entry old = previous.entries().get(svc.id());
      if (old != null && old.service().equals(svc) && old.endpoints().equals(eps)) continue;
      ServiceRules r = NftRenderer.render(svc, eps, node);
      next.put(svc.id(), new Entry(svc, eps, r));
      changed.add(svc.id());
      if (old != null) before.put(svc.id(), old.rules());
      after.put(svc.id(), r);
    }
    for (var e : previous.entries().entrySet()) {
      if (present.contains(e.getKey())) continue;
      next.remove(e.getKey());
      changed.add(e.getKey());
      before.put(e.getKey(), e.getValue().rules());
    }
    Map<String, Integer> hairpin = new HashMap<>(previous.hairpin());
    NftScript.Script script = NftScript.update(before, after, changed, hairpin, canaryHandle);
    return new Plan(script, new State(node, next, hairpin), false);
  }

  /**
   * UDP endpoints that had rules before and have none now, per service port (removed ports
   * included): their conntrack entries must go, or clients keep sending to a dead backend.
   */
  public static Map<ServicePortName, List<Endpoint>> removedUdpEndpoints(State previous, ProxyModel model, NodeContext node) {
    if (previous == null) return Map.of();
    Map<ServicePortName, List<Endpoint>> removed = new LinkedHashMap<>();
    Map<ServicePortName, List<Endpoint>> byId = null;
    Map<ServicePortName, ServicePort> services = null;
    for (var e : previous.entries().entrySet()) {
      ServicePortName id = e.getKey();
      if (id.protocol() != Protocol.UDP) continue;
      Entry old = e.getValue();
      if (byId == null) {
        byId = endpoints(model);
        services = new HashMap<>(model.services());
      }
      ServicePort now = services.get(id);
      List<Endpoint> nowEps = byId.getOrDefault(id, List.of());
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
