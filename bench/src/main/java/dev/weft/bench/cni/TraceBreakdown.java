package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where weft-cni's time goes, from the per-invocation trace it writes when {@code WEFT_CNI_TRACE} is
 * set: one flat JSON object a line, {@code {"command":"ADD","jvmStartMs":..,"parseMs":..,"ipamMs":..,
 * "netlinkMs":..,"natMs":..,"totalMs":..}}. Any other numeric field is kept too. Two parts are
 * derived: {@code otherInMainMs} (totalMs less the named phases) and, when the trace lines line up
 * one to one with the timed invocations, {@code outsideMainMs} (the harness's wall time less
 * jvmStartMs and totalMs: the launcher script, exec, JVM exit and reaping).
 */
public final class TraceBreakdown {
  static final List<String> KNOWN = List.of("jvmStartMs", "parseMs", "ipamMs", "netlinkMs", "natMs", "totalMs");
  static final String OTHER = "otherInMainMs";
  static final String OUTSIDE = "outsideMainMs";
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*(\"([^\"]*)\"|-?[0-9][0-9.eE+-]*)");

  /** One trace line. */
  public record Line(String command, Map<String, Double> fields) {}

  /** Medians per command ("ADD", "DEL") and field, in display order, plus how totalMs was read. */
  public record Summary(Map<String, Map<String, Double>> medians, int lines, boolean totalIncludesJvmStart, boolean correlated) {
    public boolean isEmpty() {
      return lines == 0;
    }
  }

  private TraceBreakdown() {}

  public static List<Line> read(Path file) throws IOException {
    List<Line> out = new ArrayList<>();
    if (file == null || !Files.isRegularFile(file)) return out;
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Line l = parse(raw);
      if (l != null) out.add(l);
    }
    return out;
  }

  static Line parse(String raw) {
    String s = raw.strip();
    if (!s.startsWith("{")) return null;
    String command = null;
    Map<String, Double> fields = new LinkedHashMap<>();
    Matcher m = FIELD.matcher(s);
    while (m.find()) {
      if (m.group(3) != null) {
        if (m.group(1).equals("command")) command = m.group(3);
      } else {
        try {
          fields.put(m.group(1), Double.parseDouble(m.group(2)));
        } catch (NumberFormatException ignored) {
          // not a number after all: skip the field
        }
      }
    }
    Double jvm = fields.get("jvmStartMs");
    if (jvm != null && jvm < 0) fields.remove("jvmStartMs"); // the launcher gave no start timestamp
    return command == null ? null : new Line(command, fields);
  }

  /**
   * @param lines     the trace lines of the measured invocations, in order
   * @param wallNanos the harness's wall times of the same invocations in the same order, or null
   */
  public static Summary summarise(List<Line> lines, long[] wallNanos) {
    boolean correlated = wallNanos != null && wallNanos.length == lines.size() && !lines.isEmpty();
    // totalMs measured from process start (includes jvmStartMs) or from main()? Decide from the data:
    // if it included JVM start it would be >= jvmStart + phases on (nearly) every line.
    int includes = 0, judged = 0;
    for (Line l : lines) {
      Double total = l.fields.get("totalMs"), jvm = l.fields.get("jvmStartMs");
      if (total == null || jvm == null || jvm <= 0) continue;
      judged++;
      if (total + 0.05 >= jvm + phaseSum(l)) includes++;
    }
    boolean totalIncludesJvm = judged > 0 && includes >= 0.9 * judged;

    Map<String, Map<String, List<Double>>> byCmd = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      Line l = lines.get(i);
      Map<String, List<Double>> f = byCmd.computeIfAbsent(l.command, k -> new LinkedHashMap<>());
      for (var e : l.fields.entrySet()) f.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
      Double total = l.fields.get("totalMs");
      double jvm = l.fields.getOrDefault("jvmStartMs", 0.0);
      if (total != null) {
        double inMain = totalIncludesJvm ? total - jvm : total;
        f.computeIfAbsent(OTHER, k -> new ArrayList<>()).add(Math.max(0, inMain - phaseSum(l)));
        if (correlated) {
          double wall = wallNanos[i] / 1e6;
          f.computeIfAbsent(OUTSIDE, k -> new ArrayList<>()).add(wall - jvm - inMain);
        }
      }
    }
    Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
    for (var cmd : byCmd.entrySet()) {
      Map<String, Double> med = new LinkedHashMap<>();
      Set<String> order = new LinkedHashSet<>(KNOWN);
      order.addAll(cmd.getValue().keySet());
      order.remove(OTHER);
      order.remove(OUTSIDE);
      order.add(OTHER);
      order.add(OUTSIDE);
      for (String k : order) {
        List<Double> v = cmd.getValue().get(k);
        if (v != null) med.put(k, LatencyStats.median(v.stream().mapToDouble(Double::doubleValue).toArray()));
      }
      medians.put(cmd.getKey(), med);
    }
    return new Summary(medians, lines.size(), totalIncludesJvm, correlated);
  }

  /** Sum of the named phases of a line: every numeric field but jvmStartMs and totalMs. */
  static double phaseSum(Line l) {
    double s = 0;
    for (var e : l.fields.entrySet())
      if (!e.getKey().equals("jvmStartMs") && !e.getKey().equals("totalMs") && e.getKey().endsWith("Ms")) s += e.getValue();
    return s;
  }
}
