package dev.weft.bench.overlay;

import dev.weft.bench.overlay.OverlayResults.PathSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text table, the ratios and the JSON document of a run. */
final class OverlayReport {
  /** Overlay (cross-node) over underlay, and same-node over underlay; a latency ratio > 1 means slower than the underlay. */
  record Ratios(double cross1, double crossP, List<Double> cross1Rounds, List<Double> crossPRounds, double same1, double sameP, double crossRrP50,
      double crossRrP99, double crossPingP50, double sameRrP50) {}

  private OverlayReport() {}

  static Ratios ratios(OverlayResults r) {
    PathSummary s = r.summary(BenchPath.SAME_NODE), x = r.summary(BenchPath.CROSS_NODE), u = r.summary(BenchPath.UNDERLAY);
    return new Ratios(OverlayResults.ratio(x.tput1Median(), u.tput1Median()), OverlayResults.ratio(x.tputPMedian(), u.tputPMedian()),
        r.roundRatios(BenchPath.CROSS_NODE, BenchPath.UNDERLAY, 1), r.roundRatios(BenchPath.CROSS_NODE, BenchPath.UNDERLAY, r.parallel),
        OverlayResults.ratio(s.tput1Median(), u.tput1Median()), OverlayResults.ratio(s.tputPMedian(), u.tputPMedian()),
        OverlayResults.ratio(x.rrP50Us(), u.rrP50Us()), OverlayResults.ratio(x.rrP99Us(), u.rrP99Us()),
        OverlayResults.ratio(x.pingP50Us(), u.pingP50Us()), OverlayResults.ratio(s.rrP50Us(), u.rrP50Us()));
  }

  static String text(OverlayResults r, OverlayOptions o, String started) {
    StringBuilder b = new StringBuilder();
    int p = r.parallel;
    b.append(f("overlay bench %s  lab %s  rounds %d (a b c interleaved), iperf3 -t %d -O 1, TCP RR %d B x %d/round%n", started,
        o.labName(), o.rounds(), o.seconds(), o.rrSize(), o.rrSamples()));
    b.append(f("%-31s %-27s %-27s %-15s %-15s%n", "", "TCP 1 stream  Gbit/s", "TCP -P " + p + "  Gbit/s", "TCP RR  us", "ICMP  us"));
    b.append(f("%-31s %-27s %-27s %-15s %-15s%n", "path", "median [min-max]     retr", "median [min-max]     retr", "p50     p99", "p50     p99"));
    for (BenchPath bp : r.paths) {
      PathSummary s = r.summary(bp.id());
      b.append(f("%-31s %6.2f [%5.2f-%5.2f] %6d %6.2f [%5.2f-%5.2f] %6d %6.1f %7.1f %6.1f %7.1f%n", bp.label(), s.tput1Median(), Stats.min(s.tput1Gbps()),
          Stats.max(s.tput1Gbps()), s.retransmits1(), s.tputPMedian(), Stats.min(s.tputPGbps()), Stats.max(s.tputPGbps()), s.retransmitsP(), s.rrP50Us(),
          s.rrP99Us(), s.pingP50Us(), s.pingP99Us()));
    }
    Ratios q = ratios(r);
    b.append(f("overlay/underlay: throughput 1 stream %.2fx (per round %s), -P %d %.2fx (per round %s); TCP RR p50 %.2fx, p99 %.2fx; ICMP p50 %.2fx%n",
        q.cross1(), range(q.cross1Rounds()), p, q.crossP(), range(q.crossPRounds()), q.crossRrP50(), q.crossRrP99(), q.crossPingP50()));
    b.append(f("same node/underlay: throughput 1 stream %.2fx, -P %d %.2fx; TCP RR p50 %.2fx%n", q.same1(), p, q.sameP(), q.sameRrP50()));
    b.append(f("MTU: pod eth0 %s, %s %s, underlay eth0 %s%n", r.mtu.get("podEth0"), OverlayBench.VXLAN_DEV, r.mtu.get("vxlanNode1"),
        r.mtu.get("underlayEth0Node1")));
    long runs = r.tput.size();
    List<String> fragmented = r.tput.stream().filter(t -> !t.fragGrowth().isEmpty()).map(t -> t.path() + " round " + t.round() + " -P "
        + t.iperf().streams() + ": " + t.fragGrowth()).toList();
    b.append(fragmented.isEmpty()
        ? f("fragmentation: none - Ip Frag*/Reasm* of node-1, node-2 and the 3 pods unchanged over all %d iperf3 runs%n", runs)
        : f("fragmentation: FOUND in %d of %d iperf3 runs: %s%n", fragmented.size(), runs, String.join("; ", fragmented)));
    for (OverlayResults.Check c : r.checks) b.append(f("  %s %s (%s)%n", c.passed() ? "ok  " : "FAIL", c.name(), c.detail()));
    b.append(f("load: start [%s], end [%s]%n", r.machine.get("uptimeStart"), r.machine.get("uptimeEnd")));
    return b.toString();
  }

  private static String range(List<Double> v) {
    return v.isEmpty() ? "-" : f("%.2f-%.2f", Stats.min(v), Stats.max(v));
  }

