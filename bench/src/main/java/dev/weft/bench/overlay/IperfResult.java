package dev.weft.bench.overlay;

import dev.weft.cni.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one {@code iperf3 -c ... -J} run measured: the receiver's rate over the test (after the omitted warm-up
 * second), the sender's retransmits, CPU use at both ends and the per-second interval rates.
 */
record IperfResult(int streams, double receivedBps, double sentBps, long retransmits, double hostCpuPct, double remoteCpuPct,
    List<Double> intervalBps) {

  IperfResult {
    intervalBps = List.copyOf(intervalBps);
  }

  double receivedGbps() {
    return receivedBps / 1e9;
  }

  /** Parses iperf3's {@code -J} document; a document carrying {@code "error"} throws with iperf3's message. */
  static IperfResult parse(String json) {
    Object doc;
    try {
      doc = Json.parse(json.strip());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("iperf3 output is not JSON (" + e.getMessage() + "): " + abbreviate(json), e);
    }
    Map<String, Object> root = map(doc, "document");
    if (root.get("error") != null) throw new IllegalStateException("iperf3: " + root.get("error"));
    Map<String, Object> end = map(root.get("end"), "end");
    Map<String, Object> received = map(end.get("sum_received"), "end.sum_received");
    Map<String, Object> sent = map(end.get("sum_sent"), "end.sum_sent");
    Map<String, Object> cpu = end.get("cpu_utilization_percent") instanceof Map<?, ?> ? map(end.get("cpu_utilization_percent"), "cpu") : Map.of();
    Map<String, Object> start = map(root.get("start"), "start");
    Map<String, Object> testStart = start.get("test_start") instanceof Map<?, ?> ? map(start.get("test_start"), "start.test_start") : Map.of();
    List<Double> intervals = new ArrayList<>();
    if (root.get("intervals") instanceof List<?> l) {
      for (Object o : l) {
        Map<String, Object> iv = map(o, "interval");
        Map<String, Object> sum = map(iv.get("sum"), "interval.sum");
        if (Boolean.TRUE.equals(sum.get("omitted"))) continue;
        intervals.add(num(sum.get("bits_per_second")));
      }
    }
    return new IperfResult((int) num(testStart.getOrDefault("num_streams", 1L)), num(received.get("bits_per_second")),
        num(sent.get("bits_per_second")), (long) num(sent.getOrDefault("retransmits", 0L)), num(cpu.getOrDefault("host_total", -1L)),
        num(cpu.getOrDefault("remote_total", -1L)), intervals);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String what) {
    if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
    throw new IllegalArgumentException("iperf3 JSON: no object " + what);
  }

  private static double num(Object o) {
    if (o instanceof Number n) return n.doubleValue();
    throw new IllegalArgumentException("iperf3 JSON: not a number: " + o);
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
