package dev.weft.bench.overlay;

import dev.weft.bench.overlay.OverlayResults.PathSummary;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained SVG (no scripts, no external fonts or files): throughput bars per path (median of the rounds,
 * whiskers min-max, one dot per round) for 1 and P streams, and round-trip p50 and p99 per path (TCP
 * request/response and ICMP, pooled over the rounds), with the overlay/underlay ratios, MTUs and the fragmentation result written out.
 */
final class OverlaySvg {
  static final int W = 1290, H = 640;
  private static final String C_T1 = "#2f6ea8", C_TP = "#8fbde6", C_RR = "#d4711c", C_PING = "#3f8f3a";
  private static final int TOP = 118, BOTTOM = 468; // plot area, both panels

  private OverlaySvg() {}

  static String render(OverlayResults r, OverlayOptions o, String started) {
    StringBuilder s = new StringBuilder();
    s.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, sans-serif\">%n", W, H, W, H));
    s.append(f("<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", W, H));
    text(s, 24, 32, 19, "bold", "start", "weft overlay benchmark: pod\u2194pod TCP over the bridge, over VXLAN, and the raw underlay");
    text(s, 24, 54, 13, "normal", "start", f("2-node weft lab (network namespaces on one machine), %d round%s with the 3 paths interleaved; iperf3 -t %d -O 1; %s",
        o.rounds(), o.rounds() == 1 ? "" : "s", o.seconds(), started));
    text(s, 24, 72, 12, "normal", "start", "load " + r.machine.getOrDefault("uptimeStart", "?") + "  \u2192  end: " + loadOnly(r.machine.get("uptimeEnd")));

    List<BenchPath> paths = r.paths;
    List<PathSummary> sums = paths.stream().map(p -> r.summary(p.id())).toList();
    // ---- throughput panel
    int x0 = 64, x1 = 520;
    double tmax = 0;
    for (PathSummary p : sums) tmax = Math.max(tmax, Math.max(Stats.max(p.tput1Gbps()), Stats.max(p.tputPGbps())));
    double[] ty = axis(tmax);
    text(s, x0, TOP - 26, 15, "bold", "start", "TCP throughput (Gbit/s, receiver, higher is better)");
    axisY(s, x0, x1, ty, "");
    double gw = (x1 - x0) / (double) paths.size();
    for (int i = 0; i < paths.size(); i++) {
      double gx = x0 + i * gw;
      double bw = gw * 0.3;
      bar(s, gx + gw * 0.17, bw, sums.get(i).tput1Gbps(), ty[1], C_T1, "%.1f");
      bar(s, gx + gw * 0.17 + bw + gw * 0.06, bw, sums.get(i).tputPGbps(), ty[1], C_TP, "%.1f");
      xLabel(s, gx + gw / 2, paths.get(i));
    }
    legend(s, x0 + 8, BOTTOM + 64, C_T1, "1 stream");
    legend(s, x0 + 118, BOTTOM + 64, C_TP, "-P " + r.parallel + " streams");
    text(s, x0 + 268, BOTTOM + 74, 11, "normal", "start", "bar median, whisker min\u2013max, dots rounds");

    // ---- latency panels: p50 and p99, each on its own linear axis (a p99 many times the p50 would flatten the p50 bars)
    latencyPanel(s, 616, 906, "p50", sums, paths, true);
    latencyPanel(s, 980, 1262, "p99", sums, paths, false);
    legend(s, 640, BOTTOM + 64, C_RR, "TCP request/response, " + o.rrSize() + " B each way (1 connection)");
    legend(s, 1010, BOTTOM + 64, C_PING, "ICMP echo (ping -i 0.01)");

    // ---- ratios, MTU, fragmentation
    OverlayReport.Ratios q = OverlayReport.ratios(r);
    int y = BOTTOM + 104;
    s.append(f("<rect x=\"20\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f5f8\" stroke=\"#c9d1db\"/>%n", y - 20, W - 40, H - y + 8));
    text(s, 32, y, 14, "bold", "start", f("overlay (VXLAN) / underlay:  throughput %.2f\u00d7 (1 stream), %.2f\u00d7 (-P %d)   \u00b7   TCP RR p50 %.2f\u00d7, p99 %.2f\u00d7   \u00b7   ICMP p50 %.2f\u00d7",
        q.cross1(), q.crossP(), r.parallel, q.crossRrP50(), q.crossRrP99(), q.crossPingP50()));
    text(s, 32, y + 22, 13, "normal", "start", f("same node / underlay: throughput %.2f\u00d7 (1 stream), %.2f\u00d7 (-P %d), TCP RR p50 %.2f\u00d7", q.same1(), q.sameP(),
        r.parallel, q.sameRrP50()));
    boolean none = r.noFragmentation();
    long failed = r.checks.stream().filter(c -> !c.passed()).count();
    text(s, 32, y + 44, 13, "normal", "start", f("MTU: pod eth0 %s, %s %s, underlay eth0 %s  \u00b7  fragmentation during %d iperf3 runs: %s  \u00b7  MTU checks: %s",
        r.mtu.get("podEth0"), OverlayBench.VXLAN_DEV, r.mtu.get("vxlanNode1"), r.mtu.get("underlayEth0Node1"), r.tput.size(),
        none ? "none" : "FOUND", failed == 0 ? r.checks.size() + " passed" : failed + " FAILED"), none && failed == 0 ? "#1d6b1d" : "#b00020");
    s.append("</svg>\n");
    return s.toString();
  }

  private static void latencyPanel(StringBuilder s, int x0, int x1, String which, List<PathSummary> sums, List<BenchPath> paths, boolean p50) {
    double max = 0;
    for (PathSummary p : sums) max = Math.max(max, Math.max(nz(p50 ? p.rrP50Us() : p.rrP99Us()), nz(p50 ? p.pingP50Us() : p.pingP99Us())));
    double[] ax = axis(max);
    text(s, x0 - 40, TOP - 26, 15, "bold", "start", "Round trip " + which + " (\u00b5s, lower is better)");
    axisY(s, x0, x1, ax, "");
    double gw = (x1 - x0) / (double) paths.size();
    for (int i = 0; i < paths.size(); i++) {
      double gx = x0 + i * gw, bw = gw * 0.32;
      PathSummary p = sums.get(i);
      valueBar(s, gx + gw * 0.15, bw, p50 ? p.rrP50Us() : p.rrP99Us(), ax[1], C_RR);
      valueBar(s, gx + gw * 0.15 + bw + gw * 0.06, bw, p50 ? p.pingP50Us() : p.pingP99Us(), ax[1], C_PING);
      shortXLabel(s, gx + gw / 2, paths.get(i));
    }
  }

  private static void valueBar(StringBuilder s, double x, double w, double v, double top, String color) {
    if (Double.isNaN(v)) return;
    double y = yOf(v, top);
    s.append(f("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n", x, y, w, BOTTOM - y, color));
    text(s, x + w / 2, y - 7, 12, "bold", "middle", v >= 100 ? f("%.0f", v) : f("%.1f", v));
  }

  private static void shortXLabel(StringBuilder s, double cx, BenchPath p) {
    String[] lines = switch (p.id()) {
      case BenchPath.SAME_NODE -> new String[] {"same node", "pod\u2194pod"};
      case BenchPath.CROSS_NODE -> new String[] {"across", "nodes (VXLAN)"};
      case BenchPath.UNDERLAY -> new String[] {"underlay", "node\u2194node"};
      default -> new String[] {p.id(), ""};
    };
    text(s, cx, BOTTOM + 18, 12, "bold", "middle", lines[0]);
    text(s, cx, BOTTOM + 33, 12, "normal", "middle", lines[1]);
  }

  private static double nz(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  private static String loadOnly(Object uptime) {
    String u = String.valueOf(uptime);
    int i = u.indexOf("load average");
    return i >= 0 ? u.substring(i) : u;
  }

  /** {step, top} of a y axis from 0 that holds {@code max}, with 4-7 round ticks. */
  static double[] axis(double max) {
    if (!(max > 0)) max = 1;
    double raw = max / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = mag;
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      step = m * mag;
      if (step >= raw) break;
    }
    double top = Math.ceil(max * 1.12 / step) * step;
    return new double[] {step, top};
  }

  private static double yOf(double v, double top) {
    return BOTTOM - (BOTTOM - TOP) * (v / top);
  }

  private static void axisY(StringBuilder s, int x0, int x1, double[] ax, String unit) {
    double step = ax[0], top = ax[1];
    for (double v = 0; v <= top + step / 1000; v += step) {
      double y = yOf(v, top);
      s.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>%n", x0, y, x1, y, v == 0 ? "#555555" : "#e2e2e2"));
      text(s, x0 - 6, y + 4, 12, "normal", "end", tick(v, step) + unit);
    }
    s.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555555\"/>%n", x0, TOP - 6, x0, BOTTOM));
  }

  static String tick(double v, double step) {
    if (Math.abs(v - Math.rint(v)) < 1e-9) return f("%.0f", v); // whole values without decimals: 0, 2.5, 5, 7.5
    return Math.abs(step * 10 - Math.rint(step * 10)) < 1e-9 ? f("%.1f", v) : f("%.2f", v); // 2.5 -> 7.5, 0.2 -> 0.6, 0.25 -> 0.75
  }

  private static void bar(StringBuilder s, double x, double w, List<Double> values, double top, String color, String fmt) {
    if (values.isEmpty()) return;
    double med = Stats.median(values), lo = Stats.min(values), hi = Stats.max(values);
    double y = yOf(med, top);
    s.append(f("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n", x, y, w, BOTTOM - y, color));
    double cx = x + w / 2;
    s.append(f("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222222\" stroke-width=\"1.2\"/>%n", cx, yOf(hi, top), cx, yOf(lo, top)));
    for (double e : new double[] {lo, hi})
      s.append(f("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222222\" stroke-width=\"1.2\"/>%n", cx - 5, yOf(e, top), cx + 5, yOf(e, top)));
    int i = 0;
    for (double v : values) {
      double dx = (i++ - (values.size() - 1) / 2.0) * Math.min(6, (w - 8) / Math.max(1, values.size()));
      s.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"#ffffff\" stroke=\"#222222\" stroke-width=\"1\"/>%n", cx + dx, yOf(v, top)));
    }
    text(s, cx, Math.min(y, yOf(hi, top)) - 7, 12, "bold", "middle", f(fmt, med));
  }

  private static void xLabel(StringBuilder s, double cx, BenchPath p) {
    String[] lines = switch (p.id()) {
      case BenchPath.SAME_NODE -> new String[] {"pod\u2194pod", "same node"};
      case BenchPath.CROSS_NODE -> new String[] {"pod\u2194pod across", "nodes (VXLAN)"};
      case BenchPath.UNDERLAY -> new String[] {"underlay", "node\u2194node"};
      default -> new String[] {p.id(), ""};
    };
    text(s, cx, BOTTOM + 18, 12, "bold", "middle", lines[0]);
    text(s, cx, BOTTOM + 33, 12, "normal", "middle", lines[1]);
  }

  private static void legend(StringBuilder s, int x, int y, String color, String label) {
    s.append(f("<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>%n", x, y, color));
    text(s, x + 20, y + 11, 12, "normal", "start", label);
  }

  private static void text(StringBuilder s, double x, double y, int size, String weight, String anchor, String t) {
    text(s, x, y, size, weight, anchor, t, "#1a1a1a");
  }

  private static void text(StringBuilder s, double x, double y, int size, String weight, String anchor, String t, String color) {
    s.append(f("<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n", x, y, size, weight, anchor,
        color, esc(t)));
  }

  static String esc(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }
}
