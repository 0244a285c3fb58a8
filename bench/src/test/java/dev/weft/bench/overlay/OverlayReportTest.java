package dev.weft.bench.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.cni.protocol.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

class OverlayReportTest {
  /** Three rounds; underlay 10 Gbit/s, overlay 7 (round 2: 6 with underlay 8), same node 20. */
  static OverlayResults sample(boolean fragmented) {
    OverlayResults r = new OverlayResults();
    r.parallel = 4;
    r.paths.add(new BenchPath(BenchPath.SAME_NODE, "pod\u2194pod same node", "bench-a", "ns-a", "bench-b", "ns-b", "10.244.1.3", false));
    r.paths.add(new BenchPath(BenchPath.CROSS_NODE, "pod\u2194pod across nodes (VXLAN)", "bench-a", "ns-a", "bench-c", "ns-c", "10.244.2.2", true));
    r.paths.add(new BenchPath(BenchPath.UNDERLAY, "underlay node-1\u2194node-2", "node-1", "ns-1", "node-2", "ns-2", "172.30.0.12", false));
    int seq = 0;
    double[][] gbps = {{20, 7, 10}, {21, 6, 8}, {19, 7, 10}}; // round x path
    for (int round = 1; round <= 3; round++) {
      for (int streams : new int[] {1, 4}) {
        for (int p = 0; p < 3; p++) {
          double bps = gbps[round - 1][p] * 1e9 * (streams == 1 ? 1 : 1.5);
          Map<String, Map<String, Long>> growth = fragmented && p == 1 && round == 2 && streams == 1 ? Map.of("node-1", Map.of("FragCreates", 2L)) : Map.of();
          r.tput.add(new OverlayResults.Tput(r.paths.get(p).id(), round, ++seq, new IperfResult(streams, bps, bps, 3, 20, 30, List.of(bps, bps)), growth));
        }
      }
      for (int p = 0; p < 3; p++) {
        long base = p == 1 ? 40_000 : 20_000; // ns
        long[] rtt = new long[100];
        for (int i = 0; i < 100; i++) rtt[i] = base + i * 100L; // p50 = base + 4900, p99 = base + 9800
        r.rr.add(new OverlayResults.Rr(r.paths.get(p).id(), round, ++seq, rtt));
        r.ping.add(new OverlayResults.Ping(r.paths.get(p).id(), round, ++seq, new PingResult(3, 3, List.of(50.0, 60.0, p == 1 ? 300.0 : 70.0))));
      }
    }
    r.mtu.put("podEth0", 1450);
    r.mtu.put("vxlanNode1", 1450);
    r.mtu.put("underlayEth0Node1", 1500);
    r.checks.add(new OverlayResults.Check("VXLAN MTU = underlay MTU - 50 on both nodes", true, "1450 vs 1500"));
    r.machine.put("uptimeStart", "02:00:00 up 1:00,  0 user,  load average: 0.50, 0.60, 0.70");
    r.machine.put("uptimeEnd", "02:04:00 up 1:04,  0 user,  load average: 1.50, 0.90, 0.80");
    return r;
  }

  static OverlayOptions opts() {
    return OverlayOptions.parse(List.of("--lab", "benchtest"));
  }

  @Test
  void summariesAndRatios() {
    OverlayResults r = sample(false);
    OverlayResults.PathSummary x = r.summary(BenchPath.CROSS_NODE);
    assertEquals(List.of(7.0, 6.0, 7.0), x.tput1Gbps());
    assertEquals(7.0, x.tput1Median(), 1e-9);
    assertEquals(10.5, x.tputPMedian(), 1e-9);
    assertEquals(9, x.retransmits1());
    assertEquals(44.9, x.rrP50Us(), 1e-9);
    assertEquals(49.8, x.rrP99Us(), 1e-9);
    assertEquals(List.of(44.9, 44.9, 44.9), x.rrRoundP50Us());
    assertEquals(60.0, x.pingP50Us(), 1e-9);
    OverlayReport.Ratios q = OverlayReport.ratios(r);
    assertEquals(0.7, q.cross1(), 1e-9, "ratio of medians 7/10");
    assertEquals(List.of(0.7, 0.75, 0.7), q.cross1Rounds().stream().map(v -> Math.round(v * 1000) / 1000.0).toList(), "paired by round");
    assertEquals(2.0, q.same1(), 1e-9);
    assertEquals(44.9 / 24.9, q.crossRrP50(), 1e-9);
    assertTrue(r.noFragmentation());
    assertTrue(r.allChecksPassed());
  }

