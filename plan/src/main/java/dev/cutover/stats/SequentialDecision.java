package dev.cutover.stats;

/**
 * The sequential compare test's decision on the failures gathered so far: is the new path's failure
 * rate worse than the baseline's by more than the margins, with the error rate {@code alpha} held
 * over every look? The new path is shown worse when the whole confidence sequence for {@code p_new
 * - (1 + relativeMargin) p_base} lies above {@code margin}; then, and only then, the check fails.
 *
 * <p>Under "worse by at most the margins" the chance that this ever happens, however often and for
 * however long the check is measured, is at most {@code alpha} (the sequence is two-sided at {@code
 * 1 - alpha}, so the one-sided error is at most {@code alpha} and in practice about half of it).
 *
 * @param alpha the false-alarm rate, in (0, 1)
 * @param margin how much worse in rate units is tolerated (0.01: one percentage point)
 * @param relativeMargin how much worse as a fraction of the baseline's rate (0.1: 10% worse)
 * @param nStar where the sequence is tuned to be narrowest, in observations (both sides)
 */
public record SequentialDecision(double alpha, double margin, double relativeMargin, double nStar) {
  public SequentialDecision {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
    }
    if (!(margin >= 0) || !(relativeMargin >= 0)) {
      throw new IllegalArgumentException("margins must be at least 0");
    }
  }

  /** {@code alpha} with the default tuning. */
  public static SequentialDecision of(double alpha, double margin, double relativeMargin) {
    return new SequentialDecision(alpha, margin, relativeMargin, ConfidenceSequence.DEFAULT_N_STAR);
  }

  /** The sequence for {@code p_new - p_base} (what people read: the difference of the rates). */
  public ConfidenceSequence.Interval difference(Counts c) {
    return ConfidenceSequence.proportions(
        c.newFailures(), c.newTotal(), c.baseFailures(), c.baseTotal(), 1, alpha, nStar);
  }

  /** Whether the gathered counts show the new path worse by more than the margins. */
  public boolean shownWorse(Counts c) {
    ConfidenceSequence.Interval i =
        ConfidenceSequence.proportions(
            c.newFailures(),
            c.newTotal(),
            c.baseFailures(),
            c.baseTotal(),
            1 + relativeMargin,
            alpha,
            nStar);
    return i.low() > margin;
  }
}
