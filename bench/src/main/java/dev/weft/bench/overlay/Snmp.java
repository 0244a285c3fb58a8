package dev.weft.bench.overlay;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IP fragmentation counters from {@code /proc/net/snmp} of one namespace. The file pairs a header line
 * ({@code Ip: Forwarding DefaultTTL ...}) with a value line ({@code Ip: 1 64 ...}) per protocol.
 */
record Snmp(Map<String, Long> ip) {
  /** The counters that grow when this host fragments (Frag*) or reassembles (Reasm*) an IPv4 packet. */
  static final List<String> FRAG_COUNTERS = List.of("FragCreates", "FragOKs", "FragFails", "ReasmReqds", "ReasmOKs", "ReasmFails");

  Snmp {
    ip = Map.copyOf(ip);
  }

  static Snmp parse(String text) {
    List<String> lines = text.lines().filter(l -> l.startsWith("Ip:")).toList();
    if (lines.size() < 2) throw new IllegalArgumentException("no Ip: header and value lines in /proc/net/snmp: " + text.strip());
    String[] keys = lines.get(0).substring(3).strip().split("\\s+");
    String[] vals = lines.get(1).substring(3).strip().split("\\s+");
    if (keys.length != vals.length) throw new IllegalArgumentException("Ip: header has " + keys.length + " fields, values " + vals.length);
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) m.put(keys[i], Long.parseLong(vals[i]));
    for (String k : FRAG_COUNTERS)
      if (!m.containsKey(k)) throw new IllegalArgumentException("no Ip " + k + " in /proc/net/snmp");
    return new Snmp(m);
  }

  /** The fragmentation counters only, in {@link #FRAG_COUNTERS} order. */
  Map<String, Long> frag() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String k : FRAG_COUNTERS) m.put(k, ip.get(k));
    return m;
  }

  /** How much each fragmentation counter grew from {@code before} to this; only non-zero entries. */
  Map<String, Long> fragGrowthSince(Snmp before) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String k : FRAG_COUNTERS) {
      long d = ip.get(k) - before.ip.get(k);
      if (d != 0) m.put(k, d);
    }
    return m;
  }
}
