package dev.cutover.plan;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads the sides ({@code new}, {@code baseline}) of a compare check of a continuous metric ({@code
 * statistic: p95} or {@code mean}): which running totals each side gives. From Prometheus, {@code
 * buckets} (one series per {@code le}: a histogram's bucket counters, summed by {@code le}) and,
 * for the mean, {@code sum} (its {@code _sum}); from SQL, {@code count}, {@code sum} and {@code
 * sumOfSquares} (the mean and its variance). Both sides give the same fields; every problem names
 * the field's path.
 */
final class ContinuousMetrics {
  /** {@code mean}, or a quantile {@code p1} ... {@code p99.9} (at most one decimal). */
  static final Pattern STATISTIC = Pattern.compile("^(mean|p([1-9]|[1-9][0-9])(\\.[0-9])?)$");

  /** The largest margin in a metric's unit (a bound, not a useful value). */
  static final double MAX_MARGIN = 1e9;

  static final Field<String> BUCKETS = Type.TEXT.field("buckets");
  static final Field<String> SUM = Type.TEXT.field("sum");
  static final Field<String> COUNT = Type.TEXT.field("count");
  static final Field<String> SUM_OF_SQUARES = Type.TEXT.field("sumOfSquares");
  static final List<Field<String>> FIELDS = List.of(BUCKETS, SUM, COUNT, SUM_OF_SQUARES);

  /**
   * One side's queries, or null when a required one is missing (reported). {@code statistic} is
   * null when it was invalid (reported); {@code sqlText} checks a SQL query at a path.
   */
  Check.Compare.Metric.Side side(
      Obj parent,
      Field<Obj> field,
      Check.Compare.Kind kind,
      String statistic,
      BiConsumer<String, String> sqlText) {
    if (!parent.has(field)) {
      parent.require(field);
      return null;
    }
    Obj o = parent.get(field);
    if (!o.valid()) {
      return null;
    }
    for (Field<String> f : List.of(ChecksReader.FAILURES, ChecksReader.TOTAL)) {
      if (o.has(f)) {
        o.problem(
            f,
            "is for counts of failures; a statistic reads "
                + (kind == Check.Compare.Kind.SQL
                    ? "count, sum and sumOfSquares"
                    : "buckets (and sum for the mean)"));
      }
    }
    boolean mean = "mean".equals(statistic);
    List<Field<String>> wanted =
        kind == Check.Compare.Kind.SQL
            ? List.of(COUNT, SUM, SUM_OF_SQUARES)
            : mean ? List.of(BUCKETS, SUM) : List.of(BUCKETS);
    boolean complete = true;
    for (Field<String> f : FIELDS) {
      String q = o.get(f);
      if (wanted.contains(f)) {
        if (q == null) {
          o.require(f);
          complete = false;
        } else if (kind == Check.Compare.Kind.SQL) {
          sqlText.accept(q, o.path(f));
        }
      } else if (o.has(f)) {
        o.problem(f, unwanted(f, kind));
      }
    }
    o.done();
    if (!complete || statistic == null) {
      return null;
    }
    return new Check.Compare.Metric.Side(
        o.get(BUCKETS), o.get(SUM), o.get(COUNT), o.get(SUM_OF_SQUARES));
  }

  private static String unwanted(Field<String> f, Check.Compare.Kind kind) {
    if (kind == Check.Compare.Kind.SQL) {
      return "buckets are read from Prometheus; SQL gives count, sum and sumOfSquares";
    }
    if (f == SUM) {
      return "sum is used only by statistic: mean (a quantile is read from the buckets)";
    }
    return f.name() + " is for SQL; a Prometheus side gives buckets (and sum for the mean)";
  }
}
