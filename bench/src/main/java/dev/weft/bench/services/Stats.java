package dev.weft.bench.services;

import java.util.Arrays;
import java.util.List;

/** Percentiles of a sample (nearest rank), in the sample's unit. */
public record Stats(int n, double min, double p50, double p99, double max, double mean) {
  public static Stats of(List<? extends Number> samples) {
    double[] s = samples.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    return of(s);
  }

  public static Stats of(double[] sorted) {
    double[] s = sorted.clone();
    Arrays.sort(s);
    if (s.length == 0) return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    return new Stats(s.length, s[0], rank(s, 0.50), rank(s, 0.99), s[s.length - 1], Arrays.stream(s).average().orElse(Double.NaN));
  }

  /** Nearest-rank percentile: the smallest sample with at least q of the sample at or below it. */
  static double rank(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
