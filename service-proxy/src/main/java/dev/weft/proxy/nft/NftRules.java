package dev.weft.proxy.nft;

import dev.weft.proxy.EndpointSelection;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import java.net.InetAddress;
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

  /**
   * What one service port was rendered from, its rules and their {@link ServiceRules#digest}; {@code sole}: it was
   * the only service port on each of its addresses (see {@link NftRenderer#render(ServicePort, List, NodeContext, boolean)}).
   */
  public record Entry(ServicePort service, List<Endpoint> endpoints, boolean sole, ServiceRules rules, long digest) {
    Entry(ServicePort service, List<Endpoint> endpoints, boolean sole, ServiceRules rules) {
      this(service, endpoints, sole, rules, rules.digest());
    }
  }

  /**
   * What is in the kernel after a successful sync. Its maps share their bulk with the previous
   * state's ({@link Layered}): deriving the state after a one-service update costs that service.
   *
   * @param hairpin hairpin element key → number of service ports whose endpoints need it
   * @param groups balancing group ({@code eps-N}) → number of service ports using it
   * @param sync the sync-state element written with it (digest, canary handle, handle counter)
   */
  public record State(NodeContext node, Map<ServicePortName, Entry> entries, Map<String, Integer> hairpin, Map<String, Integer> groups,
      NftScript.SyncState sync) {
    public State {
      entries = entries instanceof Layered<ServicePortName, Entry> l ? l : Layered.of(new HashMap<>(entries));
      hairpin = hairpin instanceof Layered<String, Integer> l ? l : Layered.of(new HashMap<>(hairpin));
      groups = Collections.unmodifiableMap(new java.util.TreeMap<>(groups));
    }

    /** The digest of the table's content: the fixed part's plus every service port's (mod 2^64). */
    public long digest() {
      return sync.digest();
    }

    /** The same content, known to be held by the kernel under {@code kernel}'s handles. */
    State adopt(NftScript.SyncState kernel) {
      return new State(node, entries, hairpin, groups, kernel);
    }
  }

  /**
   * A transaction to apply ({@link NftScript.Script#NOTHING} when nothing differs) and the state it
   * leads to.
   *
   * @param changed the service ports an update looked at again (null for a full plan: all)
   */
  public record Plan(NftScript.Script script, State next, boolean full, List<ServicePortName> changed) {
    /** A full script rewriting the table in place (not deleting it). */
    public boolean inPlace() {
      return full && !script.text().startsWith("add table " + NftScript.T + "\ndelete table");
    }
  }

  /** Service port and its endpoints, for each service port of the model. */
  interface Visitor {
    void visit(ServicePort svc, List<Endpoint> endpoints);
  }

  /**
   * Walks the model's two sorted maps side by side: no lookup by key (ServicePortName compares by
   * building strings, so a TreeMap lookup per service costs more than a whole update), no copy.
   */
  static void forEach(ProxyModel model, Visitor v) {
    var ei = model.endpoints().entrySet().iterator();
    Map.Entry<ServicePortName, List<Endpoint>> e = ei.hasNext() ? ei.next() : null;
    for (var s : model.services().entrySet()) {
      List<Endpoint> eps = List.of();
      while (e != null) {
        if (e.getKey().equals(s.getKey())) {
          eps = e.getValue();
          e = ei.hasNext() ? ei.next() : null;
          break;
        }
        if (e.getKey().compareTo(s.getKey()) > 0) break;
        e = ei.hasNext() ? ei.next() : null; // endpoints of no service
      }
      v.visit(s.getValue(), eps);
    }
  }

  /** The whole table, written anew. */
  public static Plan full(ProxyModel model, NodeContext node) {
    return full(model, node, null);
  }

  /** The whole table, rewriting {@code existing} in place (null: written anew); see {@link NftScript#full}. */
  public static Plan full(ProxyModel model, NodeContext node, NftScript.Existing existing) {
    List<ServiceRules> rendered = new ArrayList<>(model.services().size());
    State st = render(model, node, rendered);
    return full(st, rendered, existing);
  }

  /**
   * What the table holds for this model (every service port rendered, digest computed), without
   * writing a script: a restarted backend compares its digest with the kernel's sync state.
   */
  public static State state(ProxyModel model, NodeContext node) {
    return render(model, node, new ArrayList<>(model.services().size()));
  }

  /** The whole table for what {@code st} holds (no rendering again), rewriting {@code existing} in place (null: anew). */
  public static Plan full(State st, NftScript.Existing existing) {
    return full(st, existing, null);
  }

  /** The same, handing the script to {@code sink} in pieces as it is written (see {@link NftScript#full}). */
  public static Plan full(State st, NftScript.Existing existing, java.util.function.Consumer<CharSequence> sink) {
    List<ServiceRules> rendered = new ArrayList<>(st.entries().size());
    for (Entry e : st.entries().values()) rendered.add(e.rules());
    return full(st, rendered, existing, sink);
  }

  private static Plan full(State st, List<ServiceRules> rendered, NftScript.Existing existing) {
    return full(st, rendered, existing, null);
  }

  private static Plan full(State st, List<ServiceRules> rendered, NftScript.Existing existing, java.util.function.Consumer<CharSequence> sink) {
    NftScript.Script script = NftScript.full(st.node(), rendered, st.groups().keySet(), st.digest(), existing, sink);
    long canary = (existing == null ? 0 : existing.next()) + script.allocations();
    return new Plan(script, st.adopt(new NftScript.SyncState(st.digest(), canary, canary)), true, null);
  }

  /** Service ports from which a full render uses every core. */
  private static final int PARALLEL_RENDER = 2_000;

  /** Every service port rendered (into {@code rendered}, in the model's order); the state's sync has only the digest. */
  private static State render(ProxyModel model, NodeContext node, List<ServiceRules> rendered) {
    Map<ServicePortName, Entry> entries = HashMap.newHashMap(model.services().size());
    Map<String, Integer> hairpin = new HashMap<>();
    long[] digest = {NftScript.skeletonDigest(node)};
    Map<String, Integer> groups = new HashMap<>();
    java.util.Set<InetAddress> shared = sharedAddresses(model);
    int n = model.services().size();
    ServicePort[] svcs = new ServicePort[n];
    @SuppressWarnings("unchecked") List<Endpoint>[] epss = new List[n];
    int[] k = {0};
    forEach(model, (svc, eps) -> {
      svcs[k[0]] = svc;
      epss[k[0]++] = eps;
    });
    // rendering and digesting are pure per service port: on all cores when there are many (a full sync at
    // 10 000 services renders ~110 000 elements; nft then needs the script as early as possible)
    Entry[] rendered_ = new Entry[n];
    java.util.stream.IntStream range = java.util.stream.IntStream.range(0, n);
    (n >= PARALLEL_RENDER ? range.parallel() : range).forEach(i -> {
      boolean sole = isSole(svcs[i], shared);
      rendered_[i] = new Entry(svcs[i], epss[i], sole, NftRenderer.render(svcs[i], epss[i], node, sole));
    });
    for (Entry e : rendered_) {
      entries.put(e.service().id(), e);
      rendered.add(e.rules());
      digest[0] += e.digest();
      for (ServiceRules.Element el : e.rules().elements()) if (el.set().equals(NftRenderer.HAIRPIN)) hairpin.merge(el.key(), 1, Integer::sum);
      for (String g : e.rules().shared()) groups.merge(g, 1, Integer::sum);
    }
    return new State(node, Layered.of(entries), Layered.of(hairpin), groups, new NftScript.SyncState(digest[0], 0, 0));
  }

  /**
   * Only the service ports whose definition or endpoints differ from {@code previous} (nothing at
   * all when none does); a full plan when there is no previous state or the node changed (its
   * CIDRs are in the fixed rules).
   */
  public static Plan update(State previous, ProxyModel model, NodeContext node) {
    if (previous == null || !previous.node().equals(node)) return full(model, node);
    Map<ServicePortName, Entry> changes = new HashMap<>();
    Map<ServicePortName, ServiceRules> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
    List<ServicePortName> changed = new ArrayList<>();
    long[] digest = {previous.digest()};
    int[] present = {0};
    java.util.Set<InetAddress> shared = sharedAddresses(model);
    forEach(model, (svc, eps) -> {
      Entry old = previous.entries().get(svc.id());
      boolean sole = isSole(svc, shared);
      if (old != null) {
        present[0]++;
        if (old.sole() == sole && (old.service() == svc || old.service().equals(svc)) && (old.endpoints() == eps || old.endpoints().equals(eps))) return;
      }
      Entry e = new Entry(svc, eps, sole, NftRenderer.render(svc, eps, node, sole));
      changes.put(svc.id(), e);
      changed.add(svc.id());
      after.put(svc.id(), e.rules());
      digest[0] += e.digest();
      if (old != null) {
        before.put(svc.id(), old.rules());
        digest[0] -= old.digest();
      }
    });
    if (present[0] < previous.entries().size()) {
      java.util.Set<ServicePortName> ids = new java.util.HashSet<>(model.services().keySet());
      for (var e : previous.entries().entrySet()) {
        if (ids.contains(e.getKey())) continue;
        changes.put(e.getKey(), null);
        changed.add(e.getKey());
        before.put(e.getKey(), e.getValue().rules());
        digest[0] -= e.getValue().digest();
      }
    }
    if (changed.isEmpty()) return new Plan(NftScript.Script.NOTHING, previous, false, changed);
    Layered.Editor<String, Integer> hairpin = ((Layered<String, Integer>) previous.hairpin()).edit();
    Map<String, Integer> groups = new HashMap<>(previous.groups());
    NftScript.Script script = NftScript.update(before, after, changed, hairpin, groups, node, previous.sync(), digest[0]);
    if (script == NftScript.Script.NOTHING) digest[0] = previous.digest(); // re-rendered equal (a change the rules ignore)
    NftScript.SyncState sync = script == NftScript.Script.NOTHING ? previous.sync()
        : new NftScript.SyncState(digest[0], previous.sync().next() + 1, previous.sync().next() + 1 + script.allocations());
    Layered<ServicePortName, Entry> entries = ((Layered<ServicePortName, Entry>) previous.entries()).with(changes);
    return new Plan(script, new State(node, entries, hairpin.done(), groups, sync), false, changed);
  }

  /**
   * Addresses that more than one service port has (a multi-port Service's ClusterIP, an externalIP several Services
   * share): a service port on one of them is not {@link #isSole sole}. One pass over the model's addresses.
   */
  static java.util.Set<InetAddress> sharedAddresses(ProxyModel model) {
    java.util.Set<InetAddress> seen = java.util.HashSet.newHashSet(model.services().size() * 2), shared = new java.util.HashSet<>();
    for (ServicePort svc : model.services().values()) {
      for (InetAddress a : svc.clusterIps()) if (!seen.add(a)) shared.add(a);
      for (InetAddress a : svc.externalIps()) if (!seen.add(a)) shared.add(a);
      for (InetAddress a : svc.loadBalancerIps()) if (!seen.add(a)) shared.add(a);
    }
    return shared;
  }

  /** None of the port's addresses is in {@code shared} (an address listed twice by the port itself counts as shared). */
  static boolean isSole(ServicePort svc, java.util.Set<InetAddress> shared) {
    if (shared.isEmpty()) return true;
    for (InetAddress a : svc.clusterIps()) if (shared.contains(a)) return false;
    for (InetAddress a : svc.externalIps()) if (shared.contains(a)) return false;
    for (InetAddress a : svc.loadBalancerIps()) if (shared.contains(a)) return false;
    return true;
  }

  /**
   * UDP endpoints that had rules before and have none now, per service port (removed ports
   * included): their conntrack entries must go, or clients keep sending to a dead backend.
   */
  public static Map<ServicePortName, List<Endpoint>> removedUdpEndpoints(State previous, ProxyModel model, NodeContext node) {
    return removedUdpEndpoints(previous, model, node, null);
  }

  /** The same, looking only at {@code candidates} (a {@link Plan#changed} list; null: all). */
  public static Map<ServicePortName, List<Endpoint>> removedUdpEndpoints(State previous, ProxyModel model, NodeContext node, List<ServicePortName> candidates) {
    if (previous == null) return Map.of();
    Map<ServicePortName, List<Endpoint>> removed = new LinkedHashMap<>();
    Map<ServicePortName, List<Endpoint>> byId = null;
    Map<ServicePortName, ServicePort> services = null;
    Iterable<ServicePortName> ids = candidates != null ? candidates : previous.entries().keySet();
    for (ServicePortName id : ids) {
      if (id.protocol() != Protocol.UDP) continue;
      Entry old = previous.entries().get(id);
      if (old == null) continue;
      if (byId == null) {
        byId = candidates != null ? model.endpoints() : new HashMap<>(model.endpoints());
        services = candidates != null ? model.services() : new HashMap<>(model.services());
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
