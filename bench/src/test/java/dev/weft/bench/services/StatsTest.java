package dev.weft.bench.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void nearestRankPercentiles() {
    List<Double> l = new ArrayList<>();
    for (int i = 100; i >= 1; i--) l.add((double) i);
    Stats s = Stats.of(l);
    assertEquals(100, s.n());
    assertEquals(1, s.min());
    assertEquals(50, s.p50());
    assertEquals(99, s.p99());
    assertEquals(100, s.max());
    assertEquals(50.5, s.mean(), 1e-9);
  }

  @Test
  void smallSamples() {
    Stats one = Stats.of(List.of(7.0));
    assertEquals(7, one.p50());
    assertEquals(7, one.p99());
    Stats twenty = Stats.of(java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> (double) i).toList());
    assertEquals(10, twenty.p50());
    assertEquals(20, twenty.p99(), "p99 of 20 samples is the max");
    assertTrue(Double.isNaN(Stats.of(List.of()).p50()));
  }
}
