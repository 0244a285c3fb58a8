package dev.weft.proxy.nft;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.EndpointSelection;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.TrafficPolicy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The rules of one service port, a pure function of the port, its endpoints and the node.
 *
 * <p><b>Common case</b> (no sessionAffinity, both traffic policies Cluster, at least one usable
 * endpoint) — elements only, no chain or rule of its own. A service port that is the only one on each
 * of its addresses ({@code sole}) goes to {@code sbal-N} / {@code sext-N} instead of {@code bal-N} /
 * {@code ext-N}: they pick index i with {@code numgen random mod N vmap @spicks}, and chain
 * {@code spick-i} DNATs to {@code seps-i} (destination address : the i-th endpoint's address) and
 * {@code sports} (destination address : the port) — one key component instead of four and one value
 * component instead of two, which is most of a 10 000-service full sync. It needs all endpoints on one
 * port; otherwise:
 * <ul>
 *   <li>{@code service-ips}: {@code clusterIP . proto . port : goto bal-N} (N = its endpoint count),
 *       {@code externalIP|LB IP . proto . port : goto ext-N}; {@code service-nodeports}:
 *       {@code proto . nodePort : goto np-N}.
 *   <li>{@code service-endpoints}: {@code address . proto . port . i : endpointIP . port} for i in
 *       0..N−1 and each of its addresses; {@code nodeport-endpoints}: {@code proto . nodePort . i :
 *       endpointIP . port}. The protocol is in every key: TCP 53 and UDP 53 are different services.
 *   <li>The shared chains, one per N and written with the table: {@code bal-N} marks ClusterIP
 *       traffic from outside the cluster CIDR for masquerade, then {@code dnat ip to ip daddr . meta
 *       l4proto . th dport . numgen random mod N map @service-endpoints}; {@code ext-N} marks for
 *       masquerade then does the same; {@code np-N} marks, then looks up {@code nodeport-endpoints}.
 * </ul>
 * A new connection thus costs one verdict-map lookup ({@code services}) and one map lookup, both
 * hash lookups: O(1) whatever the number of services (the old cascade cost n/2 rules per packet
 * and a chain per service per update). An update of a common service port is element deletes and
 * adds in the shared maps.
 *
 * <p><b>Rare cases</b> keep per-service-port chains (kube-proxy's nftables layout):
 * <ul>
 *   <li>{@code svc-<name>}: ClusterIP traffic from outside the cluster CIDR is marked for
 *       masquerade; then one rule per usable endpoint of the cluster, {@code numgen random mod (n−i)
 *       == 0 dnat to ip:port} (the last unconditional), after the sessionAffinity lookups.
 *   <li>{@code local-<name>}: the same over this node's endpoints, for Local traffic policies.
 *   <li>{@code ext-<name>}: NodePort / externalIP / LoadBalancer entry. externalTrafficPolicy Cluster:
 *       mark for masquerade, then {@code svc-}. Local: pod-originated (source in the node's pod CIDR)
 *       and node-originated (masqueraded) traffic go to {@code svc-}, the rest to {@code local-}
 *       with its source kept.
 *   <li>{@code ep-<name>__<ip>/<port>}, only with sessionAffinity ClientIP: the client address goes
 *       into the endpoint's timeout set {@code aff-<name>__<ip>/<port>}, then DNAT.
 * </ul>
 * Hairpin: every endpoint on this node contributes {@code ip . ip} to the shared set
 * {@code hairpin-endpoints}; postrouting masquerades a DNAT'd connection whose source and
 * destination are that pair (a pod that reached its own Service and landed on itself). Only local
 * endpoints can be in such a connection here: a pod's traffic is NATed by its own node.
 * With no usable endpoint the service's addresses go to {@code no-endpoint-services} /
 * {@code no-endpoint-nodeports} (reject; drop when only a Local policy leaves nothing), and
 * externalTrafficPolicy Local with endpoints only elsewhere puts them in
 * {@code no-local-endpoint-ips} / {@code no-local-endpoint-nodeports} (external clients dropped).
 * loadBalancerSourceRanges (with usable endpoints): each LoadBalancer IP {@code . proto . port} goes
 * into {@code firewall-ips} and, with every range it accepts, into the interval set
 * {@code firewall-allowed}; the fixed {@code filter-*} chains drop new connections to it from
 * elsewhere before DNAT (see {@link #firewall}).
 * IPv4 only: IPv6 addresses and endpoints are skipped.
 */
public final class NftRenderer {
  static final String SERVICE_IPS = "service-ips", SERVICE_NODEPORTS = "service-nodeports";
  static final String NO_ENDPOINT_SERVICES = "no-endpoint-services", NO_ENDPOINT_NODEPORTS = "no-endpoint-nodeports";
  static final String NO_LOCAL_IPS = "no-local-endpoint-ips", NO_LOCAL_NODEPORTS = "no-local-endpoint-nodeports";
  static final String MARK_MASQ = "mark-for-masquerade", REJECT = "reject-chain";
  static final String GOTO_REJECT = "goto " + REJECT;
  /** endpoint IP . the same IP: a connection DNAT'd back to its own source is masqueraded (hairpin). */
  static final String HAIRPIN = "hairpin-endpoints";
  /**
   * The balancing group of endpoint count N (see {@link #group}): maps {@code eps-N} (ClusterIP /
   * externalIP / LB IP . protocol . port . endpoint index : endpoint address . port) and
   * {@code np-eps-N} (protocol . NodePort . endpoint index : endpoint), chains {@code bal-N},
   * {@code ext-N}, {@code np-N}.
   */
  static final String EPS = "eps-", NP_EPS = "np-eps-", BAL = "bal-", EXT_BAL = "ext-", NP_BAL = "np-";
  /**
   * The sole-address family of group N: chains {@code sbal-N} / {@code sext-N}, for a service port that is the only
   * one on each of its addresses (see {@link #render(ServicePort, List, NodeContext, boolean)}). They pick
   * {@code numgen random mod N} through the fixed verdict map {@code spicks} ({@code i : goto spick-i}); chain
   * {@code spick-i} looks the packet's destination address alone up in map {@code seps-i} (address : the i-th
   * endpoint address . port). Index i exists while some group N &gt; i does.
   */
  static final String SBAL = "sbal-", SEXT_BAL = "sext-", SEPS = "seps-", SPICK = "spick-", SPICKS = "spicks";
  /** Sole address : the port every endpoint of its service port listens on (the DNAT port of the spick-i chains). */
  static final String SPORTS = "sports";
  /** loadBalancerSourceRanges: firewalled LB IP . proto . port, and (interval set) LB IP . proto . port . accepted source range. */
  static final String FIREWALL_IPS = "firewall-ips", FIREWALL_ALLOWED = "firewall-allowed";

  private NftRenderer() {}

  public static ServiceRules render(ServicePort svc, List<Endpoint> endpoints, NodeContext node) {
    return render(svc, endpoints, node, false);
  }

  /**
   * The rules of one service port; {@code sole}: no other service port has any of its addresses (ClusterIPs,
   * externalIPs, LoadBalancer IPs), so in the common case the destination address alone names it and its endpoint
   * elements are keyed by address only ({@code seps-i}) — a third of the nft and kernel work of the
   * address . protocol . port . index keys of {@code eps-N} at 10 000 services.
   */
  public static ServiceRules render(ServicePort svc, List<Endpoint> endpoints, NodeContext node, boolean sole) {
    String base = NftNames.base(svc.id());
    String proto = NftNames.proto(svc.id().protocol());
    List<Endpoint> v4 = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) if (e.ip() instanceof Inet4Address) v4.add(e);
    // cluster-wide and node-local usable endpoints, from the shared selection: a probe port with
    // internal Local (→ cluster() = local) and an external entry with Cluster (→ external() = all)
    ServicePort probe = new ServicePort(svc.id(), List.of(), svc.port(), 1, List.of(), List.of(),
        TrafficPolicy.CLUSTER, TrafficPolicy.LOCAL, null, 0);
    EndpointSelection.Choice c = EndpointSelection.choose(probe, v4, node.nodeName());
    List<Endpoint> clusterWide = dedupe(c.external()), local = dedupe(c.cluster());

    List<InetAddress> clusterIps = v4Only(svc.clusterIps());
    List<InetAddress> externalIps = new ArrayList<>(v4Only(svc.externalIps()));
    externalIps.addAll(v4Only(svc.loadBalancerIps()));
    boolean hasExternal = svc.nodePort() != 0 || !externalIps.isEmpty();
    boolean internalLocal = svc.internalPolicy() == TrafficPolicy.LOCAL;
    boolean externalLocal = hasExternal && svc.externalPolicy() == TrafficPolicy.LOCAL;

    LinkedHashMap<String, List<String>> chains = new LinkedHashMap<>();
    LinkedHashMap<String, String> sets = new LinkedHashMap<>();
    List<ServiceRules.Element> elements = new ArrayList<>();
    if (clusterIps.isEmpty() && !hasExternal) return new ServiceRules(svc.id(), chains, sets, elements, List.of()); // headless
    if (svc.affinityTimeout() == null && !internalLocal && !externalLocal && !clusterWide.isEmpty())
      return common(svc, proto, clusterWide, clusterIps, externalIps, node, sole);

    boolean needSvc = !clusterWide.isEmpty() && (!internalLocal || hasExternal);
    boolean needLocal = !local.isEmpty() && (internalLocal || externalLocal);
    String svcChain = NftNames.serviceChain(base), localChain = NftNames.localChain(base), extChain = NftNames.externalChain(base);
    String internalTarget = internalLocal ? (needLocal ? localChain : null) : (needSvc ? svcChain : null);

    List<Endpoint> withChains = new ArrayList<>();
    if (needSvc) withChains.addAll(clusterWide);
    if (needLocal) for (Endpoint e : local) if (!containsAddr(withChains, e)) withChains.add(e);
    String cidr = node.clusterCidr() == null ? null : node.clusterCidr().network().toString();
    String timeout = svc.affinityTimeout() == null ? null : Math.max(1, svc.affinityTimeout().toSeconds()) + "s";

    boolean affinity = timeout != null;
    if (needSvc) chains.put(svcChain, balance(base, proto, clusterWide, internalLocal ? List.of() : clusterIps, cidr, affinity));
    if (needLocal) chains.put(localChain, balance(base, proto, local, internalLocal ? clusterIps : List.of(), cidr, affinity));

    // external entry
    boolean externalTarget = externalLocal ? (needLocal || needSvc) : needSvc;
    if (hasExternal && externalTarget) {
      List<String> r = new ArrayList<>(6);
      if (!externalLocal) {
        r.add("jump " + MARK_MASQ);
        r.add("goto " + svcChain);
      } else {
        if (needSvc) {
          if (node.podCidr() != null) r.add("ip saddr " + node.podCidr().network() + " goto " + svcChain + " comment \"pod-originated\"");
          r.add("fib saddr type local jump " + MARK_MASQ);
          r.add("fib saddr type local goto " + svcChain + " comment \"node-originated\"");
        }
        if (needLocal) r.add("goto " + localChain);
      }
      chains.put(extChain, r);
    }

    java.util.Set<String> hairpin = new java.util.HashSet<>();
    for (Endpoint e : withChains) {
      String ip = IpPrefix.format(e.ip());
      if (isLocal(e, node) && hairpin.add(ip)) elements.add(new ServiceRules.Element(HAIRPIN, ip + " . " + ip, null));
      if (!affinity) continue;
      String set = NftNames.affinitySet(base, e);
      sets.put(set, "type ipv4_addr; flags dynamic,timeout; timeout " + timeout + ";");
      chains.put(NftNames.endpointChain(base, e), List.of("update @" + set + " { ip saddr }", dnat(proto, e)));
    }

    // entries
    String port = " . " + proto + " . " + svc.port();
    for (InetAddress ip : clusterIps) {
      String key = IpPrefix.format(ip) + port;
      if (internalTarget != null) elements.add(new ServiceRules.Element(SERVICE_IPS, key, "goto " + internalTarget));
      else elements.add(new ServiceRules.Element(NO_ENDPOINT_SERVICES, key, internalLocal && !clusterWide.isEmpty() ? "drop" : GOTO_REJECT));
    }
    if (hasExternal) {
      String np = proto + " . " + svc.nodePort();
      if (externalTarget) {
        for (InetAddress ip : externalIps) elements.add(new ServiceRules.Element(SERVICE_IPS, IpPrefix.format(ip) + port, "goto " + extChain));
        if (svc.nodePort() != 0) elements.add(new ServiceRules.Element(SERVICE_NODEPORTS, np, "goto " + extChain));
      }
      if (externalLocal && !needLocal && needSvc) {
        // endpoints only on other nodes: outside clients are dropped, pods and the node still get through
        for (InetAddress ip : externalIps) elements.add(new ServiceRules.Element(NO_LOCAL_IPS, IpPrefix.format(ip) + port, null));
        if (svc.nodePort() != 0) elements.add(new ServiceRules.Element(NO_LOCAL_NODEPORTS, np, null));
      } else if (!externalTarget) {
        for (InetAddress ip : externalIps) elements.add(new ServiceRules.Element(NO_ENDPOINT_SERVICES, IpPrefix.format(ip) + port, GOTO_REJECT));
        if (svc.nodePort() != 0) elements.add(new ServiceRules.Element(NO_ENDPOINT_NODEPORTS, np, GOTO_REJECT));
      }
    }
    if (!clusterWide.isEmpty()) firewall(svc, proto, node, elements);
    return new ServiceRules(svc.id(), chains, sets, elements, List.of());
  }

  /**
   * The common case (no affinity, both policies Cluster, at least one endpoint) as elements only:
   * each service address goes to the shared chain of its endpoint count N ({@code bal-N} for
   * ClusterIPs, {@code ext-N} for externalIPs and LoadBalancer IPs, {@code np-N} for the NodePort),
   * which picks {@code numgen random mod N} and looks the endpoint up in {@code service-endpoints}
   * (or {@code nodeport-endpoints}) under the packet's own address, protocol and port and that
   * index. No chain or rule of its own: an update is element deletes and adds.
   */
  private static ServiceRules common(ServicePort svc, String proto, List<Endpoint> eps, List<InetAddress> clusterIps,
      List<InetAddress> externalIps, NodeContext node, boolean sole) {
    int n = eps.size();
    String[] targets = new String[n], epIps = new String[n];
    for (int i = 0; i < n; i++) {
      epIps[i] = IpPrefix.format(eps.get(i).ip());
      targets[i] = epIps[i] + " . " + eps.get(i).port();
    }
    List<ServiceRules.Element> elements = new ArrayList<>((clusterIps.size() + externalIps.size() + 1) * (n + 1) + n);
    String port = " . " + proto + " . " + svc.port(), eps_ = EPS + n, npEps = NP_EPS + n;
    // keyed by address alone when no other service port has its addresses and all endpoints listen on one port
    boolean byAddress = sole;
    for (int i = 1; i < n && byAddress; i++) byAddress = eps.get(i).port() == eps.getFirst().port();
    for (int k = 0; k < 2; k++) {
      List<InetAddress> ips = k == 0 ? clusterIps : externalIps;
      String verdict = "goto " + (k == 0 ? (byAddress ? SBAL : BAL) : (byAddress ? SEXT_BAL : EXT_BAL)) + n;
      for (InetAddress ip : ips) {
        String addr = IpPrefix.format(ip), key = addr + port;
        elements.add(new ServiceRules.Element(SERVICE_IPS, key, verdict));
        if (byAddress) {
          elements.add(new ServiceRules.Element(SPORTS, addr, Integer.toString(eps.getFirst().port())));
          for (int i = 0; i < n; i++) elements.add(new ServiceRules.Element(sepsName(i), addr, epIps[i]));
        } else {
          for (int i = 0; i < n; i++) elements.add(new ServiceRules.Element(eps_, key + " . " + i, targets[i]));
        }
      }
    }
    if (svc.nodePort() != 0) {
      String key = proto + " . " + svc.nodePort();
      elements.add(new ServiceRules.Element(SERVICE_NODEPORTS, key, "goto " + NP_BAL + n));
      for (int i = 0; i < n; i++) elements.add(new ServiceRules.Element(npEps, key + " . " + i, targets[i]));
    }
    java.util.Set<String> hairpin = null;
    for (int i = 0; i < n; i++) {
      if (!isLocal(eps.get(i), node)) continue;
      if (hairpin == null) hairpin = new java.util.HashSet<>();
      if (hairpin.add(epIps[i])) elements.add(new ServiceRules.Element(HAIRPIN, epIps[i] + " . " + epIps[i], null));
    }
    firewall(svc, proto, node, elements);
    return new ServiceRules(svc.id(), new LinkedHashMap<>(), new LinkedHashMap<>(), elements, List.of(eps_));
  }

  /**
   * loadBalancerSourceRanges of a service port with usable endpoints (kube-proxy firewalls only
   * those; without endpoints its LoadBalancer IPs are rejected for everyone): each IPv4
   * LoadBalancer IP {@code . proto . port} in {@code firewall-ips}, and with each source it accepts
   * in {@code firewall-allowed}. Nothing when there are no ranges or no LoadBalancer IPs.
   */
  private static void firewall(ServicePort svc, String proto, NodeContext node, List<ServiceRules.Element> elements) {
    if (svc.sourceRanges().isEmpty()) return;
    List<InetAddress> lbIps = v4Only(svc.loadBalancerIps());
    List<IpPrefix> allowed = allowedSources(svc, lbIps, node);
    if (lbIps.isEmpty() || allowed.isEmpty()) return; // IPv6 ranges only: not firewalled here, as IPv6 is not proxied
    String port = " . " + proto + " . " + svc.port();
    for (InetAddress ip : lbIps) {
      String key = IpPrefix.format(ip) + port;
      elements.add(new ServiceRules.Element(FIREWALL_IPS, key, null));
      for (IpPrefix r : allowed) elements.add(new ServiceRules.Element(FIREWALL_ALLOWED, key + " . " + r, null));
    }
  }

  /**
   * The IPv4 sources a firewalled LoadBalancer IP accepts: its source ranges and, when one of them
   * holds a node address, the LoadBalancer IPs themselves (the node reaching an LB IP it has as a
   * local address; {@link ServicePort#allowsNode}). Without ranges nested in others: the kernel
   * refuses an interval inside one a concatenated set already holds ("File exists"), and a nested
   * range adds nothing.
   */
  static List<IpPrefix> allowedSources(ServicePort svc, List<InetAddress> lbIps, NodeContext node) {
    List<IpPrefix> all = new ArrayList<>();
    for (IpPrefix r : svc.sourceRanges()) if (r.isIpv4()) all.add(r.network());
    if (!all.isEmpty() && svc.allowsNode(node)) for (InetAddress ip : lbIps) all.add(new IpPrefix(ip, 32));
    List<IpPrefix> out = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      IpPrefix p = all.get(i);
      boolean covered = false;
      for (int j = 0; j < all.size() && !covered; j++) {
        IpPrefix q = all.get(j);
        // inside a shorter prefix, or the same network listed earlier
        covered = j != i && q.contains(p.address()) && (q.prefixLength() < p.prefixLength() || (q.prefixLength() == p.prefixLength() && j < i));
      }
      if (!covered) out.add(p);
    }
    return out;
  }

  /**
   * Only an endpoint on this node (or of unknown node) can be the client of its own Service here: a
   * pod's connections are NATed by its own node, so the hairpin set holds local endpoints only.
   */
  static boolean isLocal(Endpoint e, NodeContext node) {
    return e.nodeName() == null || e.nodeName().equals(node.nodeName());
  }

  /**
   * The declarations of balancing group N (the name of its address map, {@code eps-N}): its two
   * maps, then its three chains, as a table block fragment; returns its number of rules. A group
   * is written with the table or, when a service port first needs it, with the update — always
   * with its maps in the same script: nft 1.0.6 refuses a new rule referring to a {@code typeof …
   * : ip daddr . th dport} map it has to read back from the kernel ("conflicting protocols
   * specified: ip vs. th"), while adding elements to one works.
   */
  static int group(StringBuilder s, String group, NodeContext node) {
    String n = group.substring(EPS.length());
    s.append("\tmap ").append(EPS).append(n).append(" { typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport; }\n");
    s.append("\tmap ").append(NP_EPS).append(n).append(" { typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport; }\n");
    String dnat = "dnat ip to ip daddr . meta l4proto . th dport . numgen random mod " + n + " map @" + EPS + n;
    String pick = "numgen random mod " + n + " vmap @" + SPICKS;
    int rules = 0;
    rules += balancing(s, BAL + n, node, false, dnat);
    rules += balancing(s, EXT_BAL + n, node, true, dnat);
    rules += balancing(s, NP_BAL + n, node, true, "dnat ip to meta l4proto . th dport . numgen random mod " + n + " map @" + NP_EPS + n);
    rules += balancing(s, SBAL + n, node, false, pick);
    rules += balancing(s, SEXT_BAL + n, node, true, pick);
    return rules;
  }

  /**
   * A group chain: mark for masquerade (external entries: always; ClusterIP: traffic from outside the cluster CIDR),
   * then {@code choice}; returns its number of rules.
   */
  private static int balancing(StringBuilder s, String chain, NodeContext node, boolean external, String choice) {
    s.append("\tchain ").append(chain).append(" {\n");
    int rules = 1;
    if (external) {
      s.append("\t\tjump ").append(MARK_MASQ).append('\n');
      rules++;
    } else if (node.clusterCidr() != null) {
      s.append("\t\tip saddr != ").append(node.clusterCidr().network()).append(" jump ").append(MARK_MASQ).append('\n');
      rules++;
    }
    s.append("\t\t").append(choice).append("\n\t}\n");
    return rules;
  }

  /** Endpoint count of group {@code eps-N}. */
  static int groupSize(String group) {
    return Integer.parseInt(group.substring(EPS.length()));
  }

  /**
   * The declarations of sole-address index i (map {@code seps-i}, chain {@code spick-i}) as a table block fragment;
   * returns its number of rules. Its element in {@code spicks} ({@link #indexElement}) goes with it.
   */
  static int index(StringBuilder s, int i) {
    s.append("\tmap ").append(SEPS).append(i).append(" { type ipv4_addr : ipv4_addr; }\n");
    s.append("\tchain ").append(SPICK).append(i).append(" {\n");
    // a port mapping needs a transport protocol match before it: one rule per protocol (a named or anonymous
    // protocol set does not count as one for nft 1.0.6, and an anonymous set would take a handle of its own)
    for (String p : INDEX_PROTOCOLS)
      s.append("\t\tmeta l4proto ").append(p).append(" dnat ip to ip daddr map @").append(SEPS).append(i).append(" : ip daddr map @").append(SPORTS).append('\n');
    s.append("\t}\n");
    return INDEX_PROTOCOLS.size();
  }

  private static final List<String> INDEX_PROTOCOLS = List.of("tcp", "udp", "sctp");

  private static final String[] SEPS_NAMES = java.util.stream.IntStream.range(0, 256).mapToObj(i -> SEPS + i).toArray(String[]::new);

  /** {@code seps-i}, one String per index (a full sync names ~100 000 elements' maps). */
  static String sepsName(int i) {
    return i < SEPS_NAMES.length ? SEPS_NAMES[i] : SEPS + i;
  }

  /** Index i's element of {@code spicks}. */
  static ServiceRules.Element indexElement(int i) {
    return new ServiceRules.Element(SPICKS, Integer.toString(i), "goto " + SPICK + i);
  }

  /** Kernel handles index i takes: its map, its chain and the chain's rules. */
  static final int INDEX_ALLOCATIONS = 2 + 3;

  /** The chains of group {@code eps-N}, in the order {@link #group} declares them. */
  static List<String> groupChains(String group) {
    String n = group.substring(EPS.length());
    return List.of(BAL + n, EXT_BAL + n, NP_BAL + n, SBAL + n, SEXT_BAL + n);
  }

  /** The maps of group {@code eps-N}. */
  static List<String> groupMaps(String group) {
    return List.of(group, NP_EPS + group.substring(EPS.length()));
  }

  /** A map of a balancing group: declared again whenever rules refer to it anew. */
  static boolean isGroupMap(String set) {
    return set.startsWith(EPS) || set.startsWith(NP_EPS);
  }

  /**
   * Masquerade for ClusterIP traffic from outside the cluster, affinity lookups, then the random
   * choice: rule i of n matches with probability 1/(n−i) ({@code numgen random mod (n−i) == 0}), the
   * last one always, so each endpoint gets 1/n. No anonymous vmap: the kernel names each anonymous
   * set by scanning all the table's sets, which makes a table of 10 000 services quadratic to load.
   */
  private static List<String> balance(String base, String proto, List<Endpoint> eps, List<InetAddress> masqFor, String cidr, boolean affinity) {
    List<String> r = new ArrayList<>(eps.size() * (affinity ? 2 : 1) + 2);
    if (cidr != null)
      for (InetAddress ip : masqFor) r.add("ip daddr " + IpPrefix.format(ip) + " ip saddr != " + cidr + " jump " + MARK_MASQ);
    if (affinity)
      for (Endpoint e : eps) r.add("ip saddr @" + NftNames.affinitySet(base, e) + " goto " + NftNames.endpointChain(base, e));
    int n = eps.size();
    for (int i = 0; i < n; i++) {
      Endpoint e = eps.get(i);
      String target = affinity ? "goto " + NftNames.endpointChain(base, e) : dnat(proto, e);
      r.add(i < n - 1 ? "numgen random mod " + (n - i) + " == 0 " + target : target);
    }
    return r;
  }

  static String dnat(String proto, Endpoint e) {
    return "meta l4proto " + proto + " dnat to " + IpPrefix.format(e.ip()) + ":" + e.port();
  }

  private static List<InetAddress> v4Only(List<InetAddress> ips) {
    for (InetAddress a : ips) {
      if (!(a instanceof Inet4Address)) {
        List<InetAddress> r = new ArrayList<>(ips.size());
        for (InetAddress b : ips) if (b instanceof Inet4Address) r.add(b);
        return r;
      }
    }
    return ips;
  }

  /** One endpoint per address and port (a slice may list one twice). */
  private static List<Endpoint> dedupe(List<Endpoint> eps) {
    if (eps.size() < 2) return eps;
    List<Endpoint> r = new ArrayList<>(eps.size());
    for (Endpoint e : eps) if (!containsAddr(r, e)) r.add(e);
    return r;
  }

  private static boolean containsAddr(List<Endpoint> list, Endpoint e) {
    for (Endpoint x : list) if (x.port() == e.port() && x.ip().equals(e.ip())) return true;
    return false;
  }
}
