package dev.weft.nat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.Sh;

/**
 * Looks at the rules with the tools a network engineer would use ({@code nft -j list ruleset},
 * {@code iptables-save}, {@code ip6tables-save}), parsed independently of weft's own readers.
 */
final class RuleObserver {
  private RuleObserver() {}

  /**
   * How many copies of the attachment's rules of a kind ("masq" or "hostport") exist: for nft,
   * the number of elements in {@code masq_sources_*} / {@code hostport_masq_*} commented with
   * the attachment; for iptables, the number of jumps to its chains.
   */
  static int count(String backend, String ns, AttachmentId id, String kind) {
    String comment = AttachmentComment.encode(id);
    int n = 0;
    if (backend.equals("nftables")) {
      for (JsonNode item : Sh.json("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset").path("nftables")) {
        JsonNode set = item.has("set") ? item.get("set") : item.get("map");
        if (set == null) continue;
        String name = set.path("name").asText();
        if (!name.startsWith(kind.equals("masq") ? "masq_sources_" : "hostport_any_")) continue;
        for (JsonNode e : set.path("elem")) {
          JsonNode key = e.isArray() ? e.get(0) : e;
          if (comment.equals(key.path("elem").path("comment").asText())) n++;
        }
      }
      return n;
    }
    String prefix = kind.equals("masq") ? IptablesScript.masqChain(id) : IptablesScript.dnChain(id);
    for (String save : new String[] {"iptables-save", "ip6tables-save"}) {
      for (String line : Sh.run("ip", "netns", "exec", ns, save, "-t", "nat").split("\n")) {
        if (line.startsWith("-A ") && line.contains("\"" + comment + "\"") && line.endsWith("-j " + prefix)) n++;
      }
    }
    return n;
  }

  /** Whether any weft attachment comment, per-attachment chain or element is left. */
  static boolean anyAttachment(String backend, String ns) {
    if (backend.equals("nftables")) return Sh.run("ip", "netns", "exec", ns, "nft", "list", "ruleset").contains("net=");
    String all = Sh.run("ip", "netns", "exec", ns, "iptables-save", "-t", "nat") + Sh.run("ip", "netns", "exec", ns, "ip6tables-save", "-t", "nat");
    return all.contains("net=") || all.contains("WEFT-MASQ-") || all.contains("WEFT-DN-");
  }
}
