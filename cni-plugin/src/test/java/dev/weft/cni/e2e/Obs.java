package dev.weft.cni.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.Sh;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Independent observers of kernel state: iproute2 ({@code ip -j}, {@code bridge -j}), nft,
 * iptables-save, ping. Nothing here asks the plugin.
 */
final class Obs {
  private Obs() {}

  /** {@code ip -j -d link show} in {@code ns}. */
  static JsonNode links(String ns) {
    return Sh.ip(ns, "-d", "link", "show");
  }

  static Set<String> linkNames(String ns) {
    Set<String> s = new TreeSet<>();
    for (JsonNode l : links(ns)) s.add(l.get("ifname").asText());
    return s;
  }

  /** The link called {@code name}, or null. */
  static JsonNode link(String ns, String name) {
    for (JsonNode l : links(ns)) if (name.equals(l.get("ifname").asText())) return l;
    return null;
  }

  /** IPv4 addresses of {@code dev} as "a.b.c.d/len". */
  static List<String> addrs4(String ns, String dev) {
    List<String> out = new ArrayList<>();
    for (JsonNode l : Sh.ip(ns, "addr", "show", "dev", dev)) {
      for (JsonNode a : l.path("addr_info")) {
        if ("inet".equals(a.path("family").asText())) out.add(a.get("local").asText() + "/" + a.get("prefixlen").asInt());
      }
    }
    return out;
  }

  /** IPv4 routes of the main table in {@code ns} ({@code ip -j route}). */
  static JsonNode routes4(String ns) {
    return Sh.ip(ns, "-4", "route", "show");
  }

  /** The IPv4 default route's gateway, or null. */
  static String defaultGateway(String ns) {
    for (JsonNode r : routes4(ns)) if ("default".equals(r.path("dst").asText())) return r.path("gateway").asText(null);
    return null;
  }

  /** {@code bridge -j -d link show}: the bridge ports with their flags (hairpin, state...). */
  static JsonNode bridgePorts(String ns) {
    return Sh.json("bridge", "-j", "-d", "-n", ns, "link", "show");
  }

  static JsonNode bridgePort(String ns, String port) {
    for (JsonNode p : bridgePorts(ns)) if (port.equals(p.path("ifname").asText())) return p;
    return null;
  }

  static JsonNode vlans(String ns) {
    return Sh.json("bridge", "-j", "-n", ns, "vlan", "show");
  }

  /** The whole nat/filter picture: {@code nft list ruleset} plus {@code iptables-save}, comments dropped. */
  /**
   * Whether a rule or element in {@code rules} (from {@link #rules}) belongs to container {@code cid}: weft's
   * comments read {@code net=<network> id=<cid> if=<ifname>}, so the id is matched as a whole, not as a
   * substring (a random network name like e2e-5887c11 contains "c1").
   */
  static boolean namesContainer(String rules, String cid) {
    return rules.contains("id=" + cid + " ");
  }

  static String rules(String ns) {
    StringBuilder b = new StringBuilder();
    b.append(Lab.must(ns, "nft", "list", "ruleset"));
    Exec.Out ipt = Lab.in(ns, "iptables-save");
    if (ipt.exit() == 0) {
      b.append("\n# iptables-save\n");
      ipt.stdout().lines().filter(l -> !l.startsWith("#")).forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

  /** {@code iptables-save} alone: what the iptables (xtables) backend wrote, and nothing of nft-native tables. */
  static String iptablesSave(String ns) {
    StringBuilder b = new StringBuilder();
    Lab.must(ns, "iptables-save").lines().filter(l -> !l.startsWith("#")).forEach(l -> b.append(l).append('\n'));
    return b.toString();
  }

  /**
   * Host addresses of the /24 {@code prefix} named in rule text (pod IPs in masquerade or DNAT
   * rules), the gateway excepted; subnet-wide prefixes like 10.1.2.0/24 don't count.
   */
  static Set<String> podAddressesIn(String rules, String prefix, String except) {
    Set<String> s = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![\\d.])" + Pattern.quote(prefix) + "\\.(\\d{1,3})(/(\\d+))?(?![\\d.])").matcher(rules);
    while (m.find()) {
      String ip = prefix + "." + m.group(1);
      if (m.group(3) != null && Integer.parseInt(m.group(3)) < 32) continue;
      if (ip.equals(except)) continue;
      s.add(ip);
    }
    return s;
  }

  /** Whether {@code ip} (a whole address, not a prefix of a longer one) appears in {@code text}. */
  static boolean mentions(String text, String ip) {
    return Pattern.compile("(?<![\\d.])" + Pattern.quote(ip) + "(?![\\d])").matcher(text).find();
  }

  /** ping from {@code ns}: true when one of {@code tries} single pings is answered. */
  static boolean ping(String ns, String ip, int tries) {
    for (int i = 0; i < tries; i++) {
      if (Lab.in(ns, "ping", "-c", "1", "-W", "1", "-n", "-q", ip).exit() == 0) return true;
    }
    return false;
  }

  static String sysctl(String ns, String key) {
    return Lab.must(ns, "sysctl", "-n", key).strip();
  }

  /** CIDR address without the prefix length. */
  static String ip(String cidr) {
    int i = cidr.indexOf('/');
    return i < 0 ? cidr : cidr.substring(0, i);
  }
}
