package dev.weft.cni;

import dev.weft.cni.protocol.Json;
import dev.weft.kernel.MacAddress;
import dev.weft.nat.AttachmentId;
import dev.weft.nat.NatException;
import dev.weft.nat.NetnsCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code macspoofchk}: frames entering the bridge from a checked pod port must carry the pod's MAC.
 * One nftables table of the bridge family, two sets (checked ports; allowed port·MAC pairs) and one
 * rule, so a pod is two set elements, added and removed in one transaction.
 */
final class MacSpoofRules {
  static final String TABLE = "weft_macspoofchk";
  private static final String SKELETON = """
      add table bridge %1$s
      add set bridge %1$s ports { type ifname; comment "pod ports whose source MAC is checked"; }
      add set bridge %1$s allowed { type ifname . ether_addr; comment "the MAC each checked port may send from"; }
      add chain bridge %1$s prerouting { type filter hook prerouting priority -300; policy accept; }
      flush chain bridge %1$s prerouting
      add rule bridge %1$s prerouting iifname @ports iifname . ether saddr != @allowed counter drop comment "weft: spoofed source MAC"
      """.formatted(TABLE);

  private final NetnsCommand cmd;

  MacSpoofRules(Path netns) {
    this.cmd = new NetnsCommand(netns);
  }

  void add(String port, MacAddress mac, AttachmentId id) {
    String comment = "weft: net=" + id.network() + " id=" + id.containerId() + " if=" + id.ifname();
    nft(SKELETON
        + "add element bridge " + TABLE + " ports { \"" + port + "\" comment \"" + comment + "\" }\n"
        + "add element bridge " + TABLE + " allowed { \"" + port + "\" . " + mac + " }\n");
  }

  void remove(String port) {
    retain(p -> !p.equals(port));
  }

  void retainOnly(Set<String> keepPorts) {
    retain(keepPorts::contains);
  }

  private void retain(java.util.function.Predicate<String> keep) {
    StringBuilder script = new StringBuilder();
    for (Object e : elements("ports")) if (e instanceof String p && !keep.test(p))
      script.append("delete element bridge ").append(TABLE).append(" ports { \"").append(p).append("\" }\n");
    for (Object e : elements("allowed")) {
      if (!(e instanceof Map<?, ?> m) || !(m.get("concat") instanceof List<?> c) || c.size() != 2) continue;
      if (c.get(0) instanceof String p && !keep.test(p))
        script.append("delete element bridge ").append(TABLE).append(" allowed { \"").append(p).append("\" . ").append(c.get(1)).append(" }\n");
    }
    if (!script.isEmpty()) nft(script.toString());
  }

  /** The set's element values as {@code nft -j} prints them; empty when the table does not exist. */
  private List<Object> elements(String set) {
    String out = run(List.of("nft", "-j", "list", "set", "bridge", TABLE, set), null, true);
    if (out == null) return List.of();
    List<Object> values = new ArrayList<>();
    if (!(Json.parse(out) instanceof Map<?, ?> root) || !(root.get("nftables") instanceof List<?> items)) return values;
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> m) || !(m.get("set") instanceof Map<?, ?> s) || !(s.get("elem") instanceof List<?> elems)) continue;
      for (Object el : elems) values.add(el instanceof Map<?, ?> em && em.get("elem") instanceof Map<?, ?> inner ? inner.get("val") : el);
    }
    return values;
  }

  private void nft(String script) {
    cmd.run(script, "nft", "-f", "-");
  }

  /** nft's output, or null when it failed and {@code missingOk} (the table does not exist yet). */
  private String run(List<String> argv, String stdin, boolean missingOk) {
    NetnsCommand.Result r = cmd.exec(stdin, argv.toArray(String[]::new));
    if (r.exit() == 0) return r.out();
    if (missingOk) return null;
    throw new NatException(r.argv(), r.err().strip());
  }
}
