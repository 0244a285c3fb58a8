package dev.weft.bench.services;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A self-contained SVG (no scripts, no external fonts) of a run, four panels: full sync time and
 * one-service update time per size and backend (log scale, issue 4's nftables targets as dashed
 * lines), first-packet (connect) latency and steady round trip per size and backend next to the
 * no-rules floor (linear). Bars are medians; whiskers span to p99 (to the max for full syncs).
 */
final class SvgChart {
  private SvgChart() {}

  static final String NFT = "#1f6fb5", IPT = "#e07b22", FLOOR = "#8a8a8a";
  private static final int W = 1200, H = 885, PW = 560, PH = 330;

  private record Bar(String label, String color, double value, double whisker, String text) {}

  private record Group(String label, List<Bar> bars) {}

  static String render(Summary s, List<Integer> sizes, List<String> backends, String title, String subtitle) {
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
        .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n");
    b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    b.append(text(W / 2.0, 28, 20, "middle", "bold", esc(title)));
    b.append(text(W / 2.0, 50, 13, "middle", "normal", esc(subtitle)));
    // legend
    double lx = W / 2.0 - 190;
    b.append(legend(lx, 66, NFT, "nftables")).append(legend(lx + 130, 66, IPT, "iptables")).append(legend(lx + 260, 66, FLOOR, "no rules (floor)"));

    panel(b, 40, 100, "Full sync, first sync on an empty kernel (ms, log)", true, 1000, "nftables target at 10 000: 1 s",
        groups(s, sizes, backends, Summary.Row::full, true));
    panel(b, 620, 100, "One-service update (ms, log)", true, 50, "nftables target: 50 ms",
        groups(s, sizes, backends, Summary.Row::update, false));
    List<Group> fp = groups(s, sizes, backends, Summary.Row::clusterConnect, false);
    List<Group> st = groups(s, sizes, backends, Summary.Row::steady, false);
    Summary.Row floor = s.row("none", 0);
    if (floor != null) {
      fp.add(new Group("floor", List.of(new Bar("no rules, direct", FLOOR, floor.directConnect().p50(), floor.directConnect().p99(), Summary.fmt(floor.directConnect().p50())))));
      st.add(new Group("floor", List.of(new Bar("no rules, direct", FLOOR, floor.steady().p50(), floor.steady().p99(), Summary.fmt(floor.steady().p50())))));
    }
    panel(b, 40, 500, "First packet: new TCP connection to the ClusterIP (µs)", false, 0, null, fp);
    panel(b, 620, 500, "Steady: 1-byte round trip, established connection (µs)", false, 0, null, st);
    String stopped = s.rows.stream().filter(Summary.Row::fullTimedOut)
        .map(r -> String.format(Locale.ROOT, "%s at %,d services", r.backend(), r.size()).replace(',', ' ')).reduce((x, y) -> x + ", " + y).orElse("");
    if (!stopped.isEmpty()) {
      b.append(text(W / 2.0, H - 32, 12, "middle", "normal", esc("No bars for " + stopped
          + ": the first full sync was stopped at the timeout (rules never loaded), so no update or latency figures.")));
    }
    b.append(text(W / 2.0, H - 12, 12, "middle", "normal",
        "bars: median; whiskers: p99 (full sync: max), cut at the axis top with ↑value when longer. Services × 10 endpoints; the target is the last rule iptables walks."));
    b.append("</svg>\n");
    return b.toString();
  }

  private static List<Group> groups(Summary s, List<Integer> sizes, List<String> backends, Function<Summary.Row, Stats> f, boolean maxWhisker) {
    List<Group> g = new ArrayList<>();
    for (int size : sizes) {
      List<Bar> bars = new ArrayList<>();
      for (String be : backends) {
        Summary.Row r = s.row(be, size);
        if (r == null) continue;
        Stats st = f.apply(r);
        if (maxWhisker && r.fullTimedOut()) {
          bars.add(new Bar(be, be.equals("nftables") ? NFT : IPT, r.fullTimedOutMs(), r.fullTimedOutMs(),
              String.format(Locale.ROOT, "> %.0f s, stopped", r.fullTimedOutMs() / 1000)));
          continue;
        }
        if (st.n() == 0) continue;
        bars.add(new Bar(be, be.equals("nftables") ? NFT : IPT, st.p50(), maxWhisker ? st.max() : st.p99(), Summary.fmt(st.p50())));
      }
      g.add(new Group(String.format(Locale.ROOT, "%,d", size).replace(',', ' ') + (size == 1 ? " service" : " services"), bars));
    }
    return g;
  }

