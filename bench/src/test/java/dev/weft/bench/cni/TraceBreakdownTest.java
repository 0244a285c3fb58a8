package dev.weft.bench.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceBreakdownTest {
  @Test
  void parsesALineAndIgnoresGarbage() {
    var l = TraceBreakdown.parse("{\"command\":\"ADD\",\"jvmStartMs\":40.5,\"parseMs\":1,\"ipamMs\":2.25,\"netlinkMs\":8,\"natMs\":0,\"totalMs\":14}");
    assertEquals("ADD", l.command());
    assertEquals(2.25, l.fields().get("ipamMs"));
    assertEquals(6, l.fields().size());
    assertNull(TraceBreakdown.parse("not json"));
    assertNull(TraceBreakdown.parse("{\"jvmStartMs\":1}")); // no command
  }

  @Test
  void mediansPerCommandWithDerivedParts() {
    List<TraceBreakdown.Line> lines = List.of(
        line("ADD", 40, 1, 2, 8, 0, 12), line("DEL", 42, 1, 1, 20, 0, 23),
        line("ADD", 44, 1, 2, 10, 0, 14), line("DEL", 40, 1, 1, 22, 0, 25));
    long[] wall = {60_000_000, 70_000_000, 64_000_000, 70_000_000};
    var s = TraceBreakdown.summarise(lines, wall);
    assertFalse(s.totalIncludesJvmStart());
    assertTrue(s.correlated());
    Map<String, Double> add = s.medians().get("ADD");
    assertEquals(42, add.get("jvmStartMs"), 1e-9);
    assertEquals(1, add.get(TraceBreakdown.OTHER), 1e-9); // 12-11, 14-13
    assertEquals(7, add.get(TraceBreakdown.OUTSIDE), 1e-9); // 60-40-12=8, 64-44-14=6
  }

  @Test
  void detectsTotalIncludingJvmStart() {
    var s = TraceBreakdown.summarise(List.of(line("ADD", 40, 1, 2, 8, 0, 52), line("ADD", 30, 1, 2, 8, 0, 42)), null);
    assertTrue(s.totalIncludesJvmStart());
    assertFalse(s.correlated());
    assertEquals(1, s.medians().get("ADD").get(TraceBreakdown.OTHER), 1e-9);
    assertNull(s.medians().get("ADD").get(TraceBreakdown.OUTSIDE));
  }

  @Test
  void missingFileIsEmpty(@TempDir Path dir) throws Exception {
    assertTrue(TraceBreakdown.read(dir.resolve("absent")).isEmpty());
    Files.writeString(dir.resolve("empty"), "");
    assertTrue(TraceBreakdown.summarise(TraceBreakdown.read(dir.resolve("empty")), null).isEmpty());
  }

  private static TraceBreakdown.Line line(String cmd, double jvm, double parse, double ipam, double netlink, double nat, double total) {
    return new TraceBreakdown.Line(cmd, Map.of("jvmStartMs", jvm, "parseMs", parse, "ipamMs", ipam, "netlinkMs", netlink, "natMs", nat, "totalMs", total));
  }
}