  @Test
  void fragmentationFailsTheRun() {
    OverlayResults r = sample(true);
    assertFalse(r.noFragmentation());
    assertFalse(r.allChecksPassed());
    String t = OverlayReport.text(r, opts(), "2026-11-22T02:00:00Z");
    assertTrue(t.contains("fragmentation: FOUND in 1 of 18 iperf3 runs: cross-node round 2 -P 1: {node-1={FragCreates=2}}"), t);
  }

  @Test
  void tableNamesEveryPathAndTheRatios() {
    String t = OverlayReport.text(sample(false), opts(), "2026-11-22T02:00:00Z");
    for (String s : List.of("pod\u2194pod same node", "pod\u2194pod across nodes (VXLAN)", "underlay node-1\u2194node-2",
        "overlay/underlay: throughput 1 stream 0.70x (per round 0.70-0.75), -P 4 0.70x", "fragmentation: none",
        "load: start [02:00:00 up 1:00,  0 user,  load average: 0.50, 0.60, 0.70]"))
      assertTrue(t.contains(s), s + " in\n" + t);
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonKeepsRawSamplesAndHasNoNaN() {
    OverlayResults r = sample(false);
    r.ping.clear(); // no ping: its summaries are NaN, which JSON cannot carry
    Map<String, Object> doc = (Map<String, Object>) Json.parse(Json.write(OverlayReport.json(r, opts(), "t", "bench/run-overlay-bench")));
    Map<String, Object> samples = (Map<String, Object>) doc.get("samples");
    assertEquals(18, ((List<?>) samples.get("iperf3")).size());
    List<Map<String, Object>> rr = (List<Map<String, Object>>) samples.get("tcpRr");
    assertEquals(9, rr.size());
    assertEquals(100, ((List<?>) rr.getFirst().get("rttNanos")).size());
    Map<String, Object> cross = (Map<String, Object>) ((Map<String, Object>) doc.get("summary")).get("cross-node");
    assertNull(cross.get("pingP50Us"));
    assertEquals(0.7, ((Number) ((Map<String, Object>) doc.get("ratios")).get("overlayOverUnderlayTput1")).doubleValue(), 1e-9);
    assertEquals(Boolean.TRUE, ((Map<String, Object>) doc.get("fragmentation")).get("none"));
  }

  @Test
  void svgIsWellFormedAndSaysWhatItShows() throws Exception {
    String svg = OverlaySvg.render(sample(false), opts(), "2026-11-22T02:00:00Z");
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertEquals("svg", doc.getDocumentElement().getTagName());
    assertFalse(svg.contains("NaN"));
    assertFalse(svg.contains("<script") || svg.contains("href="), "self-contained");
    assertTrue(svg.contains("throughput 0.70\u00d7 (1 stream)"), svg);
    assertTrue(svg.contains("fragmentation during 18 iperf3 runs: none"));
    // for a look: mvn test leaves it in target/
    Path out = Path.of("target", "overlay-svg-sample.svg");
    if (Files.isDirectory(out.getParent())) Files.writeString(out, svg);
  }

  @Test
  void axisTicksAreRound() {
    assertEquals(List.of(5.0, 25.0), List.of(OverlaySvg.axis(20)[0], OverlaySvg.axis(20)[1]));
    assertEquals(100.0, OverlaySvg.axis(480)[0]);
    assertTrue(OverlaySvg.axis(480)[1] >= 480 * 1.1);
    assertEquals(0.2, OverlaySvg.axis(0.9)[0], 1e-12);
    assertEquals(1.2, OverlaySvg.axis(0.0)[1], 1e-12, "an empty chart still has an axis");
    assertEquals(List.of("0", "2.5", "7.5", "10", "0.6", "0.75", "200"), List.of(OverlaySvg.tick(0, 2.5), OverlaySvg.tick(2.5, 2.5), OverlaySvg.tick(7.5, 2.5),
        OverlaySvg.tick(10, 2.5), OverlaySvg.tick(0.6, 0.2), OverlaySvg.tick(0.75, 0.25), OverlaySvg.tick(200, 50)));
  }
}
