package dev.cutover.engine;

import dev.cutover.plan.Check;
import dev.cutover.stats.Estimate;
import dev.cutover.stats.Histogram;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Simulated soaks of a sequential compare gate on latency, the continuous counterpart of {@link
 * CompareSoaks}: every minute of a 7-day soak, each path's requests take log-normal latencies
 * (median 100 ms, {@code sigma} 0.5, so a p95 of 228 ms; the new path's multiplied by {@code
 * slowdown}), and the gate is judged on the running totals by the engine's own decision ({@link
 * ContinuousCompare#shownWorse} on {@link Histogram} or {@link Estimate#mean}). A run "rolls back"
 * at the first FAIL.
 *
 * <ul>
 *   <li>{@code p95} from a Prometheus histogram: each bucket's count in a minute is Poisson (exact
 *       below a mean of 30, normal above), with the buckets below.
 *   <li>{@code mean} from SQL aggregates: each minute's count is Poisson, and its sum and sum of
 *       squares are drawn jointly normal with the log-normal's moments (the central limit of a
 *       minute's values; the sums over the soak are what the test sees).
 * </ul>
 *
 * Deterministic for a seed; no Temporal, no I/O. {@code ./bench stats} prints the figures.
 */
public final class MetricSoaks {
  /** The simulated histogram's bucket bounds, in seconds (the last is {@code +Inf}). */
  static final double[] BOUNDS = {
    0.025,
    0.05,
    0.075,
    0.1,
    0.125,
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.75,
    1,
    2.5,
    Double.POSITIVE_INFINITY
  };

  static final double MEDIAN = 0.1;
  static final double SIGMA = 0.5;

  /** What is simulated: {@code spec}'s statistic, the new path {@code slowdown} times slower. */
  public record Scenario(
      int runs,
      int minutes,
      int requestsPerMinute,
      double newShare,
      double slowdown,
      Check.Compare spec,
      long seed) {}

  private MetricSoaks() {}

  /** The gate the figures are for, on {@code statistic} ({@code p95} or {@code mean}). */
  public static Check.Compare gate(String statistic, double alpha, double relativeMargin) {
    boolean histogram = !statistic.equals("mean");
    Check.Compare.Metric.Side side =
        histogram
            ? new Check.Compare.Metric.Side("buckets", null, null, null)
            : new Check.Compare.Metric.Side(null, "sum", "count", "sumOfSquares");
    return new Check.Compare(
        "src",
        histogram ? Check.Compare.Kind.PROMETHEUS : Check.Compare.Kind.SQL,
        null,
        null,
        null,
        null,
        0,
        0.95,
        100,
        Check.Compare.Method.SEQUENTIAL,
        alpha,
        relativeMargin,
        new Check.Compare.Metric(statistic, "s", side, side));
  }

  /** 1,000 requests a minute, 10% on the new path, for 7 days. */
  public static Scenario scenario(int runs, Check.Compare spec, double slowdown, long seed) {
    return new Scenario(runs, 7 * 24 * 60, 1000, 0.10, slowdown, spec, seed);
  }

  /** The minute of each run's rollback, -1 where it did not roll back within the soak. */
  public static int[] run(Scenario s) {
    int[] out = new int[s.runs()];
    SplittableRandom root = new SplittableRandom(s.seed());
    for (int i = 0; i < s.runs(); i++) {
      out[i] = soak(s, root.split());
    }
    return out;
  }

  private static int soak(Scenario s, SplittableRandom rnd) {
    double newN = s.requestsPerMinute() * s.newShare();
    double baseN = s.requestsPerMinute() - newN;
    boolean histogram = s.spec().metric().news().buckets() != null;
    Side news = new Side(newN, s.slowdown(), histogram);
    Side base = new Side(baseN, 1, histogram);
    for (int m = 1; m <= s.minutes(); m++) {
      news.minute(rnd);
      base.minute(rnd);
      if (news.count() < s.spec().minSamples() || base.count() < s.spec().minSamples()) {
        continue;
      }
      if (ContinuousCompare.shownWorse(
          s.spec(), news.estimate(s.spec()), base.estimate(s.spec()))) {
        return m;
      }
    }
    return -1;
  }

  /** One path's running totals. */
  private static final class Side {
    private final double[] bucketMeans;
    private final double[] cumulative;
    private final double perMinute;
    private final double m1;
    private final double varX;
    private final double covXx2;
    private final double varX2;
    private final double m2;
    private final boolean histogram;
    private double count;
    private double sum;
    private double sumOfSquares;