  private static void panel(StringBuilder b, double x0, double y0, String title, boolean log, double target, String targetLabel, List<Group> groups) {
    double left = x0 + 60, top = y0 + 30, w = PW - 70, h = PH - 60, bottom = top + h;
    b.append(text(x0 + PW / 2.0, y0 + 14, 15, "middle", "bold", esc(title)));
    double max = 0, min = Double.MAX_VALUE;
    for (Group g : groups) for (Bar r : g.bars()) {
      max = Math.max(max, Math.max(r.value(), r.whisker()));
      min = Math.min(min, r.value());
    }
    if (target > 0) max = Math.max(max, target);
    if (max <= 0) max = 1;
    Function<Double, Double> y;
    List<Double> ticks = new ArrayList<>();
    if (log) {
      double lo = Math.pow(10, Math.floor(Math.log10(Math.max(1e-3, Math.min(min, target > 0 ? target : min)))));
      double hi = Math.pow(10, Math.ceil(Math.log10(max * 1.01)));
      for (double t = lo; t <= hi * 1.0001; t *= 10) ticks.add(t);
      double llo = Math.log10(lo), lhi = Math.log10(hi);
      y = v -> bottom - (Math.log10(Math.max(v, lo)) - llo) / (lhi - llo) * h;
    } else {
      // a p99 far above the medians would squash the bars: the axis stops at 3× the largest median
      // and longer whiskers are cut there, their value written at the top
      double maxP50 = 0;
      for (Group g : groups) for (Bar r : g.bars()) maxP50 = Math.max(maxP50, r.value());
      max = Math.min(max, 3 * maxP50);
      if (max <= 0) max = 1;
      double step = niceStep(max * 1.1 / 5);
      double hi = Math.ceil(max * 1.1 / step) * step;
      for (double t = 0; t <= hi + step / 2; t += step) ticks.add(t);
      y = v -> bottom - v / hi * h;
    }
    for (double t : ticks) {
      double yy = y.apply(t);
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>%n", left, yy, left + w, yy));
      b.append(text(left - 6, yy + 4, 11, "end", "normal", tick(t)));
    }
    b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>%n", left, bottom, left + w, bottom));
    b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>%n", left, top, left, bottom));
    double gw = w / Math.max(1, groups.size());
    for (int gi = 0; gi < groups.size(); gi++) {
      Group g = groups.get(gi);
      double gx = left + gi * gw;
      int n = Math.max(1, g.bars().size());
      double bw = Math.min(46, gw * 0.7 / n);
      double bx0 = gx + (gw - bw * n - 6 * (n - 1)) / 2;
      for (int i = 0; i < g.bars().size(); i++) {
        Bar r = g.bars().get(i);
        double bx = bx0 + i * (bw + 6), yv = y.apply(r.value()), yw = y.apply(r.whisker());
        boolean cut = yw < top;
        if (cut) yw = top;
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>%n",
            bx, yv, bw, Math.max(0.5, bottom - yv), r.color(), esc(r.label()), esc(r.text())));
        if (r.whisker() > r.value()) {
          double cx = bx + bw / 2;
          b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"1.3\"/>%n", cx, yv, cx, yw));
          b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"1.3\"/>%n", cx - 6, yw, cx + 6, yw));
        }
        if (cut) {
          b.append(text(bx + bw / 2, top - 4 + (i % 2) * 12, 10, "middle", "normal", "↑" + Summary.fmt(r.whisker())));
          b.append(text(bx + bw / 2, yv - 5, 11, "middle", "bold", esc(r.text())));
        } else {
          b.append(text(bx + bw / 2, Math.min(yv, yw) - 5, 11, "middle", "bold", esc(r.text())));
        }
      }
      b.append(text(gx + gw / 2, bottom + 18, 12, "middle", "normal", esc(g.label())));
    }
    if (target > 0) {
      double ty = y.apply(target);
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"7,5\"/>%n",
          left, ty, left + w, ty));
      b.append(text(left + w - 4, ty - 5, 11, "end", "normal", "<tspan fill=\"#c0392b\">" + esc(targetLabel) + "</tspan>"));
    }
  }

  private static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  private static String tick(double t) {
    if (t >= 1000) return String.format(Locale.ROOT, "%,.0f", t).replace(',', ' ');
    if (t >= 1 || t == 0) return String.format(Locale.ROOT, "%.0f", t);
    return String.format(Locale.ROOT, "%s", Double.toString(t).replaceAll("0+$", ""));
  }

  private static String legend(double x, double y, String color, String label) {
    return String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>%n", x, y - 11, color)
        + text(x + 20, y, 13, "start", "normal", esc(label));
  }

  private static String text(double x, double y, int size, String anchor, String weight, String body) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" font-weight=\"%s\" fill=\"#222\">%s</text>%n",
        x, y, size, anchor, weight, body);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
