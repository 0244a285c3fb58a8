package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run as a table on stdout, and as JSON (raw samples), SVG (charts) and HTML (both) in the output directory. */
final class CniBenchReport {
  static final double TARGET_RATIO = 5.0;
  static final double[] PCTS = {0.50, 0.90, 0.99};
  static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final BenchResult r;

  CniBenchReport(BenchResult r) {
    this.r = r;
  }

  BenchResult result() {
    return r;
  }

  static String describeConfig(String config) {
    return config.equals("masq")
        ? "isGateway, isDefaultGateway, hairpinMode, ipMasq true (weft: nftables; reference: iptables, its default)"
        : "isGateway, isDefaultGateway, hairpinMode, ipMasq false";
  }

  String text() {
    StringBuilder sb = new StringBuilder();
    Map<String, String> m = r.machine();
    sb.append(String.format("%nweft CNI ADD/DEL benchmark  %s  %d cycles (+%d warm-up) per plugin and config, interleaved%n",
        r.start().toString(), r.options().cycles(), r.options().warmup()));
    sb.append(String.format("machine: %s cores, kernel %s, %s; load %s -> %s%n", m.get("nproc"), m.get("kernel"), m.get("cpu"),
        m.get("loadavgStart"), m.get("loadavgEnd")));
    BenchResult.Side anyWeft = r.sides().stream().filter(s -> s.side().impl() == PluginSide.Impl.WEFT).findFirst().orElse(null);
    if (anyWeft != null)
      sb.append(String.format("weft: %s (ipam.type %s)   reference: %s + host-local (%s)%n", anyWeft.side().binary(),
          anyWeft.side().ipamType(), r.options().reference().resolve("bridge"), m.get("referencePackage")));
    sb.append("times are wall clock from spawn to exit, in ms\n");
    for (String config : r.options().configs()) {
      BenchResult.Side w = r.side(config, PluginSide.Impl.WEFT), ref = r.side(config, PluginSide.Impl.REFERENCE);
      sb.append(String.format("%nconfig %s (%s)%n", config, describeConfig(config)));
      sb.append(String.format("  %-16s %9s %9s %9s | %9s %9s %9s | %5s %5s%n", "", "ADD p50", "p90", "p99", "DEL p50", "p90", "p99", "ok", "fail"));
      row(sb, "weft", w);
      row(sb, "reference", ref);
      BenchResult.Side traced = r.side(config, PluginSide.Impl.WEFT_TRACED);
      ratioRow(sb, "weft/reference", w, ref);
      if (traced != null) row(sb, "(weft traced)", traced);
      BenchResult.Side viaAgent = r.side(config, PluginSide.Impl.WEFT_AGENT);
      if (viaAgent != null) {
        row(sb, "weft via agent", viaAgent);
        ratioRow(sb, "agent/reference", viaAgent, ref);
      }
      List<BenchResult.Side> all = new ArrayList<>(List.of(w, ref));
      if (traced != null) all.add(traced);
      if (viaAgent != null) all.add(viaAgent);
      for (BenchResult.Side s : all) {
        if (s.firstFailure() != null) sb.append("  first failure: ").append(s.firstFailure()).append('\n');
        if (s.leftovers().values().stream().anyMatch(v -> v > 0)) sb.append("  left behind by ").append(s.side().label()).append(": ").append(s.leftovers()).append('\n');
      }
    }
    LatencyStats floor = r.floor().stats(), spawn = r.spawn().stats();
    sb.append('\n');
    if (floor != null) sb.append(String.format("%s:%n       p50 %.1f  p90 %.1f  p99 %.1f ms%n",
        r.floor().description(), floor.p50Ms(), floor.p90Ms(), floor.p99Ms()));
    else sb.append("floor: ").append(r.floor().note()).append('\n');
    if (spawn != null) sb.append(String.format("spawn baseline (/bin/true through this harness): p50 %.2f  p99 %.2f ms%n", spawn.p50Ms(), spawn.p99Ms()));
    for (String config : r.options().configs()) {
      LatencyStats wa = r.side(config, PluginSide.Impl.WEFT).add(), ra = r.side(config, PluginSide.Impl.REFERENCE).add();
      if (wa == null || ra == null) continue;
      double ratio = wa.p50Ms() / ra.p50Ms();
      sb.append(String.format("target (weft ADD p50 <= %.0fx reference): %s %.2fx -> %s", TARGET_RATIO, config, ratio, ratio <= TARGET_RATIO ? "MET" : "NOT MET"));
      if (floor != null) sb.append(String.format("   (weft ADD p50 above the JVM floor: %.1f ms; reference ADD p50 %.1f ms)", wa.p50Ms() - floor.p50Ms(), ra.p50Ms()));
      sb.append('\n');
      BenchResult.Side viaAgent = r.side(config, PluginSide.Impl.WEFT_AGENT);
      if (viaAgent != null && viaAgent.add() != null) {
        double ar = viaAgent.add().p50Ms() / ra.p50Ms();
        sb.append(String.format("         via the agent's fast path:        %s %.2fx -> %s%n", config, ar, ar <= TARGET_RATIO ? "MET" : "NOT MET"));
      }
    }
    cpuTable(sb);
    breakdownTable(sb);
    for (String n : r.notes()) sb.append("note: ").append(n).append('\n');
    return sb.toString();
  }

