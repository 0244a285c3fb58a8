package dev.weft.bench.cni;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained SVG (no script, no external font) of one run: per config, the CDF of ADD and of
 * DEL latency for both plugins (log time axis, the JVM floor dashed), and a bar chart of where
 * weft's median time goes next to the reference's median. The HTML page wraps the text report and
 * the SVG.
 */
final class SvgReport {
  static final String WEFT = "#d9480f", AGENT = "#7048e8", REF = "#1c7ed6", FLOOR = "#868e96", GRID = "#e9ecef", AXIS = "#495057";
  static final String[] SEGMENT_COLOURS = {"#ffa94d", "#ffd43b", "#69db7c", "#38d9a9", "#4dabf7", "#b197fc", "#f783ac", "#ced4da", "#a9e34b"};
  static final int W = 1160, PW = 540, PH = 380, ML = 60, MT = 34;

  private final CniBenchReport report;
  private final BenchResult r;
  private final StringBuilder sb = new StringBuilder();

  SvgReport(CniBenchReport report) {
    this.report = report;
    this.r = report.result();
  }

  String html(String text) {
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>weft CNI ADD/DEL benchmark %s</title>
        <style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#212529}
        pre{background:#f8f9fa;padding:12px;border:1px solid #dee2e6;font-size:12px;overflow-x:auto}</style></head>
        <body><h1>weft CNI ADD/DEL benchmark</h1>
        %s
        <h2>Numbers</h2><pre>%s</pre>
        <p>Raw samples: the JSON file of the same name. Method: %s.</p>
        </body></html>
        """.formatted(r.start(), svg(), esc(text), esc((String) report.toJson().get("method")));
  }

  String svg() {
    sb.setLength(0);
    List<String> configs = r.options().configs();
    int breakdownRows = configs.size() * 4;
    int bdTop = MT + 60 + configs.size() * (PH + 70);
    int height = bdTop + 70 + breakdownRows * 2 * 28 + 90;
    sb.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n", W, height, W, height));
    sb.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, height));
    Map<String, String> m = r.machine();
    text(20, 26, 18, "bold", "#212529", "start", "weft-cni vs reference bridge + host-local: CNI ADD/DEL latency");
    text(20, 46, 12, "normal", AXIS, "start", String.format("%s · %d measured cycles each (+%d warm-up), interleaved · %s cores, kernel %s · reference %s",
        r.start().toString().replace('T', ' ').replaceAll("\\.\\d+Z", "Z"), r.options().cycles(), r.options().warmup(), m.get("nproc"), m.get("kernel"), m.get("referencePackage")));
    text(20, 64, 12, "normal", AXIS, "start", "wall time from spawn to exit; weft = " + weftName() + "; dashed grey = the floor: an empty main() started the way weft-cni starts its JVM");
    int y = MT + 60;
    for (String config : configs) {
      BenchResult.Side w = r.side(config, PluginSide.Impl.WEFT), ref = r.side(config, PluginSide.Impl.REFERENCE);
      text(20, y - 6, 14, "bold", "#212529", "start", "config " + config + ": " + CniBenchReport.describeConfig(config));
      BenchResult.Side a = r.side(config, PluginSide.Impl.WEFT_AGENT);
      cdf(20, y + 8, "ADD", w.add(), ref.add(), a == null ? null : a.add(), r.floor().stats());
      cdf(20 + PW + 40, y + 8, "DEL", w.del(), ref.del(), a == null ? null : a.del(), null);
      y += PH + 70;
    }
    breakdown(20, bdTop);
    sb.append("</svg>\n");
    return sb.toString();
  }

  private String weftName() {
    BenchResult.Side w = r.sides().stream().filter(s -> s.side().impl() == PluginSide.Impl.WEFT).findFirst().orElseThrow();
    return w.side().binary().getFileName() + " (ipam " + w.side().ipamType() + ")";
  }

  // ---- CDF panel

  private void cdf(int x0, int y0, String cmd, LatencyStats weft, LatencyStats ref, LatencyStats agent, LatencyStats floor) {
    int px = x0 + ML, py = y0 + 132, pw = PW - ML - 10, ph = PH - 132 - 40;
    double lo = Double.MAX_VALUE, hi = 0;
    int n = 1;
    for (LatencyStats s : new LatencyStats[] {weft, ref, agent, floor}) {
      if (s == null) continue;
      lo = Math.min(lo, s.minMs());
      hi = Math.max(hi, s.maxMs());
      n = Math.max(n, s.count());
    }
    text(x0, y0 + 8, 13, "bold", "#212529", "start", cmd + " latency, cumulative distribution (tail stretched)");
    if (hi == 0) {
      text(px + pw / 2, py + ph / 2, 13, "normal", AXIS, "middle", "no successful " + cmd);
      return;
    }
    // legend above the plot
    int ly = y0 + 26;
    if (weft != null) {
      legend(x0 + 8, ly, WEFT, null, String.format("weft (JVM per call)  p50 %s   p90 %s   p99 %s", fmtMs(weft.p50Ms()), fmtMs(weft.p90Ms()), fmtMs(weft.p99Ms())));
      ly += 16;
    }
    if (agent != null) {
      legend(x0 + 8, ly, AGENT, null, String.format("weft via agent  p50 %s   p90 %s   p99 %s", fmtMs(agent.p50Ms()), fmtMs(agent.p90Ms()), fmtMs(agent.p99Ms())));
      ly += 16;
    }
    if (ref != null) {
      legend(x0 + 8, ly, REF, null, String.format("reference  p50 %s   p90 %s   p99 %s", fmtMs(ref.p50Ms()), fmtMs(ref.p90Ms()), fmtMs(ref.p99Ms())));
      ly += 16;
    }
    if (floor != null) {
      legend(x0 + 8, ly, FLOOR, "6,4", String.format("JVM floor  p50 %s   p90 %s   p99 %s", fmtMs(floor.p50Ms()), fmtMs(floor.p90Ms()), fmtMs(floor.p99Ms())));
      ly += 16;
    }
    if (weft != null && ref != null) {
      text(x0 + 8, ly, 12, "bold", "#212529", "start", String.format("weft/reference:  p50 %.2f×   p90 %.2f×   p99 %.2f×",
          weft.p50Ms() / ref.p50Ms(), weft.p90Ms() / ref.p90Ms(), weft.p99Ms() / ref.p99Ms()));
      ly += 16;
    }
    if (agent != null && ref != null)
      text(x0 + 8, ly, 12, "bold", "#212529", "start", String.format("via agent/reference:  p50 %.2f×   p90 %.2f×   p99 %.2f×",
          agent.p50Ms() / ref.p50Ms(), agent.p90Ms() / ref.p90Ms(), agent.p99Ms() / ref.p99Ms()));
    double lmin = Math.floor(Math.log10(lo * 0.9) * 2) / 2, lmax = Math.ceil(Math.log10(hi * 1.1) * 2) / 2;
    if (lmax - lmin < 1) lmax = lmin + 1;
    final double a = lmin, b = lmax;
    // y: -log10(1 - q), so p50, p90, p99 sit about evenly apart; the top is the largest sample
    final double floorQ = 1.0 / (2 * n), tmax = -Math.log10(floorQ);
    java.util.function.DoubleUnaryOperator X = v -> px + (Math.log10(Math.max(v, 1e-3)) - a) / (b - a) * pw;
    java.util.function.DoubleUnaryOperator Y = q -> py + ph - (-Math.log10(Math.max(1 - q, floorQ))) / tmax * ph;
    List<double[]> qs = new ArrayList<>(List.of(new double[] {0}, new double[] {0.5}, new double[] {0.75}, new double[] {0.9}, new double[] {0.99}));
    if (n >= 2000) qs.add(new double[] {0.999});
    for (double[] qq : qs) {
      double q = qq[0], yy = Y.applyAsDouble(q);
      line(px, yy, px + pw, yy, q == 0.5 || q == 0.9 || q == 0.99 ? "#ced4da" : GRID, 1, null);
      text(px - 6, yy + 4, 11, "normal", AXIS, "end", q == 0 ? "0" : "p" + fmt(q * 100, q == 0.999 ? 1 : 0));
    }
    line(px, py, px + pw, py, GRID, 1, null);
    if (Y.applyAsDouble(0.99) - py > 12) text(px - 6, py + 4, 11, "normal", AXIS, "end", "max");
    double lastLabel = -1e9;
    for (int e = (int) Math.floor(a); e <= Math.ceil(b); e++) {
      for (int k : new int[] {1, 2, 5}) {
        double v = k * Math.pow(10, e), lv = Math.log10(v);
        if (lv < a - 1e-9 || lv > b + 1e-9) continue;
        double xx = X.applyAsDouble(v);
        line(xx, py, xx, py + ph, k == 1 ? "#ced4da" : GRID, 1, null);
        if (xx - lastLabel < 52) continue;
        text(xx, py + ph + 15, 11, "normal", AXIS, "middle", v >= 1000 ? fmtTick(v / 1000) + " s" : fmtTick(v) + " ms");
        lastLabel = xx;
      }
    }
    line(px, py + ph, px + pw, py + ph, AXIS, 1, null);
    line(px, py, px, py + ph, AXIS, 1, null);
    text(px + pw / 2, py + ph + 32, 11, "normal", AXIS, "middle", "milliseconds, spawn to exit (log scale)");
    if (floor != null) curve(floor, X, Y, FLOOR, "6,4");
    if (ref != null) curve(ref, X, Y, REF, null);
    if (agent != null) curve(agent, X, Y, AGENT, null);
    if (weft != null) curve(weft, X, Y, WEFT, null);
  }

  private void curve(LatencyStats s, java.util.function.DoubleUnaryOperator X, java.util.function.DoubleUnaryOperator Y, String colour, String dash) {
    long[] v = s.sortedNanos();
    StringBuilder d = new StringBuilder();
    int n = v.length;
    for (int i = 0; i < n; i++) {
      double x = X.applyAsDouble(v[i] / 1e6);
      // a step CDF: up at each sample
      double yBefore = Y.applyAsDouble((double) i / n), yAfter = Y.applyAsDouble((double) (i + 1) / n);
      d.append(i == 0 ? "M" : "L").append(fmt(x, 1)).append(',').append(fmt(yBefore, 1));
      d.append("L").append(fmt(x, 1)).append(',').append(fmt(yAfter, 1));
    }
    sb.append(String.format("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", d, colour,
        dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
  }

  private void legend(double x, double y, String colour, String dash, String label) {
    line(x, y - 4, x + 22, y - 4, colour, 3, dash);
    text(x + 28, y, 11, "normal", "#212529", "start", label);
  }

  // ---- breakdown bars

  private void breakdown(int x0, int y0) {
    Map<String, Map<String, Double>> cols = report.breakdownColumns();
    text(x0, y0, 14, "bold", "#212529", "start", "Where the time goes: median ms per invocation");
    text(x0, y0 + 18, 12, "normal", AXIS, "start", cols.isEmpty()
        ? "weft wrote no WEFT_CNI_TRACE data: only the medians of the wall times are shown"
        : "'weft traced': medians of weft-cni's WEFT_CNI_TRACE fields, stacked, from every " + CniBenchReport.ordinal(r.options().traceEvery())
          + " cycle run with tracing on (medians need not add up exactly to the median wall time, marked by the line)");
    List<Object[]> rows = new ArrayList<>(); // label, segments map (or null), wall p50, colour
    double max = 0;
    LatencyStats floor = r.floor().stats();
    for (String config : r.options().configs()) {
      BenchResult.Side w = r.side(config, PluginSide.Impl.WEFT), ref = r.side(config, PluginSide.Impl.REFERENCE);
      BenchResult.Side t = r.side(config, PluginSide.Impl.WEFT_TRACED);
      for (String cmd : List.of("ADD", "DEL")) {
        LatencyStats ws = cmd.equals("ADD") ? w.add() : w.del(), rs = cmd.equals("ADD") ? ref.add() : ref.del();
        LatencyStats ts = t == null ? null : cmd.equals("ADD") ? t.add() : t.del();
        Map<String, Double> seg = segments(cols.get(config + " " + cmd));
        double segSum = seg == null ? 0 : seg.values().stream().mapToDouble(Double::doubleValue).sum();
        rows.add(new Object[] {config + " " + cmd + "  weft", null, ws == null ? Double.NaN : ws.p50Ms()});
        if (seg != null) rows.add(new Object[] {"weft traced", seg, ts == null ? Double.NaN : ts.p50Ms()});
        BenchResult.Side a = r.side(config, PluginSide.Impl.WEFT_AGENT);
        LatencyStats as = a == null ? null : cmd.equals("ADD") ? a.add() : a.del();
        if (as != null) {
          rows.add(new Object[] {"weft via agent", null, as.p50Ms()});
          max = Math.max(max, as.p50Ms());
        }
        rows.add(new Object[] {"reference", null, rs == null ? Double.NaN : rs.p50Ms()});
        rows.add(null); // gap
        max = Math.max(max, Math.max(segSum, Math.max(ws == null ? 0 : ws.p50Ms(), rs == null ? 0 : rs.p50Ms())));
        if (ts != null) max = Math.max(max, ts.p50Ms());
      }
    }
    if (floor != null) max = Math.max(max, floor.p50Ms());
    int lx = x0 + 170, bw = W - lx - 130, top = y0 + 50;
    double scale = max <= 0 ? 1 : bw / (max * 1.05);
    // axis ticks
    double step = niceStep(max * 1.05 / 8);
    int barsH = 0;
    for (Object[] row : rows) barsH += row == null ? 8 : 26;
    for (double v = 0; v <= max * 1.05; v += step) {
      double xx = lx + v * scale;
      line(xx, top - 4, xx, top + barsH, GRID, 1, null);
      text(xx, top + barsH + 14, 11, "normal", AXIS, "middle", fmtTick(v) + " ms");
    }
    int y = top;
    List<String> segNames = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Object[] row = rows.get(i);
      if (row == null) {
        y += 8;
        continue;
      }
      String label = (String) row[0];
      @SuppressWarnings("unchecked") Map<String, Double> seg = (Map<String, Double>) row[1];
      double wall = (Double) row[2];
      boolean weft = label.endsWith("weft");
      text(lx - 8, y + 15, 12, weft ? "bold" : "normal", weft || label.equals("reference") ? "#212529" : AXIS, "end", label);
      if (seg != null) {
        double x = lx;
        for (var e : seg.entrySet()) {
          if (!segNames.contains(e.getKey())) segNames.add(e.getKey());
          double wdt = Math.max(0, e.getValue()) * scale;
          String c = SEGMENT_COLOURS[segNames.indexOf(e.getKey()) % SEGMENT_COLOURS.length];
          sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"><title>%s %.2f ms</title></rect>%n", x, y, wdt, c, e.getKey(), e.getValue()));
          if (wdt > 34) text(x + wdt / 2, y + 14, 10, "normal", "#212529", "middle", fmt(e.getValue(), e.getValue() < 10 ? 1 : 0));
          x += wdt;
        }
        if (!Double.isNaN(wall)) {
          double wx = lx + wall * scale;
          line(wx, y - 2, wx, y + 22, WEFT, 2, null);
          text(Math.max(x, wx) + 6, y + 15, 11, "normal", "#212529", "start", "wall p50 " + fmtMs(wall));
        }
      } else if (!Double.isNaN(wall)) {
        String fill = weft ? WEFT : label.equals("weft via agent") ? AGENT : REF;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"/>%n", lx, y, wall * scale, fill));
        text(lx + wall * scale + 6, y + 15, 11, "normal", "#212529", "start", "wall p50 " + fmtMs(wall));
      }
      y += 26;
    }
    if (floor != null) {
      double fx = lx + floor.p50Ms() * scale;
      line(fx, top - 8, fx, top + barsH, FLOOR, 2, "6,4");
      text(fx, top - 11, 11, "normal", AXIS, "middle", "JVM floor p50 " + fmtMs(floor.p50Ms()));
    }
    // segment legend
    int lgx = lx, lgy = top + barsH + 38;
    for (int i = 0; i < segNames.size(); i++) {
      String c = SEGMENT_COLOURS[i % SEGMENT_COLOURS.length];
      sb.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\"/>%n", lgx, lgy - 10, c));
      text(lgx + 18, lgy, 11, "normal", "#212529", "start", segNames.get(i));
      lgx += 28 + segNames.get(i).length() * 7;
    }
  }

  /** The stacked parts of a weft bar: every trace median but totalMs (and negative derived parts). */
  private static Map<String, Double> segments(Map<String, Double> medians) {
    if (medians == null) return null;
    Map<String, Double> seg = new LinkedHashMap<>();
    for (var e : medians.entrySet()) if (!e.getKey().equals("totalMs")) seg.put(e.getKey(), Math.max(0, e.getValue()));
    return seg;
  }

  private static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double k : new double[] {1, 2, 5, 10}) if (k * p >= raw) return k * p;
    return 10 * p;
  }

  // ---- primitives

  private void line(double x1, double y1, double x2, double y2, String colour, double w, String dash) {
    sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
        x1, y1, x2, y2, colour, w, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
  }

  private void text(double x, double y, int size, String weight, String colour, String anchor, String s) {
    sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" fill=\"%s\" text-anchor=\"%s\">%s</text>%n",
        x, y, size, weight, colour, anchor, esc(s)));
  }

  static String fmtMs(double ms) {
    if (ms >= 100) return fmt(ms, 0) + " ms";
    if (ms >= 10) return fmt(ms, 1) + " ms";
    return fmt(ms, 2) + " ms";
  }

  /** An axis tick: no decimals unless it needs them. */
  static String fmtTick(double v) {
    if (Math.abs(v - Math.rint(v)) < 1e-9) return fmt(v, 0);
    return Math.abs(v * 10 - Math.rint(v * 10)) < 1e-9 ? fmt(v, 1) : fmt(v, 2);
  }

  static String fmt(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
