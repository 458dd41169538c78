package dev.cutover.engine;

import dev.cutover.plan.Check;
import dev.cutover.plan.Durations;
import dev.cutover.stats.ConfidenceSequence;
import dev.cutover.stats.Estimate;
import dev.cutover.stats.Evidence;
import dev.cutover.stats.Histogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges a sequential compare check of a continuous metric (latency): the running totals of each
 * path (a histogram's buckets and sum, or SQL's count, sum and sum of squares) gain, from the
 * rule's first reading on, exactly the values observed since; the statistic ({@code mean} or a
 * quantile) of each path's gain is estimated with its asymptotic variance ({@link Histogram},
 * {@link Estimate}) and a confidence sequence ({@link ConfidenceSequence#difference}) on {@code new
 * - (1 + relativeMargin) baseline} holds the false-alarm rate at {@code alpha} however often it is
 * measured. FAIL once the whole interval lies above {@code margin} (in the metric's unit), and from
 * then on (the test has stopped); PASS before that; fewer than {@code minSamples} values on either
 * side, or a quantile above the highest finite bucket, is NO_DATA.
 *
 * <p>The reading's counts are named {@code new.count}, {@code new.sum}, {@code new.sumOfSquares}
 * and {@code new.le=<bound>} (one per bucket, {@code le=+Inf} the last), and the same with {@code
 * baseline.}; {@link #key} builds the names.
 */
public final class ContinuousCompare {
  public static final String NEW = "new";
  public static final String BASELINE = "baseline";
  public static final String COUNT = "count";
  public static final String SUM = "sum";
  public static final String SUM_OF_SQUARES = "sumOfSquares";

  /** The name of a bucket is {@code le=} and its bound as Prometheus writes it. */
  public static final String LE = "le=";

  /** The most buckets a side may have. */
  public static final int MAX_BUCKETS = 64;

  private ContinuousCompare() {}

  /** {@code new.count}, {@code baseline.le=0.25}: the name of one running total. */
  public static String key(String side, String name) {
    return side + "." + name;
  }

  static SequentialCompare.Judged judge(Check.Compare spec, Reading r, long at, Evidence before) {
    if (r.kind() != Reading.Kind.VALUE) {
      return new SequentialCompare.Judged(Judge.judge(r, null, at), before);
    }
    Map<String, Double> reading = new TreeMap<>(r.counts());
    Measurement invalid = invalid(spec.metric(), reading, at);
    if (invalid != null) {
      return new SequentialCompare.Judged(invalid, before);
    }
    Evidence e = advance(spec, before, reading, at);
    if (before == null) {
      return new SequentialCompare.Judged(
          new Measurement(
              at,
              Outcome.NO_DATA,
              null,
              "first reading of the running totals ("
                  + Judge.format(count(spec.metric(), reading, NEW))
                  + " new and "
                  + Judge.format(count(spec.metric(), reading, BASELINE))
                  + " baseline values so far): what they gain from here on is the evidence"),
          e);
    }
    String reset =
        e.resets() > before.resets()
            ? "; a total went back or the buckets changed: that interval is left out"
            : "";
    Check.Compare.Metric m = spec.metric();
    Estimate news = estimate(m, e.gained(), NEW);
    Estimate base = estimate(m, e.gained(), BASELINE);
    double nNew = count(m, e.gained(), NEW);
    double nBase = count(m, e.gained(), BASELINE);
    if (nNew < spec.minSamples() || nBase < spec.minSamples()) {
      return new SequentialCompare.Judged(
          new Measurement(
              at,
              Outcome.NO_DATA,
              null,
              Judge.format(nNew)
                  + " new and "
                  + Judge.format(nBase)
                  + " baseline values since the first reading, fewer than minSamples "
                  + spec.minSamples()
                  + reset),
          e);
    }
    if (news == null || base == null) {
      String side = news == null ? "new path" : "baseline";
      Histogram h = histogram(e.gained(), news == null ? NEW : BASELINE);
      return new SequentialCompare.Judged(
          new Measurement(
              at,
              Outcome.NO_DATA,
              null,
              "the "
                  + side
                  + "'s "
                  + m.statistic()
                  + " is above its highest finite bucket"
                  + (h == null ? "" : " (le=" + Judge.format(h.highestBound()) + ")")
                  + ": a histogram cannot place it"
                  + reset),
          e);
    }
    ConfidenceSequence.Interval ci = interval(spec, news, base, 1);
    boolean worse = e.shownWorseAt() != null;
    String text =
        "new path "
            + m.statistic()
            + " "
            + signed(ci.estimate(), m.unit())
            + " ("
            + ProportionTest.percent(1 - spec.alpha())
            + " CI "
            + signed(ci.low(), m.unit())
            + " … "
            + signed(ci.high(), m.unit())
            + "): "
            + value(news.value(), m.unit())
            + " vs baseline "
            + value(base.value(), m.unit())
            + " over "
            + Judge.format(nNew)
            + " new and "
            + Judge.format(nBase)
            + " baseline values; "
            + (worse ? "worse" : "not shown worse")
            + " by more than "
            + margins(spec)
            + (worse && e.shownWorseAt() < at
                ? " (shown "
                    + Durations.formatMillis(at - e.shownWorseAt())
                    + " ago; the test has stopped)"
                : "")
            + reset;
    return new SequentialCompare.Judged(
        new Measurement(
            at, worse ? Outcome.FAIL : Outcome.PASS, ci.estimate(), text, ci.low(), ci.high()),
        e);
  }

  /**
   * The evidence after {@code reading} (running totals fit to judge, sorted by name): the origin
   * when there was none, else the gain added, and shown worse at {@code at} when the sequence says
   * so. The whole test apart from the words, which {@link MetricSoaks} runs for every simulated
   * minute.
   */
  static Evidence advance(
      Check.Compare spec, Evidence before, Map<String, Double> reading, long at) {
    if (before == null) {
      return Evidence.origin(reading);
    }
    Evidence e = before.next(reading);
    if (e.shownWorseAt() != null) {
      return e;
    }
    Check.Compare.Metric m = spec.metric();
    if (count(m, e.gained(), NEW) < spec.minSamples()
        || count(m, e.gained(), BASELINE) < spec.minSamples()) {
      return e;
    }
    return shownWorse(spec, estimate(m, e.gained(), NEW), estimate(m, e.gained(), BASELINE))
        ? e.shownWorse(at)
        : e;
  }

  /**
   * The decision on two estimates, each of at least {@code minSamples} values: whether the sequence
   * for {@code new - (1 + relativeMargin) baseline} lies wholly above {@code margin}. A statistic
   * that could not be placed (null) shows nothing.
   */
  static boolean shownWorse(Check.Compare spec, Estimate news, Estimate base) {
    return news != null
        && base != null
        && interval(spec, news, base, 1 + spec.relativeMargin()).low() > spec.margin();
  }

  private static ConfidenceSequence.Interval interval(
      Check.Compare spec, Estimate news, Estimate base, double k) {
    return ConfidenceSequence.difference(
        news.n(),
        news.value(),
        news.variance(),
        base.n(),
        base.value(),
        base.variance(),
        k,
        spec.alpha(),
        ConfidenceSequence.DEFAULT_N_STAR);
  }

  /** How many values one side's totals hold: its count, or its {@code +Inf} bucket. */
  static double count(Check.Compare.Metric m, Map<String, Double> totals, String side) {
    Double c = totals.get(key(side, m.news().buckets() != null ? LE + "+Inf" : COUNT));
    return c == null ? 0 : c;
  }

  /** The statistic of one side's totals; null when a histogram cannot place the quantile. */
  static Estimate estimate(Check.Compare.Metric m, Map<String, Double> totals, String side) {
    if (m.news().buckets() == null) {
      return Estimate.mean(
          totals.get(key(side, COUNT)),
          totals.get(key(side, SUM)),
          totals.get(key(side, SUM_OF_SQUARES)));
    }
    Histogram h = histogram(totals, side);
    double q = m.quantile();
    return Double.isNaN(q) ? h.mean(totals.get(key(side, SUM))) : h.quantile(q);
  }

  /** One side's buckets, ascending; null when they do not make a histogram. */
  static Histogram histogram(Map<String, Double> totals, String side) {
    String prefix = key(side, LE);
    List<double[]> buckets = new ArrayList<>();
    for (Map.Entry<String, Double> e : totals.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        Double bound = bound(e.getKey().substring(prefix.length()));
        if (bound == null) {
          return null;
        }
        buckets.add(new double[] {bound, e.getValue()});
      }
    }
    buckets.sort((a, b) -> Double.compare(a[0], b[0]));
    double[] upper = buckets.stream().mapToDouble(b -> b[0]).toArray();
    double[] cumulative = buckets.stream().mapToDouble(b -> b[1]).toArray();
    for (int i = 1; i < upper.length; i++) {
      if (upper[i] == upper[i - 1]) {
        return null;
      }
    }
    if (upper.length < 2 || upper[upper.length - 1] != Double.POSITIVE_INFINITY) {
      return null;
    }
    return new Histogram(upper, cumulative);
  }

  /** A bucket bound as Prometheus writes it ({@code 0.25}, {@code +Inf}); null if not one. */
  public static Double bound(String text) {
    if (text.equals("+Inf")) {
      return Double.POSITIVE_INFINITY;
    }
    try {
      double d = Double.parseDouble(text);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The measurement for totals that cannot be judged (a total missing, not a number, negative, or
   * buckets that are not a histogram); null when they are fit.
   */
  static Measurement invalid(Check.Compare.Metric m, Map<String, Double> totals, long at) {
    for (String side : List.of(NEW, BASELINE)) {
      List<String> needed = new ArrayList<>();
      if (m.news().buckets() != null) {
        if (Double.isNaN(m.quantile())) {
          needed.add(SUM);
        }
      } else {
        needed.addAll(List.of(COUNT, SUM, SUM_OF_SQUARES));
      }
      for (String n : needed) {
        if (!totals.containsKey(key(side, n)) || totals.get(key(side, n)).isNaN()) {
          return new Measurement(at, Outcome.NO_DATA, null, "no value for " + key(side, n));
        }
      }
      long buckets = totals.keySet().stream().filter(k -> k.startsWith(key(side, LE))).count();
      if (m.news().buckets() != null
          && (buckets > MAX_BUCKETS || histogram(totals, side) == null)) {
        return new Measurement(
            at,
            Outcome.ERROR,
            null,
            side
                + ": "
                + buckets
                + " buckets that are not a histogram (at most "
                + MAX_BUCKETS
                + ", distinct numeric le bounds, the last le=\"+Inf\")");
      }
    }
    for (Map.Entry<String, Double> e : totals.entrySet()) {
      double v = e.getValue();
      boolean mayBeNegative = e.getKey().endsWith("." + SUM);
      if (Double.isNaN(v)) {
        return new Measurement(at, Outcome.NO_DATA, null, "no value for " + e.getKey());
      }
      if (Double.isInfinite(v) || (v < 0 && !mayBeNegative)) {
        return new Measurement(
            at,
            Outcome.ERROR,
            null,
            e.getKey() + " is " + Judge.format(v) + ", not a running total");
      }
    }
    return null;
  }

  /** "10% of the baseline + 5 ms", "5 ms", "0 ms". */
  static String margins(Check.Compare spec) {
    String abs = value(spec.margin(), spec.metric().unit());
    if (spec.relativeMargin() == 0) {
      return abs;
    }
    String rel =
        Judge.format(Math.round(spec.relativeMargin() * 100 * 1e4) / 1e4) + "% of the baseline";
    return spec.margin() == 0 ? rel : rel + " + " + abs;
  }

  /** A value in milliseconds when the unit is {@code s} or {@code ms}, else a plain number. */
  static String value(double v, String unit) {
    if (unit == null) {
      return Judge.format(round(v));
    }
    double ms = "s".equals(unit) ? v * 1000 : v;
    return Judge.format(Math.round(ms * 10) / 10.0) + " ms";
  }

  private static String signed(double v, String unit) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "+∞" : "−∞";
    }
    String s = value(Math.abs(v), unit);
    boolean zero = s.equals("0") || s.equals("0 ms");
    return (v < 0 && !zero ? "−" : "+") + s;
  }

  private static double round(double v) {
    if (v == 0 || !Double.isFinite(v)) {
      return v;
    }
    double scale = Math.pow(10, 3 - Math.floor(Math.log10(Math.abs(v))));
    return Math.round(v * scale) / scale;
  }
}