  private static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }

  // ---------------------------------------------------------------------------------------------- JSON

  static Map<String, Object> json(OverlayResults r, OverlayOptions o, String started, String command) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "overlay");
    m.put("started", started);
    m.put("command", command);
    Map<String, Object> opts = new LinkedHashMap<>();
    opts.put("rounds", o.rounds());
    opts.put("iperf3", "-J -t " + o.seconds() + " -O 1 (and -P " + o.parallel() + ")");
    opts.put("rrSize", o.rrSize());
    opts.put("rrWarmup", o.rrWarmup());
    opts.put("rrSamples", o.rrSamples());
    opts.put("pingCount", o.pingCount());
    opts.put("order", "per round: iperf3 1 stream a b c, iperf3 -P a b c, TCP RR a b c, ping a b c");
    m.put("options", opts);
    m.put("machine", r.machine);
    List<Object> paths = new ArrayList<>();
    for (BenchPath p : r.paths) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("id", p.id());
      x.put("label", p.label());
      x.put("client", p.clientName());
      x.put("clientNetns", p.clientNs());
      x.put("server", p.serverName());
      x.put("serverNetns", p.serverNs());
      x.put("serverIp", p.serverIp());
      x.put("overlay", p.overlay());
      paths.add(x);
    }
    m.put("paths", paths);
    Map<String, Object> summary = new LinkedHashMap<>();
    for (BenchPath p : r.paths) {
      PathSummary s = r.summary(p.id());
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("tput1GbpsMedian", d(s.tput1Median()));
      x.put("tput1Gbps", ds(s.tput1Gbps()));
      x.put("tputPGbpsMedian", d(s.tputPMedian()));
      x.put("tputPGbps", ds(s.tputPGbps()));
      x.put("retransmits1", s.retransmits1());
      x.put("retransmitsP", s.retransmitsP());
      x.put("tcpRrP50Us", d(s.rrP50Us()));
      x.put("tcpRrP99Us", d(s.rrP99Us()));
      x.put("tcpRrRoundP50Us", ds(s.rrRoundP50Us()));
      x.put("pingP50Us", d(s.pingP50Us()));
      x.put("pingP99Us", d(s.pingP99Us()));
      x.put("pingLost", s.pingLost());
      summary.put(p.id(), x);
    }
    m.put("summary", summary);
    Ratios q = ratios(r);
    Map<String, Object> ratios = new LinkedHashMap<>();
    ratios.put("overlayOverUnderlayTput1", d(q.cross1()));
    ratios.put("overlayOverUnderlayTput1PerRound", ds(q.cross1Rounds()));
    ratios.put("overlayOverUnderlayTputP", d(q.crossP()));
    ratios.put("overlayOverUnderlayTputPPerRound", ds(q.crossPRounds()));
    ratios.put("overlayOverUnderlayTcpRrP50", d(q.crossRrP50()));
    ratios.put("overlayOverUnderlayTcpRrP99", d(q.crossRrP99()));
    ratios.put("overlayOverUnderlayPingP50", d(q.crossPingP50()));
    ratios.put("sameNodeOverUnderlayTput1", d(q.same1()));
    ratios.put("sameNodeOverUnderlayTputP", d(q.sameP()));
    ratios.put("sameNodeOverUnderlayTcpRrP50", d(q.sameRrP50()));
    m.put("ratios", ratios);
    m.put("mtu", r.mtu);
    Map<String, Object> frag = new LinkedHashMap<>();
    frag.put("none", r.noFragmentation());
    frag.put("counters", Snmp.FRAG_COUNTERS);
    frag.put("observed", List.of("node-1", "node-2", "bench-a", "bench-b", "bench-c"));
    frag.put("iperf3Runs", r.tput.size());
    m.put("fragmentation", frag);
    List<Object> checks = new ArrayList<>();
    for (OverlayResults.Check c : r.checks) checks.add(Map.of("name", c.name(), "passed", c.passed(), "detail", c.detail()));
    m.put("checks", checks);
    m.put("allPassed", r.allChecksPassed());
    Map<String, Object> samples = new LinkedHashMap<>();
    List<Object> ip = new ArrayList<>();
    for (OverlayResults.Tput t : r.tput) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("path", t.path());
      x.put("round", t.round());
      x.put("seq", t.seq());
      x.put("streams", t.iperf().streams());
      x.put("receivedBps", d(t.iperf().receivedBps()));
      x.put("sentBps", d(t.iperf().sentBps()));
      x.put("retransmits", t.iperf().retransmits());
      x.put("hostCpuPct", d(t.iperf().hostCpuPct()));
      x.put("remoteCpuPct", d(t.iperf().remoteCpuPct()));
      x.put("intervalBps", ds(t.iperf().intervalBps()));
      x.put("fragGrowth", t.fragGrowth());
      ip.add(x);
    }
    samples.put("iperf3", ip);
    List<Object> rr = new ArrayList<>();
    for (OverlayResults.Rr t : r.rr) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("path", t.path());
      x.put("round", t.round());
      x.put("seq", t.seq());
      List<Object> v = new ArrayList<>(t.rttNanos().length);
      for (long n : t.rttNanos()) v.add(n);
      x.put("rttNanos", v);
      rr.add(x);
    }
    samples.put("tcpRr", rr);
    List<Object> pings = new ArrayList<>();
    for (OverlayResults.Ping t : r.ping) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("path", t.path());
      x.put("round", t.round());
      x.put("seq", t.seq());
      x.put("transmitted", t.ping().transmitted());
      x.put("received", t.ping().received());
      x.put("rttMicros", ds(t.ping().rttMicros()));
      pings.add(x);
    }
    samples.put("ping", pings);
    m.put("samples", samples);
    return m;
  }

  /** JSON has no NaN: a missing value is null. */
  static Object d(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : (Object) v;
  }

  static List<Object> ds(List<Double> v) {
    List<Object> out = new ArrayList<>(v.size());
    for (double x : v) out.add(d(x));
    return out;
  }
}
