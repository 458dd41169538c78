package dev.cutover.stats;

import java.util.Arrays;

/**
 * A histogram as Prometheus keeps one: cumulative counts of the values at most each upper bound
 * ({@code le}), the last bound {@code +Inf}. Made from the growth of the bucket counters, it holds
 * exactly the values observed in between, so the statistics below are of those values.
 *
 * <p>Quantiles are interpolated linearly within their bucket, as {@code histogram_quantile} does
 * (the first bucket starts at 0 when its bound is positive). Their variance is the asymptotic one
 * of a sample quantile, {@code q (1 - q) / f²}, with {@code f} the density the interpolation
 * assumes in that bucket: the bucket's share of the values over its width. The mean's variance is
 * computed from the bucket midpoints (a value in the {@code +Inf} bucket counts as the highest
 * finite bound), so it is only as fine as the buckets are.
 */
public final class Histogram {
  private final double[] upper;
  private final double[] cumulative;

  /**
   * @param upper the upper bounds, ascending, the last {@code +Inf}
   * @param cumulative the count at most each bound; made non-decreasing (as {@code
   *     histogram_quantile} does: sums of counters scraped at slightly different times may dip)
   */
  public Histogram(double[] upper, double[] cumulative) {
    if (upper.length != cumulative.length || upper.length < 2) {
      throw new IllegalArgumentException("a histogram needs at least two buckets, one per bound");
    }
    if (upper[upper.length - 1] != Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("the last bucket of a histogram is le=\"+Inf\"");
    }
    for (int i = 1; i < upper.length; i++) {
      if (!(upper[i] > upper[i - 1])) {
        throw new IllegalArgumentException("bucket bounds must ascend");
      }
    }
    this.upper = upper.clone();
    this.cumulative = cumulative.clone();
    for (int i = 1; i < this.cumulative.length; i++) {
      this.cumulative[i] = Math.max(this.cumulative[i], this.cumulative[i - 1]);
    }
  }

  /** How many values in all. */
  public double count() {
    return cumulative[cumulative.length - 1];
  }

  /** The highest finite bound. */
  public double highestBound() {
    return upper[upper.length - 2];
  }

  private double lower(int b) {
    return b == 0 ? Math.min(0, upper[0]) : upper[b - 1];
  }

  private double inBucket(int b) {
    return cumulative[b] - (b == 0 ? 0 : cumulative[b - 1]);
  }

  /**
   * The {@code q} quantile and its variance; null when it lies in the {@code +Inf} bucket (above
   * the highest finite bound, where a histogram cannot place it) or there are no values.
   */
  public Estimate quantile(double q) {
    double n = count();
    if (!(n > 0)) {
      return null;
    }
    double rank = q * n;
    int b = 0;
    while (cumulative[b] < rank) {
      b++;
    }
    if (b == upper.length - 1) {
      return null;
    }
    double lo = lower(b);
    double width = upper[b] - lo;
    double c = inBucket(b);
    double value = lo + width * (rank - (b == 0 ? 0 : cumulative[b - 1])) / c;
    double density = c / n / width;
    return new Estimate(n, value, q * (1 - q) / (density * density));
  }

  /**
   * The mean: {@code sum / count} when the exact sum of the values is known (a histogram's {@code
   * _sum}), else from the midpoints; its variance from the midpoints.
   */
  public Estimate mean(Double sum) {
    double n = count();
    if (!(n > 0)) {
      return null;
    }
    double s = 0;
    double s2 = 0;
    for (int b = 0; b < upper.length; b++) {
      double mid = b == upper.length - 1 ? highestBound() : (lower(b) + upper[b]) / 2;
      double c = inBucket(b);
      s += c * mid;
      s2 += c * mid * mid;
    }
    Estimate fromMidpoints = Estimate.mean(n, s, s2);
    return new Estimate(n, sum == null ? fromMidpoints.value() : sum / n, fromMidpoints.variance());
  }

  @Override
  public String toString() {
    return "Histogram" + Arrays.toString(upper) + Arrays.toString(cumulative);
  }
}
