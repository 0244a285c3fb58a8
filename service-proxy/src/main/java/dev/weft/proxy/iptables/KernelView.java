package dev.weft.proxy.iptables;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a full sync needs to know about the kernel, read from {@code iptables-save}: the proxy's
 * chains present in the nat and filter tables (stale ones get deleted) and the rules in built-in
 * chains that jump to them (deleted and re-inserted, so the jumps end up exactly once, first).
 *
 * @param natBaseJumps restore lines deleting each such rule, per table: {@code -D PREROUTING <spec as saved>}
 * @param natBusy built-in chains holding rules of others (ours go first with {@code -I 1}; into an
 *     empty chain iptables-nft can only {@code -A} once it caches rules)
 * @param natBuiltins the nat table's built-in chains that exist (none before anyone used the table)
 */
public record KernelView(Set<String> natChains, Set<String> filterChains, List<String> natBaseJumps, List<String> filterBaseJumps,
    Set<String> natBusy, Set<String> filterBusy, Set<String> natBuiltins) {
  public static final KernelView EMPTY = new KernelView(Set.of(), Set.of(), List.of(), List.of(), Set.of(), Set.of(), Set.of());

  /** Parses {@code iptables-save} output (all tables, or just nat and filter). */
  public static KernelView parse(String save) {
    Set<String> nat = new LinkedHashSet<>(), filter = new LinkedHashSet<>();
    List<String> natJumps = new ArrayList<>(), filterJumps = new ArrayList<>();
    Set<String> natBusy = new LinkedHashSet<>(), filterBusy = new LinkedHashSet<>(), natBuiltins = new LinkedHashSet<>();
    String table = "";
    int n = save.length();
    for (int start = 0; start < n; ) {
      int end = save.indexOf('\n', start);
      if (end < 0) end = n;
      String line = save.substring(start, end);
      start = end + 1;
      if (line.startsWith("*")) {
        table = line.substring(1).strip();
        continue;
      }
      boolean isNat = table.equals("nat");
      if (!isNat && !table.equals("filter")) continue;
      if (line.startsWith(":")) {
        int sp = line.indexOf(' ');
        String chain = line.substring(1, sp < 0 ? line.length() : sp);
        if (ChainNames.isProxyChain(chain)) (isNat ? nat : filter).add(chain);
        else if (isNat && isBuiltin(chain)) natBuiltins.add(chain);
      } else if (line.startsWith("-A ")) {
        int sp = line.indexOf(' ', 3);
        if (sp < 0) continue;
        String chain = line.substring(3, sp);
        if (!isBuiltin(chain)) continue;
        String target = target(line);
        if (target != null && ChainNames.isProxyChain(target)) (isNat ? natJumps : filterJumps).add("-D " + line.substring(3));
        else (isNat ? natBusy : filterBusy).add(chain);
      }
    }
    return new KernelView(nat, filter, natJumps, filterJumps, natBusy, filterBusy, natBuiltins);
  }

  static boolean isBuiltin(String chain) {
    return switch (chain) {
      case "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" -> true;
      default -> false;
    };
  }

  private static String target(String line) {
    int i = line.lastIndexOf(" -j ");
    if (i < 0) return null;
    int s = i + 4, e = line.indexOf(' ', s);
    return e < 0 ? line.substring(s) : line.substring(s, e);
  }
}
