package dev.weft.bench.cni;

import java.util.Arrays;

/**
 * Percentiles of a set of latency samples (nanoseconds). Percentiles interpolate linearly between
 * the two closest ranks (the "R-7" definition, numpy's and a spreadsheet's default): with n samples
 * the p-quantile sits at rank {@code (n-1)·p}. With 200 samples p99 lies between the 2nd and 3rd
 * largest sample, so it is a noisy number; it is reported, not over-read.
 */
public final class LatencyStats {
  private final long[] sorted;

  public LatencyStats(long[] nanos) {
    if (nanos.length == 0) throw new IllegalArgumentException("no samples");
    this.sorted = nanos.clone();
    Arrays.sort(sorted);
  }

  public static LatencyStats of(long... nanos) {
    return new LatencyStats(nanos);
  }

  public int count() {
    return sorted.length;
  }

  /** The p-quantile in nanoseconds, p in [0, 1]. */
  public double percentile(double p) {
    if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("percentile out of [0,1]: " + p);
    double rank = (sorted.length - 1) * p;
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, sorted.length - 1);
    double frac = rank - lo;
    return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
  }

  public double percentileMs(double p) {
    return percentile(p) / 1e6;
  }

  public double p50Ms() {
    return percentileMs(0.50);
  }

  public double p90Ms() {
    return percentileMs(0.90);
  }

  public double p99Ms() {
    return percentileMs(0.99);
  }

  public double minMs() {
    return sorted[0] / 1e6;
  }

  public double maxMs() {
    return sorted[sorted.length - 1] / 1e6;
  }

  public double meanMs() {
    double sum = 0;
    for (long v : sorted) sum += v;
    return sum / sorted.length / 1e6;
  }

  /** The samples in ascending order (a copy), for a CDF. */
  public long[] sortedNanos() {
    return sorted.clone();
  }

  /** Median of arbitrary doubles (used for the trace breakdown); NaN when empty. */
  public static double median(double[] values) {
    if (values.length == 0) return Double.NaN;
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
}