    Side(double perMinute, double slowdown, boolean histogram) {
      this.perMinute = perMinute;
      this.histogram = histogram;
      double mu = Math.log(MEDIAN * slowdown);
      bucketMeans = new double[BOUNDS.length];
      double below = 0;
      for (int b = 0; b < BOUNDS.length; b++) {
        double p = b == BOUNDS.length - 1 ? 1 : cdf((Math.log(BOUNDS[b]) - mu) / SIGMA);
        bucketMeans[b] = perMinute * (p - below);
        below = p;
      }
      cumulative = new double[BOUNDS.length];
      m1 = moment(mu, 1);
      m2 = moment(mu, 2);
      varX = m2 - m1 * m1;
      covXx2 = moment(mu, 3) - m1 * m2;
      varX2 = moment(mu, 4) - m2 * m2;
    }

    private static double moment(double mu, int k) {
      return Math.exp(k * mu + k * k * SIGMA * SIGMA / 2);
    }

    void minute(SplittableRandom rnd) {
      if (histogram) {
        double c = 0;
        for (int b = 0; b < BOUNDS.length; b++) {
          c += poisson(bucketMeans[b], rnd);
          cumulative[b] += c;
        }
        count += c;
        return;
      }
      double c = poisson(perMinute, rnd);
      // (sum, sum of squares) of c values: jointly normal, correlated as x and x² are.
      double z1 = rnd.nextGaussian();
      double z2 = rnd.nextGaussian();
      double sdX = Math.sqrt(c * varX);
      double rho = covXx2 / Math.sqrt(varX * varX2);
      double sdX2 = Math.sqrt(c * varX2);
      count += c;
      sum += c * m1 + sdX * z1;
      sumOfSquares += c * m2 + sdX2 * (rho * z1 + Math.sqrt(1 - rho * rho) * z2);
    }

    double count() {
      return count;
    }

    Estimate estimate(Check.Compare spec) {
      if (!histogram) {
        return Estimate.mean(count, sum, sumOfSquares);
      }
      Histogram h = new Histogram(BOUNDS, cumulative);
      double q = spec.metric().quantile();
      return Double.isNaN(q) ? h.mean(null) : h.quantile(q);
    }
  }

  /** Poisson: exact by inversion for a small mean, normal (rounded, at least 0) for a large one. */
  static double poisson(double mean, SplittableRandom rnd) {
    if (mean > 30) {
      return Math.max(0, Math.rint(mean + Math.sqrt(mean) * rnd.nextGaussian()));
    }
    double u = rnd.nextDouble();
    double p = Math.exp(-mean);
    double cdf = p;
    int k = 0;
    while (u > cdf && k < 1000) {
      k++;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }

  /** The standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; error below 1.5e-7). */
  static double cdf(double z) {
    double x = Math.abs(z) / Math.sqrt(2);
    double t = 1 / (1 + 0.3275911 * x);
    double y =
        1
            - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                    + 0.254829592)
                * t
                * Math.exp(-x * x);
    return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
  }

  /** Prints the figures for {@code runs} soaks from {@code seed}. */
  static void report(int runs, long seed) {
    System.out.println();
    System.out.println(
        "latency compare gate measured every minute for 7 days; 1,000 requests a minute, 10% on"
            + " the new path; log-normal latency, median 100 ms, p95 228 ms; alpha 0.05; "
            + runs
            + " runs each, seed "
            + seed);
    for (String statistic : new String[] {"p95", "mean"}) {
      Check.Compare spec = gate(statistic, 0.05, 0);
      long t0 = System.nanoTime();
      int[] aa = run(scenario(runs, spec, 1, seed));
      int[] ab10 = run(scenario(runs, spec, 1.1, seed + 1));
      int[] ab20 = run(scenario(runs, spec, 1.2, seed + 2));
      System.out.printf(
          Locale.ROOT,
          "%-4s margin 0: A/A rolled back %.1f%%; new path 10%% slower: detected %.1f%%, median %d"
              + " min, 90%% within %d min; 20%% slower: detected %.1f%%, median %d min, 90%%"
              + " within %d min (%.1f s)%n",
          statistic,
          100 * CompareSoaks.Result.rate(aa),
          100 * CompareSoaks.Result.rate(ab10),
          CompareSoaks.Result.median(ab10),
          CompareSoaks.Result.quantile(ab10, 0.9),
          100 * CompareSoaks.Result.rate(ab20),
          CompareSoaks.Result.median(ab20),
          CompareSoaks.Result.quantile(ab20, 0.9),
          (System.nanoTime() - t0) / 1e9);
    }
  }
}
