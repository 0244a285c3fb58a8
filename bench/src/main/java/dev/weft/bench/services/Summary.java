package dev.weft.bench.services;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run's figures per backend and size, the targets, and the text table. Pure: built from the samples. */
final class Summary {
  /** One backend at one size ("none"/0 is the floor topology: no rules, no conntrack). */
  record Row(String backend, int size, Stats full, Stats update, Stats clusterConnect, Stats directConnect, Stats steady, double fullTimedOutMs) {
    /** The full sync did not finish (stopped at the timeout) in any sample. */
    boolean fullTimedOut() {
      return full.n() == 0 && !Double.isNaN(fullTimedOutMs);
    }
  }

  /** A target of issue 4 for nftables, with the measured value and whether it is met. */
  record Target(String what, String measured, String limit, boolean met, String margin) {}

  final List<Row> rows = new ArrayList<>();
  final List<Target> targets = new ArrayList<>();
  final List<String> ratios = new ArrayList<>();

  Summary(List<ServicesBench.SyncSample> syncs, List<ServicesBench.Series> latency, List<String> backends, List<Integer> sizes) {
    for (int size : sizes) {
      for (String b : backends) {
        rows.add(new Row(b, size, sync(syncs, b, size, "full"), sync(syncs, b, size, "update"),
            lat(latency, b, size, "clusterip-connect"), lat(latency, b, size, "direct-connect"), lat(latency, b, size, "steady"),
            syncs.stream().filter(x -> x.backend().equals(b) && x.size() == size && x.kind().equals("full") && x.timedOut())
                .mapToDouble(ServicesBench.SyncSample::wallMs).max().orElse(Double.NaN)));
      }
    }
    Row floor = new Row("none", 0, Stats.of(List.of()), Stats.of(List.of()), Stats.of(List.of()), lat(latency, "none", 0, "direct-connect"),
        lat(latency, "none", 0, "steady"), Double.NaN);
    if (floor.directConnect().n() > 0) rows.add(floor);
    int lo = sizes.stream().mapToInt(Integer::intValue).min().orElse(1), hi = sizes.stream().mapToInt(Integer::intValue).max().orElse(1);
    for (String b : backends) {
      Row a = row(b, lo), z = row(b, hi);
      if (a == null || z == null || lo == hi || a.clusterConnect().n() == 0 || z.clusterConnect().n() == 0) {
        if (a != null && z != null && lo != hi) ratios.add(b + " " + hi + " vs " + lo + " services: no latency at " + hi + " (its rules never finished loading)");
        continue;
      }
      ratios.add(String.format(Locale.ROOT, "%-8s %d vs %d services: first packet p50 ×%.2f  p99 ×%.2f;  steady p50 ×%.2f  p99 ×%.2f;  direct (not NAT'd) p50 ×%.2f",
          b, hi, lo, z.clusterConnect().p50() / a.clusterConnect().p50(), z.clusterConnect().p99() / a.clusterConnect().p99(),
          z.steady().p50() / a.steady().p50(), z.steady().p99() / a.steady().p99(), z.directConnect().p50() / a.directConnect().p50()));
    }
    Row n1 = row("nftables", lo), nk = row("nftables", hi);
    if (nk != null) {
      if (nk.fullTimedOut()) {
        targets.add(new Target("nftables full sync of " + hi + " services", "> " + fmt(nk.fullTimedOutMs()) + " ms (stopped)", "< 1000 ms", false,
            margin(nk.fullTimedOutMs(), 1000)));
      }
      if (nk.full().n() > 0) {
        targets.add(new Target("nftables full sync of " + hi + " services (p50 of " + nk.full().n() + ", max " + fmt(nk.full().max()) + " ms)",
            fmt(nk.full().p50()) + " ms", "< 1000 ms", nk.full().p50() < 1000, margin(nk.full().p50(), 1000)));
      }
      if (nk.update().n() > 0) {
        targets.add(new Target("nftables one-service update at " + hi + " services (p50 of " + nk.update().n() + ", p99 " + fmt(nk.update().p99()) + " ms)",
            fmt(nk.update().p50()) + " ms", "< 50 ms", nk.update().p50() < 50, margin(nk.update().p50(), 50)));
      }
      if (n1 != null && nk.clusterConnect().n() > 0 && n1.clusterConnect().n() > 0 && lo != hi) {
        double r = nk.clusterConnect().p50() / n1.clusterConnect().p50();
        targets.add(new Target("nftables first-packet latency p50, " + hi + " vs " + lo + " services (p99 ×"
            + String.format(Locale.ROOT, "%.2f", nk.clusterConnect().p99() / n1.clusterConnect().p99()) + ")",
            String.format(Locale.ROOT, "×%.3f (%s vs %s µs)", r, fmt(nk.clusterConnect().p50()), fmt(n1.clusterConnect().p50())), "≤ ×1.10", r <= 1.10,
            String.format(Locale.ROOT, "%+.1f %%", (r - 1) * 100)));
        double s = nk.steady().p50() / n1.steady().p50();
        targets.add(new Target("nftables steady round trip p50, " + hi + " vs " + lo + " services (p99 ×"
            + String.format(Locale.ROOT, "%.2f", nk.steady().p99() / n1.steady().p99()) + ")",
            String.format(Locale.ROOT, "×%.3f (%s vs %s µs)", s, fmt(nk.steady().p50()), fmt(n1.steady().p50())), "≤ ×1.10", s <= 1.10,
            String.format(Locale.ROOT, "%+.1f %%", (s - 1) * 100)));
      }
    }
  }