  static String ordinal(int n) {
    if (n == 1) return "";
    String suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : switch (n % 10) {
      case 1 -> "st";
      case 2 -> "nd";
      case 3 -> "rd";
      default -> "th";
    };
    return n + suffix;
  }

  private static void ratioRow(StringBuilder sb, String name, BenchResult.Side w, BenchResult.Side ref) {
    LatencyStats wa = w.add(), ra = ref.add(), wd = w.del(), rd = ref.del();
    if (wa == null || ra == null || wd == null || rd == null) return;
    sb.append(String.format("  %-16s %8.2fx %8.2fx %8.2fx | %8.2fx %8.2fx %8.2fx |%n", name,
        wa.p50Ms() / ra.p50Ms(), wa.p90Ms() / ra.p90Ms(), wa.p99Ms() / ra.p99Ms(),
        wd.p50Ms() / rd.p50Ms(), wd.p90Ms() / rd.p90Ms(), wd.p99Ms() / rd.p99Ms()));
  }

  private static void row(StringBuilder sb, String name, BenchResult.Side s) {
    LatencyStats a = s.add(), d = s.del();
    if (a == null) {
      sb.append(String.format("  %-16s %s%n", name, "no successful cycle"));
      return;
    }
    sb.append(String.format("  %-16s %9.1f %9.1f %9.1f | %9.1f %9.1f %9.1f | %5d %5d%n", name,
        a.p50Ms(), a.p90Ms(), a.p99Ms(), d.p50Ms(), d.p90Ms(), d.p99Ms(), s.ok().size(), s.failures()));
  }

  /** Columns "plain ADD", "plain DEL", ... rows the trace fields, medians in ms. */
  Map<String, Map<String, Double>> breakdownColumns() {
    Map<String, Map<String, Double>> cols = new LinkedHashMap<>();
    for (String config : r.options().configs()) {
      BenchResult.Side w = r.side(config, PluginSide.Impl.WEFT_TRACED);
      if (w == null || w.trace() == null || w.trace().isEmpty()) continue;
      for (var e : w.trace().medians().entrySet()) cols.put(config + " " + e.getKey(), e.getValue());
    }
    return cols;
  }

  private void cpuTable(StringBuilder sb) {
    StringBuilder t = new StringBuilder();
    for (String config : r.options().configs()) {
      for (PluginSide.Impl impl : List.of(PluginSide.Impl.WEFT, PluginSide.Impl.REFERENCE)) {
        BenchResult.Side s = r.side(config, impl);
        LatencyStats a = s.addCpu(), d = s.delCpu();
        if (a == null || d == null) continue;
        t.append(String.format("  %-6s %-10s %9.1f %9.1f | %9.1f %9.1f%n", config, impl.label, a.p50Ms(), a.p90Ms(), d.p50Ms(), d.p90Ms()));
      }
    }
    if (t.isEmpty()) return;
    sb.append("\nCPU per invocation (user+sys of the plugin and all it spawned, getrusage of reaped children), ms\n");
    sb.append(String.format("  %-17s %9s %9s | %9s %9s%n", "", "ADD p50", "p90", "DEL p50", "p90"));
    sb.append(t);
    LatencyStats fc = r.floor().cpu();
    if (fc != null) sb.append(String.format("  %-17s %9.1f %9.1f%n", "floor", fc.p50Ms(), fc.p90Ms()));
    sb.append("  (weft via agent: its CPU is spent in the agent, not in a reaped child, so it is not comparable here)\n");
  }

