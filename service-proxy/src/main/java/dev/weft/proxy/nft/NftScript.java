package dev.weft.proxy.nft;

import dev.weft.proxy.model.NodeContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pure generation of the {@code nft -f -} scripts: one script is one transaction.
 *
 * <p>A full script replaces the whole table atomically ({@code add table} + {@code delete table} +
 * the table): whatever drifted (flushed, deleted, edited by hand) is gone afterwards. An update
 * script changes only the service ports given to it, in an order the kernel accepts in one
 * transaction: stale elements deleted, changed and removed chains flushed (dropping their
 * references), new sets, chains and rules added, new elements added, then removed chains and sets
 * deleted. Every update begins by deleting the canary rule (chain {@code sync-canary}, never
 * jumped to) by its handle and adding it again: if someone flushed or deleted the table the rule is
 * gone, the delete fails, the transaction is refused as a whole, and the backend falls back to a
 * full script. (A canary element would not do: {@code nft flush table} keeps set elements; and
 * {@code replace rule} would make nft read every rule of the table first, seconds at 10 000
 * services, where a delete by handle reads nothing.) The re-added rule's handle is predictable:
 * the kernel numbers a table's chains, sets and rules from one counter, the canary is the first
 * allocation of an update and the last of a full script.
 */
public final class NftScript {
  public static final String FAMILY = "ip", TABLE = "weft_proxy";
  static final String T = FAMILY + " " + TABLE;
  static final String CANARY = "sync-canary";
  static final String CANARY_RULE = "counter";
  static final int MASQ_MARK = 0x4000;

  /** Script text with the numbers a {@link dev.weft.proxy.SyncResult} reports. */
  /** @param allocations kernel handles the transaction allocates after the canary rule (new chains, sets, rules) */
  public record Script(String text, int services, int rules, int elements, int allocations) {
    /** Rules plus elements. */
    public int written() {
      return rules + elements;
    }
  }

  private NftScript() {}

