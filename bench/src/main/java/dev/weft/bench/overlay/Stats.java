package dev.weft.bench.overlay;

import java.util.Arrays;
import java.util.List;

/** Order statistics (nearest-rank percentiles, linear-interpolated medians of small sets). */
final class Stats {
  private Stats() {}

  /** The nearest-rank {@code p}-th percentile (0 < p <= 100) of {@code values}; NaN when empty. */
  static double percentile(double[] values, double p) {
    if (values.length == 0) return Double.NaN;
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100.0 * s.length);
    return s[Math.min(s.length, Math.max(1, rank)) - 1];
  }

  static double percentile(long[] values, double p) {
    return percentile(Arrays.stream(values).asDoubleStream().toArray(), p);
  }

  /** The median (mean of the two middle values for an even count); NaN when empty. */
  static double median(List<Double> values) {
    if (values.isEmpty()) return Double.NaN;
    double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
