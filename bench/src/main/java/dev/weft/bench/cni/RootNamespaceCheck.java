package dev.weft.bench.cni;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What of the bench's could show up in the root namespace: a link named like its bridges
 * ({@code wftbr-*}), a veth or bridge port of theirs, an nftables (or iptables-nft) line naming
 * one of its subnets (10.213.x). Taken before and after a run by the launcher, which is in the root
 * namespace; only what is new counts, so someone else's leftovers do not fail the bench.
 */
record RootNamespaceCheck(Set<String> items) {

  static RootNamespaceCheck snapshot() throws IOException, InterruptedException {
    Set<String> items = new TreeSet<>();
    for (String l : Netns.Sh.run("ip", "-o", "link", "show").out().split("\n")) {
      String[] f = l.split(":\\s+", 3);
      if (f.length < 2) continue;
      String name = f[1].split("@")[0];
      if (name.startsWith("wftbr-") || l.contains("master wftbr-")) items.add("link " + name);
    }
    for (String l : Netns.Sh.run("nft", "list", "ruleset").out().split("\n"))
      if (l.contains("10.213.")) items.add("nft: " + l.strip());
    return new RootNamespaceCheck(items);
  }

  List<String> newSince(RootNamespaceCheck after) {
    List<String> out = new ArrayList<>();
    for (String i : after.items) if (!items.contains(i)) out.add(i);
    return out;
  }
}
