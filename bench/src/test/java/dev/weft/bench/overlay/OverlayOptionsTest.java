package dev.weft.bench.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayOptionsTest {
  @Test
  void defaultsFollowTheIssue() {
    OverlayOptions o = OverlayOptions.parse(List.of());
    assertEquals(3, o.rounds());
    assertEquals(10, o.seconds());
    assertEquals(4, o.parallel());
    assertEquals(200, o.pingCount());
    assertTrue(o.png());
    assertTrue(o.labName().matches("bench[a-z0-9]+") && o.labName().length() <= 16, o.labName());
    assertTrue(o.dist().isAbsolute());
    assertEquals(Path.of("bench/results").toAbsolutePath().normalize(), o.out());
  }

  @Test
  void options() {
    OverlayOptions o = OverlayOptions.parse(List.of("--rounds", "5", "--seconds", "3", "--parallel", "8", "--rr-samples", "100", "--rr-warmup", "0",
        "--rr-size", "64", "--ping-count", "0", "--dist", "/opt/weft/dist", "--out", "/tmp/x", "--lab", "benchx1", "--no-png"));
    assertEquals(List.of(5, 3, 8, 100, 0, 64, 0), List.of(o.rounds(), o.seconds(), o.parallel(), o.rrSamples(), o.rrWarmup(), o.rrSize(), o.pingCount()));
    assertEquals(Path.of("/opt/weft/dist"), o.dist());
    assertEquals("benchx1", o.labName());
    assertFalse(o.png());
  }

  @Test
  void badOptions() {
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--rounds", "0")));
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--rounds")));
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--seconds", "ten")));
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--parallel", "1")));
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--lab", "bench-1")), "dash: not a lab name");
    assertThrows(IllegalArgumentException.class, () -> OverlayOptions.parse(List.of("--frobnicate")));
  }
}
