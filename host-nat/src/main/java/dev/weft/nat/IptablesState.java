package dev.weft.nat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The nat table of one family as {@code iptables-save -t nat} prints it: chains and rules. */
record IptablesState(Set<String> chains, List<IptablesState.Rule> rules) {
  /** One {@code -A <chain> <spec>} line; {@code comment} and {@code target} are read from the spec (null if absent). */
  record Rule(String chain, String spec, String comment, String target) {
    /** The restore line deleting exactly this rule. */
    String deleteLine() {
      return "-D " + chain + " " + spec;
    }
  }

  static final IptablesState EMPTY = new IptablesState(Set.of(), List.of());

  /** Parses the {@code *nat} section of iptables-save output. */
  static IptablesState parse(String save) {
    Set<String> chains = new LinkedHashSet<>();
    List<Rule> rules = new ArrayList<>();
    boolean nat = false;
    for (String line : save.split("\n")) {
      if (line.startsWith("*")) nat = line.equals("*nat");
      else if (!nat || line.startsWith("#")) continue;
      else if (line.startsWith(":")) chains.add(line.substring(1, line.indexOf(' ') < 0 ? line.length() : line.indexOf(' ')));
      else if (line.startsWith("-A ")) {
        int sp = line.indexOf(' ', 3);
        if (sp < 0) continue;
        String spec = line.substring(sp + 1);
        rules.add(new Rule(line.substring(3, sp), spec, option(spec, "--comment"), option(spec, "-j")));
      }
    }
    return new IptablesState(chains, rules);
  }

  /** Rules (in any chain) that jump to {@code target}. */
  List<Rule> jumpsTo(String target) {
    return rules.stream().filter(r -> target.equals(r.target())).toList();
  }

  /** The value after {@code opt}, unquoted; null when absent. */
  private static String option(String spec, String opt) {
    int i = (" " + spec).indexOf(" " + opt + " ");
    if (i < 0) return null;
    int start = i + opt.length() + 1;
    if (start >= spec.length()) return null;
    if (spec.charAt(start) == '"') {
      int end = spec.indexOf('"', start + 1);
      return end < 0 ? null : spec.substring(start + 1, end);
    }
    int end = spec.indexOf(' ', start);
    return end < 0 ? spec.substring(start) : spec.substring(start, end);
  }
}
