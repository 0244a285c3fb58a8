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

  /** What one service port was rendered from, its rules and their {@link ServiceRules#digest}. */
  public record Entry(ServicePort service, List<Endpoint> endpoints, ServiceRules rules, long digest) {
    Entry(ServicePort service, List<Endpoint> endpoints, ServiceRules rules) {
      this(service, endpoints, rules, rules.digest());
    }
  }

  /**
   * What is in the kernel after a successful sync.
   *
   * @param hairpin hairpin element key → number of service ports whose endpoints need it
   * @param sharedMax the shared balancing chains go up to this endpoint count
   * @param digest the fixed part's digest plus every service port's (mod 2^64): what the table holds
   * @param sync the sync-state element written with it (digest, canary handle, handle counter)
   */
  public record State(NodeContext node, Map<ServicePortName, Entry> entries, Map<String, Integer> hairpin, int sharedMax,
      NftScript.SyncState sync) {
    public State {
      entries = Collections.unmodifiableMap(entries);
      hairpin = Collections.unmodifiableMap(hairpin);
    }

    public long digest() {
      return sync.digest();
    }

    /** The same content, known to be held by the kernel under {@code kernel}'s handles. */
    State adopt(NftScript.SyncState kernel) {
      return new State(node, entries, hairpin, sharedMax, kernel);
    }
  }

  /** A transaction to apply ({@link NftScript.Script#NOTHING} when nothing differs) and the state it leads to. */
  public record Plan(NftScript.Script script, State next, boolean full) {}

  /**
   * The model's endpoints by hash: ServicePortName compares by building strings, so TreeMap lookups
   * at 10 000 services cost more than the whole update.
   */
  private static Map<ServicePortName, List<Endpoint>> endpoints(ProxyModel model) {
    return new HashMap<>(model.endpoints());
  }

  /** Shared balancing chains are written for endpoint counts 1..16 at least (then powers of two). */
  static final int MIN_SHARED = 16;

  /** The endpoint count N of the shared chains these rules jump to (0 for none). */
  static int maxEndpoints(ServiceRules r) {
    int n = 0;
    for (String c : r.shared()) n = Math.max(n, Integer.parseInt(c, c.indexOf('-') + 1, c.length(), 10));
    return n;
  }

  /** The whole table. */
  public static Plan full(ProxyModel model, NodeContext node) {
    Map<ServicePortName, List<Endpoint>> byId = endpoints(model);
    Map<ServicePortName, Entry> entries = HashMap.newHashMap(model.services().size());
    Map<String, Integer> hairpin = new HashMap<>();
    List<ServiceRules> rendered = new ArrayList<>(model.services().size());
    long digest = NftScript.skeletonDigest(node);
    int maxN = 0;
    for (ServicePort svc : model.services().values()) {
      List<Endpoint> eps = byId.getOrDefault(svc.id(), List.of());
      Entry e = new Entry(svc, eps, NftRenderer.render(svc, eps, node));
      entries.put(svc.id(), e);
      rendered.add(e.rules());
      digest += e.digest();
      for (ServiceRules.Element el : e.rules().elements()) if (el.set().equals(NftRenderer.HAIRPIN)) hairpin.merge(el.key(), 1, Integer::sum);
      maxN = Math.max(maxN, maxEndpoints(e.rules()));
    }
    int sharedMax = Math.max(MIN_SHARED, Integer.highestOneBit(Math.max(1, maxN - 1)) << 1);
    digest += ServiceRules.mix(sharedMax);
    NftScript.Script script = NftScript.full(node, rendered, sharedMax, digest);
    return new Plan(script, new State(node, entries, hairpin, sharedMax, new NftScript.SyncState(digest, script.allocations(), script.allocations())), true);
  }

  /**
   * Only the service ports whose definition or endpoints differ from {@code previous} (nothing at
   * all when none does); a full plan when there is no previous state or the node changed (its
   * CIDRs are in the fixed rules).
   */
  public static Plan update(State previous, ProxyModel model, NodeContext node) {
    if (previous == null || !previous.node().equals(node)) return full(model, node);
    Map<ServicePortName, List<Endpoint>> byId = endpoints(model);
    Map<ServicePortName, Entry> changedEntries = new HashMap<>();
    Map<ServicePortName, ServiceRules> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
    List<ServicePortName> changed = new ArrayList<>();
    long digest = previous.digest();
    int present = 0;
    for (ServicePort svc : model.services().values()) {
      List<Endpoint> eps = byId.getOrDefault(svc.id(), List.of());
      Entry old = previous.entries().get(svc.id());
      if (old != null) present++;
      if (old != null && old.service().equals(svc) && old.endpoints().equals(eps)) continue;
      Entry e = new Entry(svc, eps, NftRenderer.render(svc, eps, node));
      if (maxEndpoints(e.rules()) > previous.sharedMax()) return full(model, node); // its shared chains are not there
      changedEntries.put(svc.id(), e);
      changed.add(svc.id());
      after.put(svc.id(), e.rules());
      digest += e.digest();
      if (old != null) {
        before.put(svc.id(), old.rules());
        digest -= old.digest();
      }
    }
    List<ServicePortName> removed = new ArrayList<>();
    if (present < previous.entries().size()) {
      java.util.Set<ServicePortName> ids = model.services().keySet().size() > 64 ? new java.util.HashSet<>(model.services().keySet()) : model.services().keySet();
      for (var e : previous.entries().entrySet()) {
        if (ids.contains(e.getKey())) continue;
        removed.add(e.getKey());
        changed.add(e.getKey());
        before.put(e.getKey(), e.getValue().rules());
        digest -= e.getValue().digest();
      }
    }
    if (changed.isEmpty()) return new Plan(NftScript.Script.NOTHING, previous, false);
    Map<String, Integer> hairpin = new HashMap<>(previous.hairpin());
    NftScript.Script script = NftScript.update(before, after, changed, hairpin, previous.sync(), digest);
    if (script == NftScript.Script.NOTHING) digest = previous.digest(); // re-rendered equal (e.g. a change the rules ignore)
    Map<ServicePortName, Entry> next = new HashMap<>(previous.entries());
    next.putAll(changedEntries);
    for (ServicePortName id : removed) next.remove(id);
    NftScript.SyncState sync = script == NftScript.Script.NOTHING ? previous.sync()
        : new NftScript.SyncState(digest, previous.sync().next() + 1, previous.sync().next() + 1 + script.allocations());
    return new Plan(script, new State(node, next, hairpin, previous.sharedMax(), sync), false);
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
