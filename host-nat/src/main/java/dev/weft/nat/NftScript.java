package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure generation of the nft scripts weft applies with {@code nft -f -}: one script is one
 * transaction. Every add script starts with the {@link #skeleton}, which (re)declares weft's one
 * {@code inet} table idempotently: {@code add table/set/map/chain} are no-ops when present, and
 * the few fixed rules are flushed and re-added in the same transaction, so they are never doubled
 * and never briefly missing. Pods are only set/map elements, each commented with its attachment.
 */
final class NftScript {
  static final String TABLE = "weft_cni_nat";
  static final String FAMILY = "inet";
  private static final String T = FAMILY + " " + TABLE;

  /** An element of one of weft's sets or maps: its key as nft text and its comment. */
  record Element(String set, String key, String comment) {}

  private NftScript() {}

  /** The table, its sets and maps, and its chains with their fixed rules. */
  static String skeleton() {
    StringBuilder s = new StringBuilder();
    s.append("add table ").append(T).append(" { comment \"weft CNI: pod masquerade (ipMasq) and hostPort DNAT (portMappings)\"; }\n");
    for (String v : List.of("v4", "v6")) {
      String addr = v.equals("v4") ? "ipv4_addr" : "ipv6_addr";
      set(s, "masq_sources_" + v, addr, false, "pod IPs whose traffic leaving their subnet is masqueraded");
      set(s, "masq_exempt_" + v, addr + " . " + addr, true, "pod IP . its subnet: traffic within the subnet keeps its source");
      map(s, "hostport_any_" + v, "inet_proto . inet_service : " + addr + " . inet_service", "protocol . hostPort on any local address : pod IP . containerPort");
      map(s, "hostport_on_ip_" + v, addr + " . inet_proto . inet_service : " + addr + " . inet_service", "hostIP . protocol . hostPort : pod IP . containerPort");
      set(s, "hostport_masq_" + v, addr + " . " + addr, true, "source range . pod IP: hostPort traffic masqueraded so replies return via the host (hairpin, localhost)");
    }
    chain(s, "hostport_prerouting", "type nat hook prerouting priority dstnat; policy accept;", "hostPorts: packets from outside and from pods");
    chain(s, "hostport_output", "type nat hook output priority -100; policy accept;", "hostPorts: packets from the host itself, 127.0.0.1 included");
    chain(s, "hostport_dnat", null, "hostPorts: DNAT to pod IP . containerPort; a specific hostIP wins over any address");
    chain(s, "postrouting", "type nat hook postrouting priority srcnat; policy accept;", "masquerade: hostPort hairpin/localhost, then pods with ipMasq");
    for (String c : List.of("hostport_prerouting", "hostport_output", "hostport_dnat", "postrouting")) s.append("flush chain ").append(T).append(' ').append(c).append('\n');
    rule(s, "hostport_prerouting", "fib daddr type local jump hostport_dnat");
    rule(s, "hostport_output", "fib daddr type local jump hostport_dnat");
    rule(s, "hostport_dnat", "meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @hostport_on_ip_v4");
    rule(s, "hostport_dnat", "meta nfproto ipv4 dnat ip to meta l4proto . th dport map @hostport_any_v4");
    rule(s, "hostport_dnat", "meta nfproto ipv6 dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostport_on_ip_v6");
    rule(s, "hostport_dnat", "meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @hostport_any_v6");
    rule(s, "postrouting", "ct status dnat ip saddr . ip daddr @hostport_masq_v4 masquerade comment \"hostPort hairpin and localhost\"");
    rule(s, "postrouting", "ct status dnat ip6 saddr . ip6 daddr @hostport_masq_v6 masquerade comment \"hostPort hairpin\"");
    rule(s, "postrouting", "ip saddr @masq_sources_v4 ip daddr != 224.0.0.0/4 ip saddr . ip daddr != @masq_exempt_v4 masquerade comment \"ipMasq: pod leaving its subnet\"");
    rule(s, "postrouting", "ip6 saddr @masq_sources_v6 ip6 daddr != ff00::/8 ip6 saddr . ip6 daddr != @masq_exempt_v6 masquerade comment \"ipMasq: pod leaving its subnet\"");
    return s.toString();
  }

  /** The whole script of an add: the skeleton, then {@code elements}, in one transaction. */
  static String withSkeleton(String elements) {
    return skeleton() + elements;
  }

  /** The attachment's masquerade elements alone ({@code add element} commands). */
  static String masqueradeElements(AttachmentId id, List<IpPrefix> podAddresses) {
    String c = quoted(AttachmentComment.encode(id));
    Map<String, List<String>> elems = new LinkedHashMap<>();
    for (IpPrefix a : podAddresses) {
      String v = v(a);
      elems.computeIfAbsent("masq_sources_" + v, k -> new ArrayList<>()).add(IpPrefix.format(a.address()) + " comment " + c);
      elems.computeIfAbsent("masq_exempt_" + v, k -> new ArrayList<>()).add(IpPrefix.format(a.address()) + " . " + a.network() + " comment " + c);
    }
    return elements("add", elems);
  }

  /**
   * The attachment's hostPort elements alone (each mapping for each pod address of its family); empty when no
   * mapping applies to any pod address.
   */
  static String hostPortElements(AttachmentId id, List<PortMapping> mappings, List<IpPrefix> podAddresses) {
    String c = quoted(AttachmentComment.encode(id));
    Map<String, List<String>> elems = new LinkedHashMap<>();
    for (IpPrefix a : firstOfEachFamily(podAddresses)) {
      String v = v(a), pod = IpPrefix.format(a.address());
      boolean any = false;
      for (PortMapping m : mappings) {
        if (!m.appliesTo(a.isIpv4())) continue;
        any = true;
        String key = m.protocol() + " . " + m.hostPort();
        String target = " : " + pod + " . " + m.containerPort();
        if (m.hostAddress() == null) elems.computeIfAbsent("hostport_any_" + v, k -> new ArrayList<>()).add(key + " comment " + c + target);
        else elems.computeIfAbsent("hostport_on_ip_" + v, k -> new ArrayList<>()).add(IpPrefix.format(m.hostAddress()) + " . " + key + " comment " + c + target);
      }
      if (!any) continue;
      List<String> masq = elems.computeIfAbsent("hostport_masq_" + v, k -> new ArrayList<>());
      masq.add(a.network() + " . " + pod + " comment " + c);
      if (a.isIpv4()) masq.add("127.0.0.0/8 . " + pod + " comment " + c);
    }
    return elements("add", elems);
  }

  /** hostPorts go to one address per family, the first, as in the reference portmap. */
  static List<IpPrefix> firstOfEachFamily(List<IpPrefix> podAddresses) {
    List<IpPrefix> r = new ArrayList<>();
    podAddresses.stream().filter(IpPrefix::isIpv4).findFirst().ifPresent(r::add);
    podAddresses.stream().filter(IpPrefix::isIpv6).findFirst().ifPresent(r::add);
    return r;
  }

  /** One transaction deleting these elements (each must exist, or nothing is deleted). */
  static String deleteElements(List<Element> victims) {
    Map<String, List<String>> bySet = new LinkedHashMap<>();
    for (Element e : victims) bySet.computeIfAbsent(e.set(), k -> new ArrayList<>()).add(e.key());
    return elements("delete", bySet);
  }

  private static String elements(String verb, Map<String, List<String>> bySet) {
    StringBuilder s = new StringBuilder();
    bySet.forEach((set, items) -> s.append(verb).append(" element ").append(T).append(' ').append(set).append(" { ").append(String.join(", ", items)).append(" }\n"));
    return s.toString();
  }

  private static void set(StringBuilder s, String name, String type, boolean interval, String comment) {
    s.append("add set ").append(T).append(' ').append(name).append(" { type ").append(type).append(';');
    if (interval) s.append(" flags interval;");
    s.append(" comment ").append(quoted(comment)).append("; }\n");
  }

  private static void map(StringBuilder s, String name, String type, String comment) {
    s.append("add map ").append(T).append(' ').append(name).append(" { type ").append(type).append("; comment ").append(quoted(comment)).append("; }\n");
  }

  private static void chain(StringBuilder s, String name, String hook, String comment) {
    s.append("add chain ").append(T).append(' ').append(name).append(" { ");
    if (hook != null) s.append(hook).append(' ');
    s.append("comment ").append(quoted(comment)).append("; }\n");
  }

  private static void rule(StringBuilder s, String chain, String rule) {
    s.append("add rule ").append(T).append(' ').append(chain).append(' ').append(rule).append('\n');
  }

  private static String v(IpPrefix a) {
    return a.isIpv4() ? "v4" : "v6";
  }

  private static String quoted(String s) {
    return '"' + s + '"';
  }
}
