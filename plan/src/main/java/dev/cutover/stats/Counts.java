package dev.cutover.stats;

/**
 * The four counts of a compare check: failures and totals of the new path and of the baseline.
 * Running totals (what a counter or a {@code count(*)} without a moving window gives) or the growth
 * of those since a reading, depending on where they are used.
 */
public record Counts(double newFailures, double newTotal, double baseFailures, double baseTotal) {
  public static final Counts ZERO = new Counts(0, 0, 0, 0);

  public Counts plus(Counts o) {
    return new Counts(
        newFailures + o.newFailures,
        newTotal + o.newTotal,
        baseFailures + o.baseFailures,
        baseTotal + o.baseTotal);
  }

  public Counts minus(Counts o) {
    return new Counts(
        newFailures - o.newFailures,
        newTotal - o.newTotal,
        baseFailures - o.baseFailures,
        baseTotal - o.baseTotal);
  }

  /** Whether any count is below the same count of {@code o}: a counter went back. */
  public boolean anyBelow(Counts o) {
    return newFailures < o.newFailures
        || newTotal < o.newTotal
        || baseFailures < o.baseFailures
        || baseTotal < o.baseTotal;
  }
}
