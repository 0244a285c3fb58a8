package dev.weft.proxy.iptables;

import static dev.weft.proxy.iptables.ChainNames.EXTERNAL_SERVICES;
import static dev.weft.proxy.iptables.ChainNames.FORWARD;
import static dev.weft.proxy.iptables.ChainNames.MARK_MASQ;
import static dev.weft.proxy.iptables.ChainNames.NODEPORTS;
import static dev.weft.proxy.iptables.ChainNames.POSTROUTING;
import static dev.weft.proxy.iptables.ChainNames.SERVICES;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.EndpointSelection;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The iptables rules for a {@link ProxyModel}, as {@code iptables-restore --noflush} input: a pure
 * function of the model, the node and (for a partial sync) what the previous sync applied.
 * kube-proxy's layout, with weft names:
 *
 * <pre>
 * nat    PREROUTING, OUTPUT → WEFT-SERVICES: -d clusterIP/externalIP/LB IP -p proto --dport port → SVC | SVL | EXT
 *                               last rule: -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 → WEFT-NODEPORTS (--dport nodePort → EXT)
 *                               (NodePorts answer on every local address but loopback, like the nftables backend)
 *        WEFT-SVC-h (cluster-wide endpoints)   ! -s clusterCIDR → WEFT-MARK-MASQ; [affinity: -m recent --rcheck → SEP]; -m statistic → SEP …
 *        WEFT-SVL-h (this node's endpoints)     same, for internal/externalTrafficPolicy Local
 *        WEFT-EXT-h (NodePort/externalIP/LB)    Cluster: → MARK-MASQ, → SVC; Local: -s podCIDR → SVC, src-type LOCAL → MARK-MASQ, → SVC; → SVL
 *        WEFT-FW-h (LB IP with loadBalancerSourceRanges, instead of EXT in WEFT-SERVICES)
 *                                               -s range → EXT per range; [-s LB IP → EXT when a range holds a node IP]; MARK --or-mark 0x8000
 *        WEFT-SEP-h (one endpoint)              -s ep → WEFT-MARK-MASQ (hairpin); [-m recent --set] DNAT ep
 *        POSTROUTING → WEFT-POSTROUTING: return unless mark 0x4000, clear it, MASQUERADE --random-fully
 * filter INPUT, FORWARD (ctstate NEW) → WEFT-EXTERNAL-SERVICES: NodePorts/externalIPs/LB IPs with no (local) endpoint → REJECT | DROP
 *        FORWARD, OUTPUT (ctstate NEW) → WEFT-SERVICES: ClusterIPs with no (internal) endpoint → REJECT | DROP
 *        FORWARD → WEFT-FORWARD: drop ctstate INVALID, accept marked and established; INPUT → WEFT-NODEPORTS: health check ports
 *        WEFT-NODEPORTS (INPUT), WEFT-FORWARD (FORWARD), WEFT-SERVICES (OUTPUT), first, while some WEFT-FW chain exists:
 *                                               drop mark 0x8000 (kube-proxy's KUBE-MARK-DROP: what a WEFT-FW chain did not let through)
 * </pre>
 *
 * A service with no endpoint at all is rejected: TCP with a reset, UDP and SCTP with ICMP port
 * unreachable. The reset is what a client of a closed port gets, and unlike ICMP errors it is not
 * rate-limited by the kernel ({@code icmp_ratelimit}, {@code icmp_msgs_per_sec}), so a burst of
 * connections is refused at once instead of some of them waiting for SYN retransmits. Traffic to a
 * Local-policy service that has endpoints but none here is dropped (kube-proxy's behaviour: the
 * client should go to a node that has one; the health check node port tells load balancers).
 *
 * <p>A full sync flushes and rewrites every proxy chain, deletes stale ones found in the kernel and
 * re-inserts the jumps from the built-in chains. A partial sync rewrites the top-level chains
 * (WEFT-SERVICES, WEFT-NODEPORTS, the filter chains: one line per service port) and only the changed
 * services' own chains, deletes the chains of removed services and endpoints, and carries {@code -C}
 * checks for the built-in jumps: a transaction run against a kernel someone flushed fails (as does
 * a jump to a chain someone deleted), which tells the backend to do a full sync instead.
 *
 * <p>One address family per call: the IPv4 rules are for {@code iptables-restore}, the IPv6 ones
 * for {@code ip6tables-restore}; addresses of the other family are skipped.
 */
public final class IptablesRuleset {
  private IptablesRuleset() {}

  public static final String MASQ_MARK = "0x4000";
  /**
   * Set by a WEFT-FW chain on a connection to a LoadBalancer IP from outside its source ranges (not
   * DNAT'd): the filter table drops it (kube-proxy's KUBE-MARK-DROP mark).
   */
  public static final String DROP_MARK = "0x8000";

  /**
   * What a sync applied: the next partial sync compares its model with this one.
   *
   * @param chains the nat chains each service port owns (its SVC/SVL/EXT/SEP chains)
   */
  public record Applied(ProxyModel model, NodeContext node, Map<ServicePortName, List<String>> chains) {}

  /**
   * @param restore the {@code iptables-restore --noflush} input
   * @param servicesWritten service ports whose own chains were written
   * @param rulesWritten {@code -A} and {@code -I} lines
   * @param applied the state after the restore succeeds
   */
  public record Plan(String restore, boolean full, int servicesWritten, int rulesWritten, Applied applied) {}

  record Jump(String table, String chain, String spec) {}

  /** The jumps from the built-in chains, in order within each chain. */
  static final List<Jump> JUMPS = List.of(
      new Jump("filter", "INPUT", "-m comment --comment \"weft health check service ports\" -j " + NODEPORTS),
      new Jump("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"weft externally-visible service portals\" -j " + EXTERNAL_SERVICES),
      new Jump("filter", "FORWARD", "-m comment --comment \"weft forwarding rules\" -j " + FORWARD),
      new Jump("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"weft service portals\" -j " + SERVICES),
      new Jump("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"weft externally-visible service portals\" -j " + EXTERNAL_SERVICES),
      new Jump("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"weft service portals\" -j " + SERVICES),
      new Jump("nat", "PREROUTING", "-m comment --comment \"weft service portals\" -j " + SERVICES),
      new Jump("nat", "OUTPUT", "-m comment --comment \"weft service portals\" -j " + SERVICES),
      new Jump("nat", "POSTROUTING", "-m comment --comment \"weft postrouting rules\" -j " + POSTROUTING));

  static final List<String> FILTER_CHAINS = List.of(SERVICES, EXTERNAL_SERVICES, FORWARD, NODEPORTS);
  static final List<String> NAT_CHAINS = List.of(SERVICES, NODEPORTS, POSTROUTING, MARK_MASQ);

  /** Everything, replacing whatever proxy chains {@code kernel} holds. */
  public static Plan full(ProxyModel model, NodeContext node, KernelView kernel, boolean v6) {
    Writer w = new Writer(node, v6);
    Map<ServicePortName, List<String>> chains = new HashMap<>();
    Set<String> live = new HashSet<>();
    int written = 0;
    for (ServicePort s : model.services().values()) {
      List<String> own = new ArrayList<>();
      w.service(s, model.endpointsOf(s.id()), true, own);
      if (!own.isEmpty()) {
        chains.put(s.id(), List.copyOf(own));
        live.addAll(own);
        written++;
      }
    }
    for (String c : kernel.natChains())
      if (ChainNames.isServiceChain(c) && !live.contains(c)) w.deleteChain(true, c);
    for (String c : kernel.filterChains())
      if (!FILTER_CHAINS.contains(c)) w.deleteChain(false, c);
    String text = w.finish(kernel, true);
    return new Plan(text, true, written, w.rules, new Applied(model, node, Map.copyOf(chains)));
  }

  /**
   * Only what changed since {@code previous} (same node): the top-level chains, the chains of
   * changed services, deletion of stale ones.
   */
  public static Plan partial(ProxyModel model, NodeContext node, Applied previous, boolean v6) {
    if (!node.equals(previous.node())) throw new IllegalArgumentException("node changed: a full sync is needed");
    Writer w = new Writer(node, v6);
    Map<ServicePortName, List<String>> chains = new HashMap<>();
    ProxyModel before = previous.model();
    int written = 0;
    for (ServicePort s : model.services().values()) {
      ServicePortName id = s.id();
      List<Endpoint> eps = model.endpointsOf(id);
      List<String> old = previous.chains().getOrDefault(id, List.of());
      boolean same = s.equals(before.services().get(id)) && eps.equals(before.endpointsOf(id));
      if (same) {
        w.service(s, eps, false, null);
        if (!old.isEmpty()) chains.put(id, old);
        continue;
      }
      List<String> own = new ArrayList<>();
      w.service(s, eps, true, own);
      written++;
      if (!own.isEmpty()) chains.put(id, List.copyOf(own));
      for (String c : old) if (!own.contains(c)) w.deleteChain(true, c);
    }
    previous.chains().forEach((id, old) -> {
      if (!model.services().containsKey(id)) for (String c : old) w.deleteChain(true, c);
    });
    String text = w.finish(null, false);
    return new Plan(text, false, written, w.rules, new Applied(model, node, Map.copyOf(chains)));
  }

  /** Deletes every proxy chain and jump in {@code kernel}; null when there is none. */
  public static String removeAll(KernelView kernel) {
    if (kernel.natChains().isEmpty() && kernel.filterChains().isEmpty() && kernel.natBaseJumps().isEmpty() && kernel.filterBaseJumps().isEmpty())
      return null;
    StringBuilder b = new StringBuilder();
    removeTable(b, "filter", kernel.filterBaseJumps(), kernel.filterChains());
    removeTable(b, "nat", kernel.natBaseJumps(), kernel.natChains());
    return b.toString();
  }

  private static void removeTable(StringBuilder b, String table, List<String> jumps, Set<String> chains) {
    if (jumps.isEmpty() && chains.isEmpty()) return;
    b.append('*').append(table).append('\n');
    for (String c : chains) b.append(':').append(c).append(" - [0:0]\n");
    for (String j : jumps) b.append(j).append('\n');
    for (String c : chains) b.append("-X ").append(c).append('\n');
    b.append("COMMIT\n");
  }

  /**
   * UDP endpoints that had rules for {@code before} and have none for {@code after}, per service
   * port (all of a removed service's): their conntrack entries must go.
   */
  public static Map<ServicePortName, List<Endpoint>> removedUdpEndpoints(ProxyModel before, ProxyModel after, NodeContext node) {
    Map<ServicePortName, List<Endpoint>> removed = new TreeMap<>();
    for (ServicePort s : before.services().values()) {
      if (s.id().protocol() != Protocol.UDP || s.clusterIps().isEmpty()) continue;
      List<Endpoint> oldEps = before.endpointsOf(s.id());
      ServicePort now = after.services().get(s.id());
      List<Endpoint> newEps = after.endpointsOf(s.id());
      if (now != null && now.equals(s) && newEps.equals(oldEps)) continue;
      Set<String> kept = new HashSet<>();
      if (now != null && !now.clusterIps().isEmpty()) for (Endpoint e : used(now, newEps, node.nodeName())) kept.add(ChainNames.endpointString(e));
      List<Endpoint> gone = new ArrayList<>();
      for (Endpoint e : used(s, oldEps, node.nodeName())) if (!kept.contains(ChainNames.endpointString(e))) gone.add(e);
      if (!gone.isEmpty()) removed.put(s.id(), List.copyOf(gone));
    }
    return removed;
  }

  /** The endpoints some chain of this service port sends to. */
  static List<Endpoint> used(ServicePort s, List<Endpoint> eps, String nodeName) {
    Sets sets = Sets.of(s, eps, nodeName);
    LinkedHashSet<Endpoint> all = new LinkedHashSet<>();
    if (sets.usesSvc(s, s.hasExternal())) all.addAll(sets.clusterWide);
    if (sets.usesSvl(s, s.hasExternal())) all.addAll(sets.local);
    return List.copyOf(all);
  }

  /** Cluster-wide and node-local usable endpoints (EndpointSelection's rules). */
  record Sets(List<Endpoint> clusterWide, List<Endpoint> local) {
    static Sets of(ServicePort s, List<Endpoint> eps, String nodeName) {
      List<Endpoint> clusterWide = EndpointSelection.choose(with(s, TrafficPolicy.CLUSTER), eps, nodeName).cluster();
      List<Endpoint> local = EndpointSelection.choose(with(s, TrafficPolicy.LOCAL), eps, nodeName).cluster();
      return new Sets(dedupe(clusterWide), dedupe(local));
    }

    /** The cluster-wide chain serves internal traffic (internalTrafficPolicy Cluster) and every external entry (eTP Local: pods and the node). */
    boolean usesSvc(ServicePort s, boolean hasExternal) {
      return !clusterWide.isEmpty() && (s.internalPolicy() == TrafficPolicy.CLUSTER || hasExternal);
    }

    boolean usesSvl(ServicePort s, boolean hasExternal) {
      return !local.isEmpty() && (s.internalPolicy() == TrafficPolicy.LOCAL || (hasExternal && s.externalPolicy() == TrafficPolicy.LOCAL));
    }

    private static ServicePort with(ServicePort s, TrafficPolicy internal) {
      if (s.internalPolicy() == internal) return s;
      return new ServicePort(s.id(), s.clusterIps(), s.port(), s.nodePort(), s.externalIps(), s.loadBalancerIps(),
          s.externalPolicy(), internal, s.affinityTimeout(), s.healthCheckNodePort(), s.sourceRanges());
    }

    private static List<Endpoint> dedupe(List<Endpoint> eps) {
      if (eps.size() < 2) return eps;
      Map<String, Endpoint> byAddr = new LinkedHashMap<>();
      for (Endpoint e : eps) byAddr.putIfAbsent(ChainNames.endpointString(e), e);
      return byAddr.size() == eps.size() ? eps : List.copyOf(byAddr.values());
    }
  }

  private static final String[] PROBABILITY = new String[1024];

  /** 1/n with 10 decimals, as kube-proxy writes it. */
  static String probability(int n) {
    if (n < PROBABILITY.length) {
      String p = PROBABILITY[n];
      if (p == null) PROBABILITY[n] = p = String.format(Locale.ROOT, "%.10f", 1.0 / n);
      return p;
    }
    return String.format(Locale.ROOT, "%.10f", 1.0 / n);
  }

  /** Accumulates the two tables' chain declarations, rules and chain deletions. */
  private static final class Writer {
    final NodeContext node;
    final boolean v6;
    final String host; // "/32" or "/128"
    final StringBuilder filterDecl = new StringBuilder(), filterRules = new StringBuilder(), filterTail = new StringBuilder();
    final StringBuilder natDecl = new StringBuilder(1 << 16), natRules = new StringBuilder(1 << 20), natTail = new StringBuilder();
    final List<String> nodePortDst;
    final String clusterCidr, podCidr;
    int rules;
    /** Some service port has a WEFT-FW chain: the filter table drops what those mark. */
    boolean firewalls;

    Writer(NodeContext node, boolean v6) {
      this.node = node;
      this.v6 = v6;
      this.host = v6 ? "/128" : "/32";
      // every local address but loopback (NodePorts on 127.0.0.1 need route_localnet, a known hole), as
      // the nftables backend does; NodeContext.nodeIps is not used to narrow it
      this.nodePortDst = List.of("-m addrtype --dst-type LOCAL ! -d " + (v6 ? "::1/128" : "127.0.0.0/8"));
      this.clusterCidr = node.clusterCidr() != null && node.clusterCidr().isIpv6() == v6 ? node.clusterCidr().network().toString() : null;
      this.podCidr = node.podCidr() != null && node.podCidr().isIpv6() == v6 ? node.podCidr().network().toString() : null;
      for (String c : FILTER_CHAINS) declare(false, c);
      for (String c : NAT_CHAINS) declare(true, c);
      rule(natRules, MARK_MASQ).append(" -j MARK --or-mark ").append(MASQ_MARK).append('\n');
      rule(natRules, POSTROUTING).append(" -m mark ! --mark ").append(MASQ_MARK).append('/').append(MASQ_MARK).append(" -j RETURN\n");
      rule(natRules, POSTROUTING).append(" -j MARK --xor-mark ").append(MASQ_MARK).append('\n');
      rule(natRules, POSTROUTING).append(" -m comment --comment \"weft service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
      rule(filterRules, FORWARD).append(" -m conntrack --ctstate INVALID -j DROP\n");
      rule(filterRules, FORWARD).append(" -m comment --comment \"weft forwarding rules\" -m mark --mark ").append(MASQ_MARK).append('/').append(MASQ_MARK).append(" -j ACCEPT\n");
      rule(filterRules, FORWARD).append(" -m comment --comment \"weft forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
    }

    boolean family(InetAddress a) {
      return (a instanceof Inet6Address) == v6;
    }

    List<InetAddress> family(List<InetAddress> as) {
      if (as.isEmpty()) return as;
      boolean all = true;
      for (InetAddress a : as) all &= family(a);
      if (all) return as;
      List<InetAddress> r = new ArrayList<>(as.size());
      for (InetAddress a : as) if (family(a)) r.add(a);
      return r;
    }

    List<Endpoint> familyEps(List<Endpoint> eps) {
      boolean all = true;
      for (Endpoint e : eps) all &= family(e.ip());
      if (all) return eps;
      List<Endpoint> r = new ArrayList<>(eps.size());
      for (Endpoint e : eps) if (family(e.ip())) r.add(e);
      return r;
    }

    void declare(boolean nat, String chain) {
      (nat ? natDecl : filterDecl).append(':').append(chain).append(" - [0:0]\n");
    }

    void deleteChain(boolean nat, String chain) {
      declare(nat, chain);
      (nat ? natTail : filterTail).append("-X ").append(chain).append('\n');
    }

    StringBuilder rule(StringBuilder b, String chain) {
      rules++;
      return b.append("-A ").append(chain);
    }

    StringBuilder comment(StringBuilder b, String text) {
      return b.append(" -m comment --comment \"").append(text).append('"');
    }

    /**
     * The service port's lines in the top-level chains; its own chains too when {@code write}
     * (their names are added to {@code own}).
     */
    void service(ServicePort s, List<Endpoint> allEps, boolean write, List<String> own) {
      ServicePortName id = s.id();
      List<InetAddress> clusterIps = family(s.clusterIps());
      if (clusterIps.isEmpty()) return; // headless, or not this family
      List<InetAddress> externalIps = family(s.externalIps()), lbIps = family(s.loadBalancerIps());
      boolean hasExternal = s.nodePort() != 0 || !externalIps.isEmpty() || !lbIps.isEmpty();
      Sets sets = Sets.of(s, familyEps(allEps), node.nodeName());
      boolean itpLocal = s.internalPolicy() == TrafficPolicy.LOCAL;
      boolean etpLocal = hasExternal && s.externalPolicy() == TrafficPolicy.LOCAL;
      List<Endpoint> internal = itpLocal ? sets.local : sets.clusterWide;
      List<Endpoint> external = etpLocal ? sets.local : sets.clusterWide;
      boolean hasEndpoints = !sets.clusterWide.isEmpty();
      boolean usesSvc = sets.usesSvc(s, hasExternal), usesSvl = sets.usesSvl(s, hasExternal), usesExt = hasExternal && hasEndpoints;

      String name = ChainNames.portString(id);
      String svc = usesSvc || usesExt ? ChainNames.svc(id) : null;
      String svl = usesSvl ? ChainNames.svl(id) : null;
      String ext = usesExt ? ChainNames.ext(id) : null;
      List<IpPrefix> ranges = familyRanges(s.sourceRanges());
      String fw = usesExt && !lbIps.isEmpty() && !ranges.isEmpty() ? ChainNames.fw(id) : null;
      firewalls |= fw != null;
      String proto = id.protocol().lower();
      String pm = " -p " + proto + " -m " + proto;
      String noEndpoints = !hasEndpoints ? name + " has no endpoints" : name + " has no local endpoints";
      String filterTarget = !hasEndpoints ? reject(id.protocol()) : "DROP";

      for (InetAddress ip : clusterIps) {
        String dst = IpPrefix.format(ip);
        if (!internal.isEmpty()) {
          comment(rule(natRules, SERVICES), name + " cluster IP").append(" -d ").append(dst).append(host).append(pm)
              .append(" --dport ").append(s.port()).append(" -j ").append(itpLocal ? svl : svc).append('\n');
        } else {
          comment(rule(filterRules, SERVICES), noEndpoints).append(" -d ").append(dst).append(host).append(pm)
              .append(" --dport ").append(s.port()).append(" -j ").append(filterTarget).append('\n');
        }
      }
      externalAddresses(externalIps, name, " external IP", pm, s.port(), ext, external.isEmpty(), noEndpoints, filterTarget);
      externalAddresses(lbIps, name, " loadbalancer IP", pm, s.port(), fw != null ? fw : ext, external.isEmpty(), noEndpoints, filterTarget);
      if (s.nodePort() != 0) {
        if (ext != null)
          comment(rule(natRules, NODEPORTS), name).append(pm).append(" --dport ").append(s.nodePort()).append(" -j ").append(ext).append('\n');
        if (external.isEmpty())
          for (String dst : nodePortDst)
            comment(rule(filterRules, EXTERNAL_SERVICES), noEndpoints).append(' ').append(dst).append(pm)
                .append(" --dport ").append(s.nodePort()).append(" -j ").append(filterTarget).append('\n');
      }
      if (s.healthCheckNodePort() != 0)
        comment(rule(filterRules, NODEPORTS), name + " health check node port").append(" -p tcp -m tcp --dport ")
            .append(s.healthCheckNodePort()).append(" -j ACCEPT\n");

      if (!write) return;
      if (usesSvc) {
        declare(true, svc);
        own.add(svc);
        if (!itpLocal) masqueradeOffCluster(svc, name, clusterIps, pm, s.port());
        endpoints(svc, name, id, sets.clusterWide, s);
      }
      if (usesSvl) {
        declare(true, svl);
        own.add(svl);
        if (itpLocal) masqueradeOffCluster(svl, name, clusterIps, pm, s.port());
        endpoints(svl, name, id, sets.local, s);
      }
      if (usesExt) {
        declare(true, ext);
        own.add(ext);
        if (!etpLocal) {
          comment(rule(natRules, ext), "masquerade traffic for " + name + " external destinations").append(" -j ").append(MARK_MASQ).append('\n');
          rule(natRules, ext).append(" -j ").append(svc).append('\n');
        } else {
          // pods and the node itself reach every endpoint, as if through an outside load balancer
          if (podCidr != null)
            comment(rule(natRules, ext), "pod traffic for " + name + " external destinations").append(" -s ").append(podCidr).append(" -j ").append(svc).append('\n');
          comment(rule(natRules, ext), "masquerade LOCAL traffic for " + name + " external destinations").append(" -m addrtype --src-type LOCAL -j ").append(MARK_MASQ).append('\n');
          comment(rule(natRules, ext), "route LOCAL traffic for " + name + " external destinations").append(" -m addrtype --src-type LOCAL -j ").append(svc).append('\n');
          if (usesSvl) rule(natRules, ext).append(" -j ").append(svl).append('\n');
        }
      }
      if (fw != null) {
        declare(true, fw);
        own.add(fw);
        firewall(fw, ext, name, ranges, s.allowsNode(node) ? lbIps : List.of());
      }
      Set<String> seps = new HashSet<>();
      if (usesSvc) for (Endpoint e : sets.clusterWide) sep(own, seps, name, id, e, s, pm);
      if (usesSvl) for (Endpoint e : sets.local) sep(own, seps, name, id, e, s, pm);
    }

    private void externalAddresses(List<InetAddress> ips, String name, String what, String pm, int port, String ext,
        boolean noExternal, String noEndpoints, String filterTarget) {
      for (InetAddress ip : ips) {
        String dst = IpPrefix.format(ip);
        if (ext != null)
          comment(rule(natRules, SERVICES), name + what).append(" -d ").append(dst).append(host).append(pm)
              .append(" --dport ").append(port).append(" -j ").append(ext).append('\n');
        if (noExternal)
          comment(rule(filterRules, EXTERNAL_SERVICES), noEndpoints).append(" -d ").append(dst).append(host).append(pm)
              .append(" --dport ").append(port).append(" -j ").append(filterTarget).append('\n');
      }
    }

    /**
     * kube-proxy's KUBE-FW chain: clients in a source range (and, when a range holds a node
     * address, the LoadBalancer IPs themselves: the node reaching a local LB IP) go on to the
     * external chain; the rest is marked for the filter table to drop.
     */
    private void firewall(String fw, String ext, String name, List<IpPrefix> ranges, List<InetAddress> fromLbIps) {
      for (IpPrefix r : ranges)
        comment(rule(natRules, fw), name + " loadbalancer IP").append(" -s ").append(r).append(" -j ").append(ext).append('\n');
      for (InetAddress ip : fromLbIps)
        comment(rule(natRules, fw), name + " loadbalancer IP").append(" -s ").append(IpPrefix.format(ip)).append(host).append(" -j ").append(ext).append('\n');
      comment(rule(natRules, fw), "other traffic to " + name + " loadbalancer IP will be dropped").append(" -j MARK --or-mark ").append(DROP_MARK).append('\n');
    }

    List<IpPrefix> familyRanges(List<IpPrefix> ranges) {
      if (ranges.isEmpty()) return ranges;
      List<IpPrefix> r = new ArrayList<>(ranges.size());
      for (IpPrefix p : ranges) if (p.isIpv6() == v6) r.add(p);
      return r;
    }

    private void masqueradeOffCluster(String chain, String name, List<InetAddress> clusterIps, String pm, int port) {
      if (clusterCidr == null) return;
      for (InetAddress ip : clusterIps)
        comment(rule(natRules, chain), name + " cluster IP").append(" -d ").append(IpPrefix.format(ip)).append(host).append(pm)
            .append(" --dport ").append(port).append(" ! -s ").append(clusterCidr).append(" -j ").append(MARK_MASQ).append('\n');
    }

    private void endpoints(String chain, String name, ServicePortName id, List<Endpoint> eps, ServicePort s) {
      int n = eps.size();
      if (s.affinityTimeout() != null) {
        long seconds = Math.max(1, s.affinityTimeout().toSeconds());
        for (Endpoint e : eps) {
          String sep = ChainNames.sep(id, e);
          comment(rule(natRules, chain), name + " -> " + ChainNames.endpointString(e)).append(" -m recent --name ").append(sep)
              .append(" --rcheck --seconds ").append(seconds).append(" --reap -j ").append(sep).append('\n');
        }
      }
      for (int i = 0; i < n; i++) {
        Endpoint e = eps.get(i);
        comment(rule(natRules, chain), name + " -> " + ChainNames.endpointString(e));
        if (i < n - 1) natRules.append(" -m statistic --mode random --probability ").append(probability(n - i));
        natRules.append(" -j ").append(ChainNames.sep(id, e)).append('\n');
      }
    }

    private void sep(List<String> own, Set<String> done, String name, ServicePortName id, Endpoint e, ServicePort s, String pm) {
      String sep = ChainNames.sep(id, e);
      if (!done.add(sep)) return;
      declare(true, sep);
      own.add(sep);
      String ip = IpPrefix.format(e.ip());
      comment(rule(natRules, sep), name).append(" -s ").append(ip).append(host).append(" -j ").append(MARK_MASQ).append('\n');
      comment(rule(natRules, sep), name).append(pm);
      if (s.affinityTimeout() != null) natRules.append(" -m recent --name ").append(sep).append(" --set");
      natRules.append(" -j DNAT --to-destination ").append(ChainNames.endpointString(e)).append('\n');
    }

    String reject(Protocol p) {
      if (p == Protocol.TCP) return "REJECT --reject-with tcp-reset";
      return v6 ? "REJECT --reject-with icmp6-port-unreachable" : "REJECT --reject-with icmp-port-unreachable";
    }

    /** The last WEFT-SERVICES rule(s), the jumps, the deletions: the whole restore input. */
    String finish(KernelView kernel, boolean full) {
      comment(rule(natRules, SERVICES), "weft service nodeports; must be the last rule in this chain").append(' ').append(nodePortDst.getFirst())
          .append(" -j ").append(NODEPORTS).append('\n');
      StringBuilder out = new StringBuilder(filterDecl.length() + filterRules.length() + natDecl.length() + natRules.length() + 4096);
      out.append("*filter\n").append(filterDecl);
      jumps(out, "filter", kernel, kernel == null ? List.of() : kernel.filterBaseJumps(), full);
      if (firewalls) dropMarked(out);
      out.append(filterRules).append(filterTail).append("COMMIT\n");
      out.append("*nat\n");
      // iptables-nft (1.8.9) keeps the chains a transaction names in a sorted linked list, walked for
      // every command: a restore creating 110 000 chains and jumping to them is quadratic (minutes at
      // 10 000 services). A command naming no chain makes it cache all chains instead and skip the
      // list; -S is the harmless one, at the price of listing what is there, so only when our chains
      // are not (first sync, after removeAll). Measured at 4 000 services x 10 endpoints: 31 s -> 3 s.
      // With that cache iptables-nft no longer creates missing built-in chains by itself: declare them
      // (only those that do not exist, so nobody's policy changes).
      if (full && kernel != null && kernel.natChains().stream().noneMatch(ChainNames::isServiceChain)) {
        for (String c : List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"))
          if (!kernel.natBuiltins().contains(c)) out.append(':').append(c).append(" ACCEPT [0:0]\n");
        out.append("-S\n");
      }
      out.append(natDecl);
      jumps(out, "nat", kernel, kernel == null ? List.of() : kernel.natBaseJumps(), full);
      out.append(natRules).append(natTail).append("COMMIT\n");
      return out.toString();
    }

    /**
     * The drop of what WEFT-FW chains marked, first in the first weft chain of each filter hook a
     * marked packet passes: INPUT (a local LB IP), FORWARD (routed on, or DNAT'd by a later rule),
     * OUTPUT (the node's own connections). The chains were declared (flushed) above.
     */
    private void dropMarked(StringBuilder out) {
      for (String chain : List.of(NODEPORTS, FORWARD, SERVICES)) {
        rules++;
        out.append("-A ").append(chain).append(" -m comment --comment \"weft load balancer source ranges: drop what a ").append(ChainNames.FW)
            .append(" chain marked\" -m mark --mark ").append(DROP_MARK).append('/').append(DROP_MARK).append(" -j DROP\n");
      }
    }

    /** Full: delete what is there, insert ours first. Partial: check they are all there. */
    private void jumps(StringBuilder out, String table, KernelView kernel, List<String> existing, boolean full) {
      if (!full) {
        for (Jump j : JUMPS) if (j.table().equals(table)) out.append("-C ").append(j.chain()).append(' ').append(j.spec()).append('\n');
        return;
      }
      // already there, exactly once each (iptables-save prints these specs as written): leave them.
      // A -D would make iptables-nft fetch the rules of every chain the transaction names, one
      // dump per chain: minutes at a few thousand services.
      List<String> wanted = new ArrayList<>();
      for (Jump j : JUMPS) if (j.table().equals(table)) wanted.add("-D " + j.chain() + " " + j.spec());
      if (existing.size() == wanted.size() && new HashSet<>(existing).equals(new HashSet<>(wanted))) return;
      for (String d : existing) out.append(d).append('\n');
      Set<String> busy = kernel == null ? Set.of() : table.equals("nat") ? kernel.natBusy() : kernel.filterBusy();
      for (Jump j : JUMPS) {
        if (!j.table().equals(table) || busy.contains(j.chain())) continue;
        rules++;
        out.append("-A ").append(j.chain()).append(' ').append(j.spec()).append('\n');
      }
      for (Jump j : JUMPS.reversed()) {
        if (!j.table().equals(table) || !busy.contains(j.chain())) continue;
        rules++;
        out.append("-I ").append(j.chain()).append(" 1 ").append(j.spec()).append('\n');
      }
    }
  }
}