  private void breakdownTable(StringBuilder sb) {
    Map<String, Map<String, Double>> cols = breakdownColumns();
    if (cols.isEmpty()) {
      sb.append("weft breakdown: no WEFT_CNI_TRACE data (weft-cni wrote no trace), skipped\n");
      return;
    }
    List<String> fields = new ArrayList<>();
    for (var c : cols.values()) for (String f : c.keySet()) if (!fields.contains(f)) fields.add(f);
    sb.append(String.format("%nweft breakdown: median of each WEFT_CNI_TRACE field, ms, from the traced runs (every %s cycle)%n",
        ordinal(r.options().traceEvery())));
    sb.append(String.format("  %-16s", ""));
    for (String c : cols.keySet()) sb.append(String.format(" %10s", c));
    sb.append('\n');
    for (String f : fields) {
      sb.append(String.format("  %-16s", f));
      for (var c : cols.values()) {
        Double v = c.get(f);
        sb.append(v == null ? String.format(" %10s", "-") : String.format(Locale.ROOT, " %10.2f", v));
      }
      sb.append('\n');
    }
    BenchResult.Side w = r.sides().stream().filter(s -> s.trace() != null && !s.trace().isEmpty()).findFirst().orElse(null);
    if (w != null) sb.append("  (totalMs read as ").append(w.trace().totalIncludesJvmStart() ? "including" : "excluding")
        .append(" jvmStartMs, which runs from the front-end's exec of the JVM to main(); otherInMainMs = time in main() outside the named phases;\n"
        + "   outsideMainMs = wall - jvmStartMs - time in main: spawn, front-end up to the exec, JVM exit, reaping; medians need not add up)\n");
  }

  /** Writes cni-addel-<stamp>.json, .svg and .html; returns their paths. */
  List<Path> write(Path outDir) throws IOException {
    Files.createDirectories(outDir);
    String base = "cni-addel-" + STAMP.format(r.start());
    Path json = outDir.resolve(base + ".json"), svg = outDir.resolve(base + ".svg"), html = outDir.resolve(base + ".html");
    Files.writeString(json, JsonWriter.write(toJson()), StandardCharsets.UTF_8);
    SvgReport charts = new SvgReport(this);
    Files.writeString(svg, charts.svg(), StandardCharsets.UTF_8);
    Files.writeString(html, charts.html(text()), StandardCharsets.UTF_8);
    return List.of(json, svg, html);
  }