  /** The table's fixed part: maps and sets, base chains and their rules (inside a table block). */
  static void skeleton(StringBuilder s, NodeContext node) {
    String notPods = node.podCidr() == null ? "" : "ip saddr != " + node.podCidr().network() + " ";
    s.append("\tcomment \"weft service proxy: Services as NAT (nftables backend)\"\n");
    map(s, NftRenderer.SERVICE_IPS, "ipv4_addr . inet_proto . inet_service : verdict", "ClusterIP, externalIP, LoadBalancer IP . protocol . port: the service's entry chain");
    map(s, NftRenderer.SERVICE_NODEPORTS, "inet_proto . inet_service : verdict", "protocol . NodePort, on every local address: the service's external entry chain");
    map(s, NftRenderer.NO_ENDPOINT_SERVICES, "ipv4_addr . inet_proto . inet_service : verdict", "service addresses with no usable endpoint: reject, or drop when only a Local policy leaves none");
    map(s, NftRenderer.NO_ENDPOINT_NODEPORTS, "inet_proto . inet_service : verdict", "NodePorts with no usable endpoint: reject");
    map(s, NftRenderer.NO_LOCAL_IPS, "ipv4_addr . inet_proto . inet_service", "externalTrafficPolicy Local, no endpoint on this node: dropped unless from a local pod");
    map(s, NftRenderer.NO_LOCAL_NODEPORTS, "inet_proto . inet_service", "externalTrafficPolicy Local NodePorts, no endpoint on this node: dropped unless from a local pod");
    map(s, NftRenderer.HAIRPIN, "ipv4_addr . ipv4_addr", "endpoint . itself: a connection DNAT'd back to its source is masqueraded (hairpin)");
    chain(s, "filter-prerouting", "type filter hook prerouting priority dstnat - 10; policy accept;", "new connections to services without usable endpoints",
        "ct state new ip daddr . meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_SERVICES,
        "ct state new fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_NODEPORTS,
        "ct state new " + notPods + "ip daddr . meta l4proto . th dport @" + NftRenderer.NO_LOCAL_IPS + " drop",
        "ct state new " + notPods + "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport @" + NftRenderer.NO_LOCAL_NODEPORTS + " drop");
    chain(s, "filter-output", "type filter hook output priority -110; policy accept;", "the node's own new connections to services without usable endpoints",
        "ct state new ip daddr . meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_SERVICES,
        "ct state new fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_NODEPORTS);
    chain(s, "nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", null, "jump services");
    chain(s, "nat-output", "type nat hook output priority -100; policy accept;", null, "jump services");
    chain(s, "nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;", null,
        "ct status dnat ip saddr . ip daddr @" + NftRenderer.HAIRPIN + " masquerade fully-random comment \"hairpin\"",
        "jump masquerading");
    chain(s, "services", null, "dispatch: service addresses, then NodePorts on local addresses",
        "ip daddr . meta l4proto . th dport vmap @" + NftRenderer.SERVICE_IPS,
        "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.SERVICE_NODEPORTS);
    chain(s, "masquerading", null, "masquerade what was marked",
        "meta mark & " + hex(MASQ_MARK) + " == 0 return",
        "meta mark set meta mark ^ " + hex(MASQ_MARK),
        "masquerade fully-random");
    chain(s, NftRenderer.MARK_MASQ, null, null, "meta mark set meta mark | " + hex(MASQ_MARK));
    chain(s, NftRenderer.REJECT, null, "no endpoints: TCP reset, else ICMP port unreachable",
        "meta l4proto tcp reject with tcp reset", "reject");
  }

  /** The rules and elements of the fixed part (for counting). */
  static final int SKELETON_RULES = 19, SKELETON_ELEMENTS = 0;

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }

  private static void map(StringBuilder s, String name, String type, String comment) {
    s.append("\t").append(type.contains(": verdict") ? "map " : "set ").append(name).append(" { type ").append(type)
        .append("; comment \"").append(comment).append("\"; }\n");
  }

  private static void chain(StringBuilder s, String name, String hook, String comment, String... rules) {
    s.append("\tchain ").append(name).append(" {\n");
    if (hook != null) s.append("\t\t").append(hook).append('\n');
    if (comment != null) s.append("\t\tcomment \"").append(comment).append("\"\n");
    for (String r : rules) s.append("\t\t").append(r).append('\n');
    s.append("\t}\n");
  }

  /** The whole table for these service ports, replacing whatever is there. */
  public static Script full(NodeContext node, Collection<ServiceRules> services) {
    int size = 4096;
    for (ServiceRules r : services) size += 160 * (r.ruleCount() + r.elements().size() + r.chains().size());
    StringBuilder s = new StringBuilder(size);
    s.append("add table ").append(T).append('\n');
    s.append("delete table ").append(T).append('\n');
    s.append("table ").append(T).append(" {\n");
    skeleton(s, node);
    int rules = SKELETON_RULES, written = 0;
    for (ServiceRules r : services) {
      if (r.isEmpty()) continue;
      written++;
      sets(s, r.sets());
      for (var c : r.chains().entrySet()) {
        chainBody(s, c.getKey(), c.getValue());
        rules += c.getValue().size();
      }
    }
    // last in the table: the canary rule gets the table's highest handle (elements take none)
    chain(s, CANARY, null, "never jumped to: its rule is there while the table is as weft wrote it", CANARY_RULE);
    s.append("}\n");
    Map<String, List<ServiceRules.Element>> bySet = new LinkedHashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ServiceRules r : services)
      for (ServiceRules.Element e : r.elements())
        if (seen.add(e.set() + ' ' + e.key())) bySet.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e); // shared (hairpin) or duplicate keys once
    int elements = SKELETON_ELEMENTS + elements(s, "add", bySet, true);
    return new Script(s.toString(), written, rules, elements, 0);
  }

  private static void sets(StringBuilder s, Map<String, String> sets) {
    for (var e : sets.entrySet()) s.append("\tset ").append(e.getKey()).append(" { ").append(e.getValue()).append(" }\n");
  }

  private static void chainBody(StringBuilder s, String name, List<String> rules) {
    s.append("\tchain ").append(name).append(" {\n");
    for (String r : rules) s.append("\t\t").append(r).append('\n');
    s.append("\t}\n");
  }

  /** Writes "verb element ip weft_proxy SET { a, b }" per set; returns the number of elements. */
  private static int elements(StringBuilder s, String verb, Map<String, List<ServiceRules.Element>> bySet, boolean withValues) {
    int n = 0;
    for (var e : bySet.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      s.append(verb).append(" element ").append(T).append(' ').append(e.getKey()).append(" { ");
      boolean first = true;
      for (ServiceRules.Element el : e.getValue()) {
        if (!first) s.append(", ");
        first = false;
        s.append(withValues ? el.text() : el.key());
        n++;
      }
      s.append(" }\n");
    }
    return n;
  }

  /**
   * The transaction that turns {@code before} into {@code after} for the service ports in
   * {@code changed} (ids present in either map; absent from {@code after} = removed).
   * {@code hairpinCounts} (element key → service ports using it) is updated in place: the shared
   * hairpin element is written when its first user appears and deleted when its last one goes.
   */
  public static Script update(Map<?, ServiceRules> before, Map<?, ServiceRules> after, Collection<?> changed, Map<String, Integer> hairpinCounts, long canaryHandle) {
    Map<String, List<ServiceRules.Element>> deleteEls = new LinkedHashMap<>(), addEls = new LinkedHashMap<>();
    List<String> flush = new ArrayList<>(), deleteChains = new ArrayList<>(), deleteSets = new ArrayList<>(), deleteSetsFirst = new ArrayList<>();
    StringBuilder block = new StringBuilder();
    int rules = 0, services = 0, allocations = 0;
    for (Object id : changed) {
      ServiceRules old = before.get(id), neu = after.get(id);
      if (Objects.equals(old, neu)) continue;
      services++;
      var oldChains = old == null ? Map.<String, List<String>>of() : old.chains();
      var newChains = neu == null ? Map.<String, List<String>>of() : neu.chains();
      var oldSets = old == null ? Map.<String, String>of() : old.sets();
      var newSets = neu == null ? Map.<String, String>of() : neu.sets();
      boolean setsChanged = !oldSets.equals(newSets);
      // elements
      Map<String, ServiceRules.Element> oldEls = new HashMap<>(), newEls = new HashMap<>();
      if (old != null) for (ServiceRules.Element e : old.elements()) oldEls.put(e.set() + ' ' + e.key(), e);
      if (neu != null) for (ServiceRules.Element e : neu.elements()) newEls.put(e.set() + ' ' + e.key(), e);
      if (old != null)
        for (ServiceRules.Element e : old.elements()) {
          if (e.equals(newEls.get(e.set() + ' ' + e.key()))) continue;
          if (e.set().equals(NftRenderer.HAIRPIN) && hairpinCounts.merge(e.key(), -1, Integer::sum) > 0) continue;
          if (e.set().equals(NftRenderer.HAIRPIN)) hairpinCounts.remove(e.key());
          deleteEls.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e);
        }
      if (neu != null)
        for (ServiceRules.Element e : neu.elements()) {
          if (e.equals(oldEls.get(e.set() + ' ' + e.key()))) continue;
          if (e.set().equals(NftRenderer.HAIRPIN) && hairpinCounts.merge(e.key(), 1, Integer::sum) > 1) continue;
          addEls.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e);
        }
      // chains: a changed set declaration means every chain of the port is rewritten (they refer to it)
      for (var c : oldChains.entrySet()) {
        List<String> now = newChains.get(c.getKey());
        if (now == null) {
          flush.add(c.getKey());
          deleteChains.add(c.getKey());
        } else if (setsChanged || !now.equals(c.getValue())) {
          flush.add(c.getKey());
        }
      }
      for (var e : oldSets.entrySet()) {
        String now = newSets.get(e.getKey());
        if (now == null) deleteSets.add(e.getKey());
        else if (!now.equals(e.getValue())) deleteSetsFirst.add(e.getKey());
      }
      for (var e : newSets.entrySet())
        if (!e.getValue().equals(oldSets.get(e.getKey())) && ++allocations > 0) block.append("\tset ").append(e.getKey()).append(" { ").append(e.getValue()).append(" }\n");
      for (var c : newChains.entrySet()) {
        List<String> was = oldChains.get(c.getKey());
        if (was == null || setsChanged || !was.equals(c.getValue())) {
          chainBody(block, c.getKey(), c.getValue());
          rules += c.getValue().size();
          allocations += c.getValue().size() + (was == null ? 1 : 0);
        }
      }
    }
    StringBuilder s = new StringBuilder(block.length() + 1024);
    s.append("delete rule ").append(T).append(' ').append(CANARY).append(" handle ").append(canaryHandle).append('\n');
    s.append("add rule ").append(T).append(' ').append(CANARY).append(' ').append(CANARY_RULE).append('\n');
    int elements = elements(s, "delete", deleteEls, false);
    for (String c : flush) s.append("flush chain ").append(T).append(' ').append(c).append('\n');
    for (String set : deleteSetsFirst) s.append("delete set ").append(T).append(' ').append(set).append('\n');
    if (!block.isEmpty()) s.append("table ").append(T).append(" {\n").append(block).append("}\n");
    elements += elements(s, "add", addEls, true);
    for (String c : deleteChains) s.append("delete chain ").append(T).append(' ').append(c).append('\n');
    for (String set : deleteSets) s.append("delete set ").append(T).append(' ').append(set).append('\n');
    return new Script(s.toString(), services, rules, elements, allocations);
  }

  /** Removes the table (nothing when it is not there). */
  public static String removeAll() {
    return "add table " + T + "\ndelete table " + T + "\n";
  }
}
