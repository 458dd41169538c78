package dev.cutover.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * A summary of samples. Percentiles are nearest-rank (the smallest sample with at least p% of the
 * samples at or below it: rank {@code ceil(p/100 * n)}), so every reported percentile is a value
 * that was actually measured; the median is the usual one (mean of the two middle samples when n is
 * even).
 */
record Stats(int n, double min, double median, double p95, double p99, double max, double mean) {
  static final Stats EMPTY =
      new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  static Stats of(Collection<? extends Number> samples) {
    return of(samples.stream().mapToDouble(Number::doubleValue).toArray());
  }

  static Stats of(double... samples) {
    if (samples.length == 0) {
      return EMPTY;
    }
    double[] s = samples.clone();
    Arrays.sort(s);
    double sum = 0;
    for (double v : s) {
      sum += v;
    }
    return new Stats(
        s.length,
        s[0],
        median(s),
        percentile(s, 95),
        percentile(s, 99),
        s[s.length - 1],
        sum / s.length);
  }

  /** Nearest-rank percentile of sorted samples, 0 < p <= 100. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(1, rank) - 1];
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
