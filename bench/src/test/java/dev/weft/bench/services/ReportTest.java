package dev.weft.bench.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  static List<ServicesBench.SyncSample> syncs() {
    List<ServicesBench.SyncSample> l = new ArrayList<>();
    for (int size : new int[] {1, 10_000}) {
      for (String b : List.of("nftables", "iptables")) {
        double scale = b.equals("nftables") ? 1 : 20;
        l.add(new ServicesBench.SyncSample(b, size, "full", 0, scale * (size == 1 ? 5 : 600), 0, true, size, size * 20, "", false));
        for (int i = 0; i < 20; i++) l.add(new ServicesBench.SyncSample(b, size, "update", i, scale * (10 + i), 0, false, 1, 20, "x", false));
      }
    }
    return l;
  }

  static List<ServicesBench.Series> latency() {
    List<ServicesBench.Series> l = new ArrayList<>();
    for (int size : new int[] {1, 10_000}) {
      for (String b : List.of("nftables", "iptables")) {
        double base = b.equals("iptables") && size > 1 ? 300 : 30;
        for (String t : List.of("clusterip-connect", "direct-connect", "steady")) {
          List<Double> v = new ArrayList<>();
          for (int i = 0; i < 100; i++) v.add(base + i % 10 + (i % 20 == 19 ? 5000 : 0));
          l.add(new ServicesBench.Series(b, size, t, v));
        }
      }
    }
    l.add(new ServicesBench.Series("none", 0, "direct-connect", List.of(20.0, 21.0)));
    l.add(new ServicesBench.Series("none", 0, "steady", List.of(15.0, 16.0)));
    return l;
  }

  @Test
  void targetsAndTable() {
    Summary s = new Summary(syncs(), latency(), List.of("nftables", "iptables"), List.of(1, 10_000));
    assertEquals(5, s.rows.size(), "2 backends × 2 sizes + the floor");
    assertEquals(4, s.targets.size());
    assertTrue(s.targets.get(0).met(), "600 ms < 1 s");
    assertTrue(s.targets.get(1).met(), "p50 of 10..29 ms < 50 ms");
    assertTrue(s.targets.get(2).met(), "same latency at both sizes");
    String t = s.table();
    assertTrue(t.contains("[MET ] nftables full sync of 10000 services"), t);
    assertTrue(t.contains("iptables 10000 vs 1 services: first packet p50 ×"), t);
    assertTrue(t.contains("floor"), t);
  }

  @Test
  void svgIsSelfContainedAndLabelled() {
    Summary s = new Summary(syncs(), latency(), List.of("nftables", "iptables"), List.of(1, 10_000));
    String svg = SvgChart.render(s, List.of(1, 10_000), List.of("nftables", "iptables"), "t <&>", "sub");
    assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assertTrue(svg.contains("t &lt;&amp;&gt;"));
    assertTrue(svg.contains("nftables target at 10 000: 1 s"));
    assertTrue(svg.contains("10 000 services"));
    assertTrue(svg.contains("↑50"), "a p99 far above the medians is cut and written out");
    assertFalse(svg.contains("<script"));
    assertFalse(svg.contains("href"));
  }

  @Test
  void json() {
    String j = Json.write(Map.of("a", List.of(1.5, 2.0), "r", new Stats(1, 1, 2, 3, 4, Double.NaN), "s", "q\"\n"));
    assertTrue(j.contains("\"a\": [1.5,2]"), j);
    assertTrue(j.contains("\"mean\": null"), j);
    assertTrue(j.contains("\"q\\\"\\n\""), j);
  }
}
