package dev.cutover.stats;

/**
 * A statistic of one path's values (a mean, a quantile) estimated from {@code n} of them, and its
 * asymptotic variance per observation: the estimate's standard error is {@code sqrt(variance / n)}.
 * What {@link ConfidenceSequence#difference} takes for each side.
 *
 * @param n how many values the estimate is from
 * @param value the estimate
 * @param variance the variance per observation (for a mean, the values' variance; for a quantile
 *     {@code q}, {@code q (1 - q) / f²} with {@code f} the density at it)
 */
public record Estimate(double n, double value, double variance) {
  /** The mean of {@code n} values from their sum and their sum of squares. */
  public static Estimate mean(double n, double sum, double sumOfSquares) {
    double m = n > 0 ? sum / n : Double.NaN;
    // The unbiased variance; rounding may take a variance of nearly 0 below it.
    double v = n > 1 ? Math.max(0, (sumOfSquares - sum * m) / (n - 1)) : 0;
    return new Estimate(n, m, v);
  }
}
