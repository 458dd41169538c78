package dev.cutover.engine;

import dev.cutover.plan.Check;
import dev.cutover.plan.Durations;
import dev.cutover.stats.ConfidenceSequence;
import dev.cutover.stats.Counts;
import dev.cutover.stats.Evidence;
import dev.cutover.stats.SequentialDecision;
import java.util.Locale;
import java.util.Map;

/**
 * Judges a compare check with {@code method: sequential}: the four counts are running totals, the
 * evidence is their growth since the rule's first reading ({@link Evidence}), and the check fails
 * once a confidence sequence shows the new path worse than the margins ({@link
 * SequentialDecision}). Once shown worse it keeps failing: the test has stopped, and whatever comes
 * after cannot undo what was shown at the error rate {@code alpha}. Before that it passes, with the
 * estimate and its interval in the reason; fewer than {@code minSamples} gathered on either side is
 * NO_DATA, never PASS.
 */
final class SequentialCompare {
  private SequentialCompare() {}

  /** A measurement and the evidence after it. */
  record Judged(Measurement measurement, Evidence evidence) {}

  static Judged judge(Check.Compare spec, Reading r, long at, Evidence before) {
    Measurement invalid = ProportionTest.invalid(r, at);
    if (invalid != null) {
      return new Judged(invalid, before);
    }
    Map<String, Double> c = r.counts();
    Counts reading =
        new Counts(
            c.get(ProportionTest.NEW_FAILURES),
            c.get(ProportionTest.NEW_TOTAL),
            c.get(ProportionTest.BASE_FAILURES),
            c.get(ProportionTest.BASE_TOTAL));
    Evidence e = advance(spec, before, reading, at);
    if (before == null) {
      return new Judged(
          new Measurement(
              at,
              Outcome.NO_DATA,
              null,
              "first reading of the running totals (new "
                  + Judge.format(reading.newFailures())
                  + "/"
                  + Judge.format(reading.newTotal())
                  + ", baseline "
                  + Judge.format(reading.baseFailures())
                  + "/"
                  + Judge.format(reading.baseTotal())
                  + "): what they gain from here on is the evidence"),
          e);
    }
    String reset =
        e.resets() > before.resets()
            ? "; a count went back (a counter restarted?): that interval is left out"
            : "";
    Counts sum = e.sum();
    if (!enough(spec, sum)) {
      return new Judged(
          new Measurement(
              at,
              Outcome.NO_DATA,
              null,
              Judge.format(sum.newTotal())
                  + " new and "
                  + Judge.format(sum.baseTotal())
                  + " baseline samples since the first reading, fewer than minSamples "
                  + spec.minSamples()
                  + reset),
          e);
    }
    SequentialDecision d = decision(spec);
    ConfidenceSequence.Interval ci = d.difference(sum);
    boolean worse = e.shownWorseAt() != null;
    String text =
        "new "
            + ProportionTest.percent(sum.newFailures() / sum.newTotal())
            + " vs baseline "
            + ProportionTest.percent(sum.baseFailures() / sum.baseTotal())
            + " failures, "
            + signed(ci.estimate())
            + " points ("
            + ProportionTest.percent(1 - spec.alpha())
            + " CI "
            + signed(ci.low())
            + " … "
            + signed(ci.high())
            + ") over "
            + Judge.format(sum.newTotal())
            + " new and "
            + Judge.format(sum.baseTotal())
            + " baseline samples: "
            + (worse ? "worse" : "not shown worse")
            + " by more than "
            + margins(spec)
            + (worse && e.shownWorseAt() < at
                ? " (shown "
                    + Durations.formatMillis(at - e.shownWorseAt())
                    + " ago; the test has stopped)"
                : "")
            + reset;
    return new Judged(
        new Measurement(
            at, worse ? Outcome.FAIL : Outcome.PASS, ci.estimate(), text, ci.low(), ci.high()),
        e);
  }

  /**
   * The evidence after {@code reading} (running totals fit to judge): the origin when there was
   * none, else the growth added, and shown worse at {@code at} when the decision says so. The whole
   * test apart from the words, which {@link CompareSoaks} runs a million times a second.
   */
  static Evidence advance(Check.Compare spec, Evidence before, Counts reading, long at) {
    if (before == null) {
      return Evidence.origin(reading);
    }
    Evidence e = before.next(reading);
    if (e.shownWorseAt() == null && enough(spec, e.sum()) && decision(spec).shownWorse(e.sum())) {
      e = e.shownWorse(at);
    }
    return e;
  }

  private static boolean enough(Check.Compare spec, Counts sum) {
    return sum.newTotal() >= spec.minSamples() && sum.baseTotal() >= spec.minSamples();
  }

  static SequentialDecision decision(Check.Compare spec) {
    return SequentialDecision.of(spec.alpha(), spec.margin(), spec.relativeMargin());
  }

  /** "1 point", or "10% of the baseline's rate", or both joined by "+". */
  static String margins(Check.Compare spec) {
    String abs = ProportionTest.points(spec.margin());
    if (spec.relativeMargin() == 0) {
      return abs;
    }
    String rel =
        Judge.format(Math.round(spec.relativeMargin() * 100 * 1e4) / 1e4)
            + "% of the baseline's rate";
    return spec.margin() == 0 ? rel : rel + " + " + abs;
  }

  /** A difference of rates in percentage points, signed, to two decimals. */
  private static String signed(double d) {
    double v = d * 100;
    if (Double.isInfinite(v)) {
      return v > 0 ? "+∞" : "−∞";
    }
    String s = String.format(Locale.ROOT, "%.2f", Math.abs(v));
    return (v < 0 && !s.equals("0.00") ? "−" : "+") + s;
  }
}
