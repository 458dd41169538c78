package dev.cutover.stats;

/**
 * Confidence sequences for a difference between two groups: intervals that hold at every sample
 * size at once, so they may be looked at after every new observation (a gate measured every minute
 * for a week) without the error rate growing with the number of looks.
 *
 * <p>The method is the normal-mixture boundary of the asymptotic confidence sequence (Waudby-Smith,
 * Arbour, Sinha, Kennedy and Ramdas, "Time-uniform central limit theory and asymptotic confidence
 * sequences", 2021, after Robbins' normal mixture as in Howard, Ramdas, McAuliffe and Sekhon,
 * "Time-uniform, nonparametric, nonasymptotic confidence sequences", 2021). With {@code n}
 * observations in all, an estimate {@code d} whose variance is {@code sigma^2 / n}, and the mixing
 * parameter {@code rho}, the interval at level {@code 1 - alpha} is
 *
 * <pre>
 *   d  +-  sigma * sqrt( 2 (n rho^2 + 1) / (n^2 rho^2) * ln( sqrt(n rho^2 + 1) / alpha ) )
 * </pre>
 *
 * It is the same interval as the mixture sequential probability ratio test (mSPRT) of Johari,
 * Pekelis and Walsh ("Always valid inference", 2017) with a normal mixing distribution of variance
 * {@code tau^2 = sigma^2 rho^2}: the interval is the set of differences the mSPRT does not reject.
 * {@code rho} is chosen so that the interval is narrowest at {@code nStar} observations in all
 * (Howard et al., section 3.5): {@code rho^2 = (2 ln(1/alpha) + ln(2 ln(1/alpha) + 1)) / nStar}.
 * The interval stays valid at every other {@code n}, only a little wider.
 *
 * <p>Two groups of sizes {@code n1} and {@code n2} (the new path and the baseline) are one sequence
 * of {@code n = n1 + n2} observations whose difference estimate {@code d = mean1 - k mean2} has
 * variance {@code v1/n1 + k^2 v2/n2}, written {@code sigma^2/n}. {@code k} is {@code 1 + relative
 * margin}: the sequence is for {@code mean1 - k mean2}, so "worse by more than 10%" is a question
 * about whether that difference is above 0. Pure, stateless, thread-safe.
 */
public final class ConfidenceSequence {
  /**
   * The default tuning: narrowest at 10,000 observations in all (ten minutes at 1,000 a minute).
   */
  public static final double DEFAULT_N_STAR = 10_000;

  private ConfidenceSequence() {}

  /** An estimate and its two-sided interval at level {@code 1 - alpha}. */
  public record Interval(double estimate, double low, double high) {
    /** The half-width. */
    public double halfWidth() {
      return (high - low) / 2;
    }
  }

  /** {@code rho^2} for an interval narrowest at {@code nStar} observations (Howard et al.). */
  static double rhoSquared(double alpha, double nStar) {
    double l = 2 * Math.log(1 / alpha);
    return (l + Math.log(l + 1)) / nStar;
  }

  /**
   * The half-width of the interval for one sequence of {@code n} observations of standard deviation
   * {@code sigma} (the normal-mixture boundary divided by {@code n}).
   */
  public static double halfWidth(double n, double sigma, double alpha, double nStar) {
    check(alpha, nStar);
    if (!(n > 0)) {
      return Double.POSITIVE_INFINITY;
    }
    double r2 = rhoSquared(alpha, nStar);
    double nr = n * r2 + 1;
    return sigma * Math.sqrt(2 * nr / (n * n * r2) * Math.log(Math.sqrt(nr) / alpha));
  }

  /**
   * The interval for {@code mean1 - k mean2}, two groups of {@code n1} and {@code n2} observations
   * with the given means and variances (per observation).
   */
  public static Interval difference(
      double n1,
      double mean1,
      double var1,
      double n2,
      double mean2,
      double var2,
      double k,
      double alpha,
      double nStar) {
    double d = mean1 - k * mean2;
    if (!(n1 > 0) || !(n2 > 0)) {
      return new Interval(d, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }
    double n = n1 + n2;
    double sigma = Math.sqrt(n * (var1 / n1 + k * k * var2 / n2));
    double h = halfWidth(n, sigma, alpha, nStar);
    return new Interval(d, d - h, d + h);
  }

  /**
   * The interval for {@code p1 - k p2}, two proportions: {@code x1} failures of {@code n1} and
   * {@code x2} of {@code n2}. Each variance is estimated with one failure and one success added
   * ({@code (x+1)/(n+2)}), so that a side with no failures yet still has a variance and a run of
   * zeros cannot prove anything by itself.
   */
  public static Interval proportions(
      double x1, double n1, double x2, double n2, double k, double alpha, double nStar) {
    double p1 = n1 > 0 ? x1 / n1 : 0;
    double p2 = n2 > 0 ? x2 / n2 : 0;
    return difference(n1, p1, bernoulli(x1, n1), n2, p2, bernoulli(x2, n2), k, alpha, nStar);
  }

  private static double bernoulli(double x, double n) {
    double q = (x + 1) / (n + 2);
    return q * (1 - q);
  }

  private static void check(double alpha, double nStar) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
    }
    if (!(nStar > 0)) {
      throw new IllegalArgumentException("nStar must be positive: " + nStar);
    }
  }
}
