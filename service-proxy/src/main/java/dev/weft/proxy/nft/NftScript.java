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
 * <p>A full script replaces the whole table atomically, either anew ({@code add table} +
 * {@code delete table} + the table) or in place (see {@link #full}): whatever drifted (flushed,
 * deleted, edited by hand) is gone afterwards. An update script changes only the service ports
 * given to it, in an order the kernel accepts in one transaction: stale elements deleted, changed
 * and removed chains flushed (dropping their references), new balancing groups, sets, chains and
 * rules added, new elements added, then removed chains, sets and groups deleted. A common service
 * port is only elements (see {@link NftRenderer}), so its update is element deletes and adds (plus
 * a balancing group when it is the first with its endpoint count): nft reads only the table's
 * set declarations, and the kernel checks only what the transaction touches — ~5 ms of CPU for nft
 * at 10 000 services, as at one.
 *
 * <p>Every update begins by deleting the canary rule (chain {@code sync-canary}, never jumped to)
 * by its handle and adding it again: if someone flushed or deleted the table the rule is gone, the
 * delete fails, the transaction is refused as a whole, and the backend falls back to a full
 * script. (A canary element would not do: {@code nft flush table} keeps set elements; and reading
 * or echoing a rule makes nft 1.0 fetch every set element of the table, ~1 s at 10 000 services,
 * where a delete by handle reads nothing.) Handles are predicted, never read: the kernel numbers a
 * table's chains, sets and rules from one counter starting at 1 in a new table; nft sends a table
 * block's chains, then its sets, then the rules, so the canary rule (last chain) takes the last
 * handle of a full script, and the first handle of an update.
 *
 * <p>The single element of the set {@code sync-state} records what the table holds: the digest of
 * everything written (the sum of the service ports' digests and the fixed part's), the canary's
 * handle and the table's handle counter. Every transaction rewrites it. A restarted or
 * re-verifying backend reads it ({@code nft list set}: reads only that set) and checks the canary
 * with {@code nft -c} (a transaction the kernel checks and aborts): when both agree with what it
 * would write, it writes nothing.
 */
public final class NftScript {
  public static final String FAMILY = "ip", TABLE = "weft_proxy";
  static final String T = FAMILY + " " + TABLE;
  static final String CANARY = "sync-canary";
  static final String CANARY_RULE = "counter";
  static final String SYNC_STATE = "sync-state";
  /** Changes whenever the layout changes: a table of another layout is never adopted. */
  static final String LAYOUT = "weft-nft-5";
  static final int MASQ_MARK = 0x4000;

  /**
   * Script text with the numbers a {@link dev.weft.proxy.SyncResult} reports.
   *
   * @param allocations kernel handles the transaction allocates after the canary rule (new chains, sets, rules)
   * @param blockRules rules of a full script's table block (the canary's included): the canary's
   *     handle is the last set's plus this
   */
  public record Script(String text, int services, int rules, int elements, int allocations, int blockRules) {
    /** Rules plus elements. */
    public int written() {
      return rules + elements;
    }

    static final Script NOTHING = new Script("", 0, 0, 0, 0, 0);
  }

  /**
   * What the {@code sync-state} element says.
   *
   * @param digest of the table's content (see {@link NftRules.State#digest})
   * @param canary handle of the canary rule
   * @param next the table's last allocated handle
   */
  public record SyncState(long digest, long canary, long next) {
    String comment() {
      return LAYOUT + " digest=" + Long.toHexString(digest) + " canary=" + canary + " next=" + next;
    }

    /** Parses {@code nft list set} output; null when absent or of another layout. */
    static SyncState parse(String listing) {
      int at = listing.indexOf("comment \"" + LAYOUT + " digest=");
      if (at < 0) return null;
      int end = listing.indexOf('"', at + 9);
      if (end < 0) return null;
      String[] w = listing.substring(at + 9, end).split(" ");
      try {
        if (w.length != 4 || !w[0].equals(LAYOUT)) return null;
        return new SyncState(Long.parseUnsignedLong(w[1].substring(7), 16), Long.parseLong(w[2].substring(7)), Long.parseLong(w[3].substring(5)));
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  private NftScript() {}

  /** What a table block declares: chain and set names, and its number of rules. */
  static final class Declared {
    final java.util.Set<String> chains = new java.util.LinkedHashSet<>(), sets = new java.util.LinkedHashSet<>();
    int rules;

    /** Kernel handles the block allocates in a table already holding {@code existing}. */
    int allocations(Existing existing) {
      int a = rules;
      for (String c : chains) if (existing == null || !existing.chains().contains(c)) a++;
      for (String set : sets) if (existing == null || !existing.sets().contains(set) || NftRenderer.isGroupMap(set)) a++;
      return a;
    }
  }

  /**
   * A weft table of this layout found in the kernel, to be rewritten in place.
   *
   * @param next its handle counter (from its sync state)
   */
  public record Existing(java.util.Set<String> chains, java.util.Set<String> sets, long next) {
    /** Parses {@code nft -t} listings of sets, maps and chains of the family (other tables ignored). */
    static Existing parse(String listing, long next) {
      java.util.Set<String> chains = new java.util.HashSet<>(), sets = new java.util.HashSet<>();
      boolean ours = false;
      for (String line : listing.split("\n")) {
        if (line.startsWith("table ")) {
          ours = line.equals("table " + T + " {");
          continue;
        }
        if (!ours || !line.startsWith("\t") || line.startsWith("\t\t") || !line.endsWith(" {")) continue;
        String l = line.substring(1, line.length() - 2);
        if (l.startsWith("chain ")) chains.add(l.substring(6));
        else if (l.startsWith("set ")) sets.add(l.substring(4));
        else if (l.startsWith("map ")) sets.add(l.substring(4));
      }
      return new Existing(chains, sets, next);
    }
  }

  /** Digest of the fixed part for this node (a different node or layout means a different table). */
  static long skeletonDigest(NodeContext node) {
    StringBuilder s = new StringBuilder(4096);
    skeleton(s, node, new Declared());
    s.append(node.clusterCidr()).append(LAYOUT);
    return ServiceRules.mix(ServiceRules.fnv(0xcbf29ce484222325L, s.toString()));
  }

  /**
   * The table's fixed part: maps and sets, base chains and their rules (inside a table block).
   */
  static void skeleton(StringBuilder s, NodeContext node, Declared d) {
    String notPods = node.podCidr() == null ? "" : "ip saddr != " + node.podCidr().network() + " ";
    s.append("\tcomment \"weft service proxy: Services as NAT (nftables backend)\"\n");
    map(s, d, NftRenderer.SERVICE_IPS, "type ipv4_addr . inet_proto . inet_service : verdict", "ClusterIP, externalIP, LoadBalancer IP . protocol . port: the service's entry chain");
    map(s, d, NftRenderer.SERVICE_NODEPORTS, "type inet_proto . inet_service : verdict", "protocol . NodePort, on every local address: the service's external entry chain");
    map(s, d, NftRenderer.NO_ENDPOINT_SERVICES, "type ipv4_addr . inet_proto . inet_service : verdict", "service addresses with no usable endpoint: reject, or drop when only a Local policy leaves none");
    map(s, d, NftRenderer.NO_ENDPOINT_NODEPORTS, "type inet_proto . inet_service : verdict", "NodePorts with no usable endpoint: reject");
    map(s, d, NftRenderer.NO_LOCAL_IPS, "type ipv4_addr . inet_proto . inet_service", "externalTrafficPolicy Local, no endpoint on this node: dropped unless from a local pod");
    map(s, d, NftRenderer.NO_LOCAL_NODEPORTS, "type inet_proto . inet_service", "externalTrafficPolicy Local NodePorts, no endpoint on this node: dropped unless from a local pod");
    map(s, d, NftRenderer.HAIRPIN, "type ipv4_addr . ipv4_addr", "local endpoint . itself: a connection DNAT'd back to its source is masqueraded (hairpin)");
    map(s, d, NftRenderer.SPORTS, "type ipv4_addr : inet_service", "sole service address : the port its endpoints listen on");
    map(s, d, NftRenderer.FIREWALL_IPS, "type ipv4_addr . inet_proto . inet_service",
        "LoadBalancer IP . protocol . port with loadBalancerSourceRanges: new connections from elsewhere are dropped");
    map(s, d, NftRenderer.FIREWALL_ALLOWED, "type ipv4_addr . inet_proto . inet_service . ipv4_addr; flags interval",
        "LoadBalancer IP . protocol . port . a source range it accepts");
    map(s, d, NftRenderer.SPICKS, "typeof numgen random mod 1 : verdict", "endpoint index : the chain that looks that endpoint of a sole-address service up by destination address");
    map(s, d, SYNC_STATE, "type mark", "what weft wrote: layout, digest of the content, canary rule handle, last handle");
    chain(s, d, "filter-prerouting", "type filter hook prerouting priority dstnat - 10; policy accept;",
        "new connections to LoadBalancer IPs from outside their source ranges, to services without usable endpoints",
        FIREWALL_RULE,
        "ct state new ip daddr . meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_SERVICES,
        "ct state new fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_NODEPORTS,
        "ct state new " + notPods + "ip daddr . meta l4proto . th dport @" + NftRenderer.NO_LOCAL_IPS + " drop",
        "ct state new " + notPods + "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport @" + NftRenderer.NO_LOCAL_NODEPORTS + " drop");
    chain(s, d, "filter-output", "type filter hook output priority -110; policy accept;",
        "the node's own new connections to LoadBalancer IPs outside their source ranges, to services without usable endpoints",
        FIREWALL_RULE,
        "ct state new ip daddr . meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_SERVICES,
        "ct state new fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.NO_ENDPOINT_NODEPORTS);
    chain(s, d, "nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", null, "jump services");
    chain(s, d, "nat-output", "type nat hook output priority -100; policy accept;", null, "jump services");
    chain(s, d, "nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;", null,
        "ct status dnat ip saddr . ip daddr @" + NftRenderer.HAIRPIN + " masquerade fully-random comment \"hairpin\"",
        "jump masquerading");
    chain(s, d, "services", null, "dispatch: service addresses, then NodePorts on local addresses (one vmap lookup, then one map lookup: O(1))",
        "ip daddr . meta l4proto . th dport vmap @" + NftRenderer.SERVICE_IPS,
        "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + NftRenderer.SERVICE_NODEPORTS);
    chain(s, d, "masquerading", null, "masquerade what was marked",
        "meta mark & " + hex(MASQ_MARK) + " == 0 return",
        "meta mark set meta mark ^ " + hex(MASQ_MARK),
        "masquerade fully-random");
    chain(s, d, NftRenderer.MARK_MASQ, null, null, "meta mark set meta mark | " + hex(MASQ_MARK));
    chain(s, d, NftRenderer.REJECT, null, "no endpoints: TCP reset, else ICMP port unreachable",
        "meta l4proto tcp reject with tcp reset", "reject");
  }

  /**
   * loadBalancerSourceRanges, before DNAT: a new connection to a firewalled LoadBalancer IP and port
   * whose source is in none of the ranges that address and port accept is dropped. Two lookups in
   * sets that only firewalled service ports have elements in (nothing per service otherwise).
   */
  static final String FIREWALL_RULE = "ct state new ip daddr . meta l4proto . th dport @" + NftRenderer.FIREWALL_IPS
      + " ip daddr . meta l4proto . th dport . ip saddr != @" + NftRenderer.FIREWALL_ALLOWED + " drop";

  /** The rules and elements of the fixed part (for counting). */
  static final int SKELETON_RULES = 21, SKELETON_ELEMENTS = 0;

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }

  private static void map(StringBuilder s, Declared d, String name, String type, String comment) {
    s.append("\t").append(type.contains(" : ") ? "map " : "set ").append(name).append(" { ").append(type)
        .append("; comment \"").append(comment).append("\"; }\n");
    d.sets.add(name);
  }

  private static void chain(StringBuilder s, Declared d, String name, String hook, String comment, String... rules) {
    d.chains.add(name);
    d.rules += rules.length;
    s.append("\tchain ").append(name).append(" {\n");
    if (hook != null) s.append("\t\t").append(hook).append('\n');
    if (comment != null) s.append("\t\tcomment \"").append(comment).append("\"\n");
    for (String r : rules) s.append("\t\t").append(r).append('\n');
    s.append("\t}\n");
  }

  /** Order in which the shared maps and sets get their elements (fixed: golden files, diffs). */
  static final List<String> ELEMENT_ORDER = List.of(NftRenderer.HAIRPIN, NftRenderer.SPICKS, NftRenderer.SPORTS, NftRenderer.SERVICE_IPS, NftRenderer.SERVICE_NODEPORTS,
      NftRenderer.NO_ENDPOINT_SERVICES, NftRenderer.NO_ENDPOINT_NODEPORTS, NftRenderer.NO_LOCAL_IPS, NftRenderer.NO_LOCAL_NODEPORTS,
      NftRenderer.FIREWALL_IPS, NftRenderer.FIREWALL_ALLOWED);

  /**
   * The whole table for these service ports, replacing whatever is there; {@code digest} goes into
   * the sync state with the canary's (predicted) handle.
   *
   * <p>With {@code existing} null the table is deleted and written anew (its handle counter starts
   * again). Given the weft table found in the kernel, it is rewritten in place instead: every rule
   * flushed, the shared maps and sets emptied (the two endpoint maps deleted and declared again),
   * chains and sets the new table does not have deleted, then everything declared and added —
   * kept chains and sets keep their handles, and the sessionAffinity sets of service ports whose
   * declaration did not change keep their clients. The kernel refuses the transaction as a whole
   * when a kept set's declaration differs (an affinity timeout changed); the backend then writes
   * it anew.
   */
  public static Script full(NodeContext node, Collection<ServiceRules> services, Collection<String> groups, long digest, Existing existing) {
    return full(node, services, groups, digest, existing, null);
  }

  /**
   * The same, handing the text to {@code sink} in pieces as it is written (null: none), so that nft can parse the
   * beginning of a large script while the rest is being written; the returned script holds the whole text.
   */
  public static Script full(NodeContext node, Collection<ServiceRules> services, Collection<String> groups, long digest, Existing existing,
      java.util.function.Consumer<CharSequence> sink) {
    int size = 4096;
    for (ServiceRules r : services) size += 48 * (r.ruleCount() + r.chains().size()) + 56 * r.elements().size();
    StringBuilder s = new StringBuilder(size);
    StringBuilder block = new StringBuilder(size / 4);
    Declared d = new Declared();
    block.append("table ").append(T).append(" {\n");
    skeleton(block, node, d);
    int rules = SKELETON_RULES, written = 0;
    List<String> sortedGroups = new ArrayList<>(groups);
    sortedGroups.sort(GROUP_ORDER);
    for (String g : sortedGroups) {
      int r = NftRenderer.group(block, g, node);
      rules += r;
      d.rules += r;
      d.sets.addAll(NftRenderer.groupMaps(g));
      d.chains.addAll(NftRenderer.groupChains(g));
    }
    int indices = sortedGroups.isEmpty() ? 0 : NftRenderer.groupSize(sortedGroups.getLast());
    for (int i = 0; i < indices; i++) {
      int r = NftRenderer.index(block, i);
      rules += r;
      d.rules += r;
      d.sets.add(NftRenderer.SEPS + i);
      d.chains.add(NftRenderer.SPICK + i);
    }
    for (ServiceRules r : services) {
      if (r.isEmpty()) continue;
      written++;
      sets(block, r.sets());
      d.sets.addAll(r.sets().keySet());
      for (var c : r.chains().entrySet()) {
        chainBody(block, c.getKey(), c.getValue());
        rules += c.getValue().size();
        d.chains.add(c.getKey());
        d.rules += c.getValue().size();
      }
    }
    // last in the table: the canary rule gets the table's last handle (elements take none)
    chain(block, d, CANARY, null, "never jumped to: its rule is there while the table is as weft wrote it", CANARY_RULE);
    block.append("}\n");
    s.append("add table ").append(T).append('\n');
    if (existing == null) {
      s.append("delete table ").append(T).append('\n');
    } else {
      s.append("flush table ").append(T).append('\n');
      // the balancing groups' maps are declared again (rules will refer to them anew), the fixed
      // part's emptied, stale chains and sets deleted
      for (String set : existing.sets()) {
        if (NftRenderer.isGroupMap(set)) s.append("delete map ").append(T).append(' ').append(set).append('\n');
        else if (d.sets.contains(set) && (SHARED_SETS.containsKey(set) || isIndexMap(set))) s.append("flush ").append(kind(set)).append(' ').append(T).append(' ').append(set).append('\n');
      }
      for (String c : existing.chains()) if (!d.chains.contains(c)) s.append("delete chain ").append(T).append(' ').append(c).append('\n');
      for (String set : existing.sets())
        if (!d.sets.contains(set) && !NftRenderer.isGroupMap(set)) s.append("delete ").append(kind(set)).append(' ').append(T).append(' ').append(set).append('\n');
    }
    s.append(block);
    Chunks chunks = new Chunks(s, sink);
    chunks.flush();
    Map<String, List<ServiceRules.Element>> bySet = new LinkedHashMap<>();
    for (String set : ELEMENT_ORDER) bySet.put(set, new ArrayList<>());
    for (int i = 0; i < indices; i++) bySet.get(NftRenderer.SPICKS).add(NftRenderer.indexElement(i));
    Map<String, java.util.Set<String>> keys = new HashMap<>();
    for (ServiceRules r : services)
      for (ServiceRules.Element e : r.elements()) {
        // a shared hairpin pair once; a key two service ports both claim once (the kernel would refuse it) — except
        // in the sole-address maps, whose keys are addresses only one service port has
        if (isIndexMap(e.set()) || keys.computeIfAbsent(e.set(), k -> new java.util.HashSet<>()).add(e.key()))
          bySet.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e);
      }
    int elements = SKELETON_ELEMENTS + elements(s, "add", bySet, true, chunks);
    int allocations = d.allocations(existing);
    long canary = (existing == null ? 0 : existing.next()) + allocations;
    syncState(s, new SyncState(digest, canary, canary), false);
    chunks.flush();
    return new Script(s.toString(), written, rules, elements, allocations, d.rules);
  }

  /** Hands what was appended to {@code s} since the last hand-over to the sink, every {@value #CHUNK} chars. */
  private static final class Chunks {
    static final int CHUNK = 64 * 1024;
    private final StringBuilder s;
    private final java.util.function.Consumer<CharSequence> sink;
    private int handed;

    Chunks(StringBuilder s, java.util.function.Consumer<CharSequence> sink) {
      this.s = s;
      this.sink = sink;
    }

    void maybeFlush() {
      if (sink != null && s.length() - handed >= CHUNK) flush();
    }

    void flush() {
      if (sink == null || s.length() == handed) return;
      sink.accept(s.subSequence(handed, s.length()));
      handed = s.length();
    }
  }

  /** A sole-address index map ({@code seps-i}): emptied or deleted by a rewrite in place like the fixed part's maps. */
  static boolean isIndexMap(String set) {
    return set.startsWith(NftRenderer.SEPS);
  }

  /** "map" or "set", for deleting or flushing {@code set}. */
  private static String kind(String set) {
    return isIndexMap(set) ? "map" : SHARED_SETS.getOrDefault(set, "set");
  }

  /** Balancing groups by endpoint count. */
  static final java.util.Comparator<String> GROUP_ORDER = java.util.Comparator.comparingInt(g -> Integer.parseInt(g.substring(NftRenderer.EPS.length())));

  /** The fixed part's maps and sets (name → "map" or "set"), emptied by a rewrite in place. */
  static final Map<String, String> SHARED_SETS = sharedSets();

  private static Map<String, String> sharedSets() {
    Declared d = new Declared();
    StringBuilder s = new StringBuilder();
    skeleton(s, new NodeContext("", List.of(), null, null), d);
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : s.toString().split("\n")) {
      String l = line.strip();
      if (l.startsWith("map ") || l.startsWith("set ")) m.put(l.substring(4, l.indexOf(' ', 4)), l.substring(0, 3));
    }
    return m;
  }

  /** A transaction that only replaces the sync-state element. */
  static String syncStateOnly(SyncState st) {
    StringBuilder s = new StringBuilder(256);
    syncState(s, st, true);
    return s.toString();
  }

  /** The highest set or map handle in {@code nft -a -t} listings of the family's sets and maps (0: none of this table). */
  static long maxSetHandle(String listing) {
    long max = 0;
    boolean ours = false;
    for (String line : listing.split("\n")) {
      if (line.startsWith("table ")) ours = line.equals("table " + T + " {");
      else if (ours && (line.startsWith("\tset ") || line.startsWith("\tmap ")) && line.contains(" { # handle ")) {
        try {
          max = Math.max(max, Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)));
        } catch (NumberFormatException e) {
          // not a handle
        }
      }
    }
    return max;
  }

  /** Writes the sync-state element (deleting the old one first when {@code replace}). */
  static void syncState(StringBuilder s, SyncState st, boolean replace) {
    if (replace) s.append("delete element ").append(T).append(' ').append(SYNC_STATE).append(" { 1 }\n");
    s.append("add element ").append(T).append(' ').append(SYNC_STATE).append(" { 1 comment \"").append(st.comment()).append("\" }\n");
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
    return elements(s, verb, bySet, withValues, null);
  }

  private static int elements(StringBuilder s, String verb, Map<String, List<ServiceRules.Element>> bySet, boolean withValues, Chunks chunks) {
    int n = 0;
    for (var e : bySet.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      s.append(verb).append(" element ").append(T).append(' ').append(e.getKey()).append(" { ");
      boolean first = true;
      for (ServiceRules.Element el : e.getValue()) {
        if (!first) s.append(", ");
        first = false;
        s.append(el.key());
        if (withValues && el.value() != null) s.append(" : ").append(el.value());
        n++;
        if (chunks != null && (n & 255) == 0) chunks.maybeFlush();
      }
      s.append(" }\n");
    }
    return n;
  }

  /**
   * The transaction that turns {@code before} into {@code after} for the service ports in
   * {@code changed} (ids present in either map; absent from {@code after} = removed), or
   * {@link Script#NOTHING} when none of them differs. {@code hairpinCounts} (hairpin element key →
   * service ports using it) is updated in place: the shared hairpin element is written when its
   * first user appears and deleted when its last one goes (decided on the net change, so a
   * transaction never adds and deletes the same element). {@code groupCounts} (balancing group →
   * service ports using it) likewise: a group is declared (maps and chains) when its first user
   * appears, deleted after its last one's elements when it goes.
   *
   * @param prev the sync state the kernel holds (its canary handle and handle counter)
   * @param digest the digest of the table after this transaction
   */
  public static Script update(Map<?, ServiceRules> before, Map<?, ServiceRules> after, Collection<?> changed, Map<String, Integer> hairpinCounts,
      Map<String, Integer> groupCounts, NodeContext node, SyncState prev, long digest) {
    Map<String, List<ServiceRules.Element>> deleteEls = new LinkedHashMap<>(), addEls = new LinkedHashMap<>();
    List<String> flush = new ArrayList<>(), deleteChains = new ArrayList<>(), deleteSets = new ArrayList<>(), deleteSetsFirst = new ArrayList<>();
    Map<String, Integer> hairpinBefore = new LinkedHashMap<>(), groupsBefore = new HashMap<>();
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
      // elements: by key, a changed value is a delete and an add; shared hairpin pairs counted
      List<ServiceRules.Element> oldList = old == null ? List.of() : old.elements(), newList = neu == null ? List.of() : neu.elements();
      Map<String, ServiceRules.Element> oldEls = HashMap.newHashMap(oldList.size()), newEls = HashMap.newHashMap(newList.size());
      for (ServiceRules.Element e : oldList) if (!e.set().equals(NftRenderer.HAIRPIN)) oldEls.put(e.set() + ' ' + e.key(), e);
      for (ServiceRules.Element e : newList) if (!e.set().equals(NftRenderer.HAIRPIN)) newEls.put(e.set() + ' ' + e.key(), e);
      for (ServiceRules.Element e : oldList) {
        if (e.set().equals(NftRenderer.HAIRPIN)) {
          count(hairpinCounts, hairpinBefore, e.key(), -1);
        } else if (!e.equals(newEls.get(e.set() + ' ' + e.key()))) {
          deleteEls.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e);
        }
      }
      for (ServiceRules.Element e : newList) {
        if (e.set().equals(NftRenderer.HAIRPIN)) {
          count(hairpinCounts, hairpinBefore, e.key(), 1);
        } else if (!e.equals(oldEls.get(e.set() + ' ' + e.key()))) {
          addEls.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e);
        }
      }
      if (old != null) for (String g : old.shared()) count(groupCounts, groupsBefore, g, -1);
      if (neu != null) for (String g : neu.shared()) count(groupCounts, groupsBefore, g, 1);
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
    if (services == 0) return Script.NOTHING;
    for (var e : hairpinBefore.entrySet()) {
      int now = hairpinCounts.getOrDefault(e.getKey(), 0);
      if (e.getValue() == 0 && now > 0) addEls.computeIfAbsent(NftRenderer.HAIRPIN, k -> new ArrayList<>()).add(new ServiceRules.Element(NftRenderer.HAIRPIN, e.getKey(), null));
      else if (e.getValue() > 0 && now == 0) deleteEls.computeIfAbsent(NftRenderer.HAIRPIN, k -> new ArrayList<>()).add(new ServiceRules.Element(NftRenderer.HAIRPIN, e.getKey(), null));
    }
    List<String> touched = new ArrayList<>(groupsBefore.keySet()), deleteGroups = new ArrayList<>();
    touched.sort(GROUP_ORDER);
    StringBuilder groupBlock = new StringBuilder();
    for (String g : touched) {
      int was = groupsBefore.get(g), now = groupCounts.getOrDefault(g, 0);
      if (was == 0 && now > 0) {
        int r = NftRenderer.group(groupBlock, g, node);
        rules += r;
        allocations += 2 + NftRenderer.groupChains(g).size() + r;
      } else if (was > 0 && now == 0) {
        deleteGroups.add(g);
      }
    }
    // sole-address indices follow the largest group: new ones declared with the groups, gone ones deleted after them
    int indicesBefore = largestGroup(groupCounts, groupsBefore, true), indicesAfter = largestGroup(groupCounts, groupsBefore, false);
    for (int i = indicesBefore; i < indicesAfter; i++) {
      rules += NftRenderer.index(groupBlock, i);
      allocations += NftRenderer.INDEX_ALLOCATIONS;
      addEls.computeIfAbsent(NftRenderer.SPICKS, k -> new ArrayList<>()).add(NftRenderer.indexElement(i));
    }
    for (int i = indicesAfter; i < indicesBefore; i++)
      deleteEls.computeIfAbsent(NftRenderer.SPICKS, k -> new ArrayList<>()).add(NftRenderer.indexElement(i));
    StringBuilder s = new StringBuilder(block.length() + groupBlock.length() + 1024);
    s.append("delete rule ").append(T).append(' ').append(CANARY).append(" handle ").append(prev.canary()).append('\n');
    s.append("add rule ").append(T).append(' ').append(CANARY).append(' ').append(CANARY_RULE).append('\n');
    int elements = elements(s, "delete", deleteEls, false);
    for (String c : flush) s.append("flush chain ").append(T).append(' ').append(c).append('\n');
    for (String set : deleteSetsFirst) s.append("delete set ").append(T).append(' ').append(set).append('\n');
    if (!block.isEmpty() || !groupBlock.isEmpty()) s.append("table ").append(T).append(" {\n").append(groupBlock).append(block).append("}\n");
    elements += elements(s, "add", addEls, true);
    for (String c : deleteChains) s.append("delete chain ").append(T).append(' ').append(c).append('\n');
    for (String set : deleteSets) s.append("delete set ").append(T).append(' ').append(set).append('\n');
    for (String g : deleteGroups) {
      for (String c : NftRenderer.groupChains(g)) s.append("delete chain ").append(T).append(' ').append(c).append('\n');
      for (String m : NftRenderer.groupMaps(g)) s.append("delete map ").append(T).append(' ').append(m).append('\n');
    }
    for (int i = indicesAfter; i < indicesBefore; i++) {
      s.append("delete chain ").append(T).append(' ').append(NftRenderer.SPICK).append(i).append('\n');
      s.append("delete map ").append(T).append(' ').append(NftRenderer.SEPS).append(i).append('\n');
    }
    SyncState next = new SyncState(digest, prev.next() + 1, prev.next() + 1 + allocations);
    syncState(s, next, true);
    return new Script(s.toString(), services, rules, elements, allocations, 0);
  }

  /**
   * The endpoint count of the largest balancing group in use after ({@code before} false) or before the changes
   * counted into {@code counts}, whose earlier values {@code before} holds for the groups they touched.
   */
  private static int largestGroup(Map<String, Integer> counts, Map<String, Integer> before, boolean wasBefore) {
    int max = 0;
    for (String g : counts.keySet()) if (!wasBefore || !before.containsKey(g)) max = Math.max(max, NftRenderer.groupSize(g));
    if (wasBefore) for (var e : before.entrySet()) if (e.getValue() > 0) max = Math.max(max, NftRenderer.groupSize(e.getKey()));
    return max;
  }

  /** Adds {@code delta} to a reference count, remembering the count before the first change. */
  private static void count(Map<String, Integer> counts, Map<String, Integer> before, String key, int delta) {
    Integer was = counts.get(key);
    before.putIfAbsent(key, was == null ? 0 : was);
    int now = (was == null ? 0 : was) + delta;
    if (now <= 0) counts.remove(key);
    else counts.put(key, now);
  }

  /** Removes the table (nothing when it is not there). */
  public static String removeAll() {
    return "add table " + T + "\ndelete table " + T + "\n";
  }
}