  Map<String, Object> toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("benchmark", "cni-addel");
    root.put("formatVersion", 1);
    root.put("start", r.start().toString());
    root.put("end", r.end().toString());
    root.put("durationSeconds", (r.end().toEpochMilli() - r.start().toEpochMilli()) / 1000.0);
    root.put("command", r.commandLine());
    BenchOptions o = r.options();
    Map<String, Object> opts = new LinkedHashMap<>();
    opts.put("cycles", o.cycles());
    opts.put("warmup", o.warmup());
    opts.put("dist", o.dist().toString());
    opts.put("reference", o.reference().toString());
    opts.put("configs", o.configs());
    opts.put("settleMs", o.settleMs());
    opts.put("weftBinary", o.weftBinary() == null ? null : o.weftBinary().toString());
    opts.put("weftIpam", o.weftIpam());
    opts.put("traceEvery", o.traceEvery());
    opts.put("agent", o.agent());
    root.put("options", opts);
    root.put("machine", r.machine());
    root.put("method", "each cycle runs every step once (each plugin's ADD then DEL on a fresh pod netns, the JVM floor, the spawn "
        + "baseline) in an order rotated by one per cycle; wall time from ProcessBuilder.start() to waitFor() return; the "
        + "driver runs inside a throw-away host netns (ip netns exec) and plugins are its direct children; percentiles "
        + "interpolate linearly between ranks (R-7)");
    Map<String, Object> configs = new LinkedHashMap<>();
    for (String config : o.configs()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("description", describeConfig(config));
      BenchResult.Side w = r.side(config, PluginSide.Impl.WEFT), ref = r.side(config, PluginSide.Impl.REFERENCE);
      c.put("weft", side(w));
      c.put("reference", side(ref));
      BenchResult.Side traced = r.side(config, PluginSide.Impl.WEFT_TRACED);
      if (traced != null) c.put("weftTraced", side(traced));
      BenchResult.Side viaAgent = r.side(config, PluginSide.Impl.WEFT_AGENT);
      if (viaAgent != null) {
        c.put("weftViaAgent", side(viaAgent));
        if (viaAgent.add() != null && ref.add() != null) {
          Map<String, Object> ratio = new LinkedHashMap<>();
          for (double p : PCTS) ratio.put("addP" + (int) (p * 100), viaAgent.add().percentile(p) / ref.add().percentile(p));
          for (double p : PCTS) ratio.put("delP" + (int) (p * 100), viaAgent.del().percentile(p) / ref.del().percentile(p));
          c.put("ratioWeftViaAgentOverReference", ratio);
        }
      }
      if (w.add() != null && ref.add() != null) {
        Map<String, Object> ratio = new LinkedHashMap<>();
        for (double p : PCTS) ratio.put("addP" + (int) (p * 100), w.add().percentile(p) / ref.add().percentile(p));
        for (double p : PCTS) ratio.put("delP" + (int) (p * 100), w.del().percentile(p) / ref.del().percentile(p));
        c.put("ratioWeftOverReference", ratio);
        c.put("targetAddP50Ratio", TARGET_RATIO);
        c.put("targetMet", w.add().p50Ms() / ref.add().p50Ms() <= TARGET_RATIO);
      }
      configs.put(config, c);
    }
    root.put("configs", configs);
    root.put("floor", probe(r.floor()));
    root.put("spawnBaseline", probe(r.spawn()));
    root.put("notes", r.notes());
    return root;
  }

  private static Map<String, Object> side(BenchResult.Side s) {
    Map<String, Object> m = new LinkedHashMap<>();
    PluginSide p = s.side();
    m.put("binary", p.binary().toString());
    m.put("cniPath", p.cniPath());
    m.put("networkConfig", new JsonWriter.Raw(p.networkConfig()));
    m.put("ok", s.ok().size());
    m.put("failures", s.failures());
    m.put("firstFailure", s.firstFailure());
    m.put("add", stats(s.add()));
    m.put("del", stats(s.del()));
    m.put("addCpu", stats(s.addCpu()));
    m.put("delCpu", stats(s.delCpu()));
    m.put("leftoversAfterRun", s.leftovers());
    if (s.trace() != null && !s.trace().isEmpty()) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("lines", s.trace().lines());
      t.put("totalIncludesJvmStart", s.trace().totalIncludesJvmStart());
      t.put("correlatedWithWallTimes", s.trace().correlated());
      t.put("medianMs", s.trace().medians());
      List<Object> raw = new ArrayList<>();
      for (TraceBreakdown.Line l : s.traceLines()) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("command", l.command());
        one.putAll(l.fields());
        raw.add(one);
      }
      t.put("raw", raw);
      m.put("trace", t);
    }
    Map<String, Object> samples = new LinkedHashMap<>();
    samples.put("cycle", s.cycles().stream().map(AddDelCycle.Result::cycle).toList());
    samples.put("position", s.cycles().stream().map(AddDelCycle.Result::position).toList());
    samples.put("addNs", s.cycles().stream().mapToLong(c -> c.add().wallNanos()).toArray());
    samples.put("addExit", s.cycles().stream().map(c -> c.add().exitCode()).toList());
    samples.put("delNs", s.cycles().stream().mapToLong(c -> c.del().wallNanos()).toArray());
    samples.put("delExit", s.cycles().stream().map(c -> c.del().exitCode()).toList());
    samples.put("addCpuNs", s.cycles().stream().mapToLong(c -> c.add().cpuNanos()).toArray());
    samples.put("delCpuNs", s.cycles().stream().mapToLong(c -> c.del().cpuNanos()).toArray());
    m.put("samples", samples);
    return m;
  }

  private static Map<String, Object> probe(BenchResult.Probe p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", p.command());
    m.put("description", p.description());
    m.put("note", p.note());
    m.put("stats", stats(p.stats()));
    m.put("samplesNs", p.nanos() == null ? List.of() : p.nanos());
    m.put("cpu", stats(p.cpu()));
    m.put("cpuSamplesNs", p.cpuNanos() == null ? List.of() : p.cpuNanos());
    return m;
  }

  private static Map<String, Object> stats(LatencyStats s) {
    if (s == null) return null;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", s.count());
    m.put("p50Ms", s.p50Ms());
    m.put("p90Ms", s.p90Ms());
    m.put("p99Ms", s.p99Ms());
    m.put("minMs", s.minMs());
    m.put("meanMs", s.meanMs());
    m.put("maxMs", s.maxMs());
    return m;
  }
}
