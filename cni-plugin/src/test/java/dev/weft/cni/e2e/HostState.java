package dev.weft.cni.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.Sh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A snapshot of everything a plugin could change: the host's links with their kind, master and
 * addresses, the host's nft ruleset and iptables rules, every file under the network's data dir
 * (the lock file excepted) and the pods' links. Two snapshots compare with equals; the record's
 * toString makes the difference readable in a failure.
 */
record HostState(List<String> hostLinks, String rules, Map<String, String> files, List<String> podLinks) {

  static HostState of(Net net, String... pods) {
    List<String> pl = new ArrayList<>();
    for (String p : pods) pl.addAll(summary(p));
    return new HostState(summary(net.host), Obs.rules(net.host), files(net.dataDir), pl);
  }

  private static List<String> summary(String ns) {
    List<String> out = new ArrayList<>();
    JsonNode addrs = Sh.ip(ns, "addr", "show");
    for (JsonNode l : Obs.links(ns)) {
      StringBuilder b = new StringBuilder(ns + ":" + l.get("ifname").asText());
      b.append(" kind=").append(l.path("linkinfo").path("info_kind").asText("-"));
      if (l.has("master")) b.append(" master=").append(l.get("master").asText());
      if (l.has("ifalias")) b.append(" alias=").append(l.get("ifalias").asText());
      for (JsonNode a : addrs) {
        if (a.get("ifindex").asInt() != l.get("ifindex").asInt()) continue;
        for (JsonNode ai : a.path("addr_info")) {
          if ("inet".equals(ai.path("family").asText()) || !"link".equals(ai.path("scope").asText()))
            b.append(' ').append(ai.path("local").asText()).append('/').append(ai.path("prefixlen").asInt());
        }
      }
      out.add(b.toString());
    }
    return out;
  }

  private static Map<String, String> files(Path root) {
    Map<String, String> m = new TreeMap<>();
    if (!Files.exists(root)) return m;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (!Files.isRegularFile(p) || p.getFileName().toString().equals("lock")) continue;
        m.put(root.relativize(p).toString(), Files.readString(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }
}
