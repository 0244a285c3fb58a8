package dev.weft.bench.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {
  private static final double EPS = 1e-9;

  @Test
  void percentilesInterpolateBetweenRanks() {
    // 1..100 ms, shuffled order must not matter
    long[] v = LongStream.rangeClosed(1, 100).map(i -> ((i * 37) % 100 + 1) * 1_000_000L).toArray();
    LatencyStats s = new LatencyStats(v);
    assertEquals(100, s.count());
    assertEquals(50.5, s.p50Ms(), EPS);
    assertEquals(90.1, s.p90Ms(), EPS);
    assertEquals(99.01, s.p99Ms(), EPS);
    assertEquals(1.0, s.minMs(), EPS);
    assertEquals(100.0, s.maxMs(), EPS);
    assertEquals(50.5, s.meanMs(), EPS);
    assertEquals(1.0, s.percentileMs(0), EPS);
    assertEquals(100.0, s.percentileMs(1), EPS);
  }

  @Test
  void oddCountMedianIsTheMiddleSample() {
    LatencyStats s = LatencyStats.of(30, 10, 20);
    assertEquals(20, s.percentile(0.5), EPS);
    assertEquals(28, s.percentile(0.9), EPS); // rank 1.8: 20 + 0.8 * 10
  }

  @Test
  void singleSampleIsEveryPercentile() {
    LatencyStats s = LatencyStats.of(7_000_000);
    assertEquals(7.0, s.p50Ms(), EPS);
    assertEquals(7.0, s.p99Ms(), EPS);
  }

  @Test
  void inputIsNotModifiedAndSortedCopyIsAscending() {
    long[] v = {5, 1, 3};
    LatencyStats s = new LatencyStats(v);
    assertEquals(5, v[0]);
    long[] sorted = s.sortedNanos();
    assertEquals(1, sorted[0]);
    assertEquals(5, sorted[2]);
  }

  @Test
  void rejectsNoSamplesAndBadPercentiles() {
    assertThrows(IllegalArgumentException.class, () -> new LatencyStats(new long[0]));
    assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(1).percentile(1.5));
    assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(1).percentile(Double.NaN));
  }

  @Test
  void medianOfDoubles() {
    assertEquals(2.5, LatencyStats.median(new double[] {4, 1, 2, 3}), EPS);
    assertEquals(3, LatencyStats.median(new double[] {5, 3, 1}), EPS);
    assertEquals(Double.NaN, LatencyStats.median(new double[0]));
  }
}
