package dev.weft.bench.overlay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, and the summaries the report shows. */
final class OverlayResults {
  /** One iperf3 run; {@code fragGrowth}: namespace name -> counters that grew during the run (empty = none). */
  record Tput(String path, int round, int seq, IperfResult iperf, Map<String, Map<String, Long>> fragGrowth) {}

  record Rr(String path, int round, int seq, long[] rttNanos) {}

  record Ping(String path, int round, int seq, PingResult ping) {}

  /** A pass/fail check of the MTU and fragmentation part. */
  record Check(String name, boolean passed, String detail) {}

  record PathSummary(String path, List<Double> tput1Gbps, List<Double> tputPGbps, long retransmits1, long retransmitsP, double rrP50Us,
      double rrP99Us, List<Double> rrRoundP50Us, double pingP50Us, double pingP99Us, int pingLost) {
    double tput1Median() {
      return Stats.median(tput1Gbps);
    }

    double tputPMedian() {
      return Stats.median(tputPGbps);
    }
  }

  final List<BenchPath> paths = new ArrayList<>();
  final List<Tput> tput = new ArrayList<>();
  final List<Rr> rr = new ArrayList<>();
  final List<Ping> ping = new ArrayList<>();
  final List<Check> checks = new ArrayList<>();
  final Map<String, Object> mtu = new LinkedHashMap<>();
  final Map<String, Object> machine = new LinkedHashMap<>();
  int parallel;

  BenchPath path(String id) {
    return paths.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException("no path " + id));
  }

  PathSummary summary(String path) {
    List<Double> t1 = new ArrayList<>(), tp = new ArrayList<>();
    long r1 = 0, rp = 0;
    for (Tput t : tput) {
      if (!t.path().equals(path)) continue;
      if (t.iperf().streams() == 1) {
        t1.add(t.iperf().receivedGbps());
        r1 += t.iperf().retransmits();
      } else {
        tp.add(t.iperf().receivedGbps());
        rp += t.iperf().retransmits();
      }
    }
    List<long[]> rrs = rr.stream().filter(r -> r.path().equals(path)).map(Rr::rttNanos).toList();
    int n = rrs.stream().mapToInt(a -> a.length).sum();
    double[] all = new double[n];
    int k = 0;
    List<Double> roundP50 = new ArrayList<>();
    for (long[] a : rrs) {
      for (long v : a) all[k++] = v / 1000.0;
      roundP50.add(Stats.percentile(a, 50) / 1000.0);
    }
    List<Double> pings = new ArrayList<>();
    int lost = 0;
    for (Ping p : ping) {
      if (!p.path().equals(path)) continue;
      pings.addAll(p.ping().rttMicros());
      lost += p.ping().transmitted() - p.ping().received();
    }
    double[] pa = pings.stream().mapToDouble(Double::doubleValue).toArray();
    return new PathSummary(path, t1, tp, r1, rp, Stats.percentile(all, 50), Stats.percentile(all, 99), roundP50, Stats.percentile(pa, 50),
        Stats.percentile(pa, 99), lost);
  }

  /** {@code a / b}; NaN when either is missing. */
  static double ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
  }

  /** Per-round ratios of path {@code a} over path {@code b} for iperf3 runs with {@code streams} streams (paired by round). */
  List<Double> roundRatios(String a, String b, int streams) {
    List<Double> out = new ArrayList<>();
    for (Tput x : tput) {
      if (!x.path().equals(a) || x.iperf().streams() != streams) continue;
      for (Tput y : tput)
        if (y.path().equals(b) && y.round() == x.round() && y.iperf().streams() == streams) out.add(x.iperf().receivedBps() / y.iperf().receivedBps());
    }
    return out;
  }

  /** True when no overlay (or underlay) iperf3 run grew a fragmentation counter in any observed namespace. */
  boolean noFragmentation() {
    return tput.stream().allMatch(t -> t.fragGrowth().isEmpty());
  }

  boolean allChecksPassed() {
    return checks.stream().allMatch(Check::passed) && noFragmentation();
  }
}