  Row row(String backend, int size) {
    return rows.stream().filter(r -> r.backend().equals(backend) && r.size() == size).findFirst().orElse(null);
  }

  private static Stats sync(List<ServicesBench.SyncSample> syncs, String b, int size, String kind) {
    return Stats.of(syncs.stream().filter(s -> s.backend().equals(b) && s.size() == size && s.kind().equals(kind) && !s.timedOut())
        .map(ServicesBench.SyncSample::wallMs).toList());
  }

  private static Stats lat(List<ServicesBench.Series> latency, String b, int size, String target) {
    return latency.stream().filter(s -> s.backend().equals(b) && s.size() == size && s.target().equals(target)).findFirst()
        .map(s -> Stats.of(s.micros())).orElse(Stats.of(List.of()));
  }

  private static String margin(double v, double limit) {
    return v < limit ? String.format(Locale.ROOT, "%.1f× under", limit / v) : String.format(Locale.ROOT, "%.1f× over", v / limit);
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) return "-";
    if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
    if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String pair(Stats s) {
    return s.n() == 0 ? "-" : fmt(s.p50()) + " / " + fmt(s.p99());
  }

  String table() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-9s %8s | %-22s | %-22s | %-22s | %-20s | %-20s%n", "backend", "services",
        "full sync ms p50 (max,n)", "1-svc update ms p50/p99", "first packet µs p50/p99", "steady µs p50/p99", "direct µs p50/p99"));
    b.append("-".repeat(140)).append('\n');
    for (Row r : rows) {
      String full = r.fullTimedOut() ? "> " + fmt(r.fullTimedOutMs()) + " (stopped)"
          : r.full().n() == 0 ? "-" : fmt(r.full().p50()) + " (" + fmt(r.full().max()) + "," + r.full().n() + ")";
      String upd = r.update().n() == 0 ? "-" : pair(r.update()) + " (n=" + r.update().n() + ")";
      b.append(String.format(Locale.ROOT, "%-9s %8s | %-22s | %-22s | %-22s | %-20s | %-20s%n", r.backend().equals("none") ? "no rules" : r.backend(),
          r.backend().equals("none") ? "floor" : String.valueOf(r.size()), full, upd, pair(r.clusterConnect()), pair(r.steady()), pair(r.directConnect())));
    }
    if (!ratios.isEmpty()) {
      b.append("\nratios (largest vs smallest size):\n");
      for (String s : ratios) b.append("  ").append(s).append('\n');
    }
    if (!targets.isEmpty()) {
      b.append("\nissue 4 targets (nftables):\n");
      for (Target t : targets) {
        b.append(String.format(Locale.ROOT, "  [%s] %s: %s (target %s; %s)%n", t.met() ? "MET " : "MISS", t.what(), t.measured(), t.limit(), t.margin()));
      }
    }
    return b.toString();
  }
}
