package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A named measurement. It has exactly one source; {@code pass} judges the number it yields (an HTTP
 * check may instead, or also, pass on its {@code expect}). {@code timeout} bounds one measurement.
 *
 * @param baseline how the stage baseline of a check judged relative to it ({@code pass: "<= 1.5 *
 *     baseline"}) is captured; null when the plan says nothing (then, if it is judged relative to
 *     its baseline, the check itself is measured before the stage's first effect, with no floor)
 */
public record Check(
    String name,
    Source source,
    Comparison pass,
    MinSamples minSamples,
    Duration timeout,
    @JsonInclude(JsonInclude.Include.NON_NULL) Baseline baseline) {
  public Check {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** A check without a baseline of its own. */
  public Check(
      String name, Source source, Comparison pass, MinSamples minSamples, Duration timeout) {
    this(name, source, pass, minSamples, timeout, null);
  }

  /**
   * The check measured, before a stage's first effect, for this one's stage baseline: {@code
   * baseline.capture}, or itself.
   */
  public String captureCheck() {
    return baseline == null || baseline.capture() == null ? name : baseline.capture();
  }

  /**
   * How a stage baseline is captured.
   *
   * @param capture the check measured before the stage changes anything (null: the check itself)
   * @param floor the least baseline used: a captured value below it counts as {@code floor} (so
   *     that "1.5 times an error rate of 0" does not fail on the first error); 0 when not given
   */
  public record Baseline(String capture, double floor) {}

  public Optional<Comparison> passCondition() {
    return Optional.ofNullable(pass);
  }

  /**
   * Where a check's number comes from. As JSON (an activity request), the kind is named by {@code
   * type}: {@code sql}, {@code prometheus}, {@code http} or {@code compare}.
   */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = SqlQuery.class, name = "sql"),
    @JsonSubTypes.Type(value = PromQuery.class, name = "prometheus"),
    @JsonSubTypes.Type(value = HttpProbe.class, name = "http"),
    @JsonSubTypes.Type(value = Compare.class, name = "compare")
  })
  public sealed interface Source permits SqlQuery, PromQuery, HttpProbe, Compare {
    /** The connection this source uses, if it uses one. */
    Optional<String> connection();
  }

  /** One row back; the column {@code value}, else the only numeric column. */
  public record SqlQuery(String connectionName, String query) implements Source {
    @Override
    public Optional<String> connection() {
      return Optional.of(connectionName);
    }
  }

  /** An instant query; a single sample, or several combined by {@code reduce}. */
  public record PromQuery(String connectionName, String query, Reduce reduce) implements Source {
    @Override
    public Optional<String> connection() {
      return Optional.of(connectionName);
    }
  }

  /**
   * The new path against the baseline: four counts (failures and totals of each) from one
   * connection (prometheus queries or SQL queries returning one number). It passes unless the new
   * path's failure rate is shown worse than the baseline's by more than {@code margin} (rate units)
   * plus {@code relativeMargin} (a fraction of the baseline's rate); fewer than {@code minSamples}
   * on either side is NO_DATA. Its value is the difference of the two rates.
   *
   * <p>{@link Method#ZTEST}: the counts are over a window, and each measurement is a one-sided
   * two-proportion z-test at {@code confidence} on its own. {@link Method#SEQUENTIAL}: the counts
   * are running totals, and a confidence sequence on their growth since the rule's first reading
   * holds the false-alarm rate at {@code alpha} however often the check is measured
   * (docs/compare-checks.md).
   */
  public record Compare(
      String connectionName,
      Kind kind,
      String newFailures,
      String newTotal,
      String baseFailures,
      String baseTotal,
      double margin,
      double confidence,
      long minSamples,
      Method method,
      double alpha,
      double relativeMargin,
      @JsonInclude(JsonInclude.Include.NON_NULL) Metric metric)
      implements Source {
    public enum Kind {
      SQL,
      PROMETHEUS
    }

    /** How the counts are judged. */
    public enum Method {
      /** A z-test on each measurement's counts, as first released. */
      ZTEST,
      /** A confidence sequence on running totals (always valid). */
      SEQUENTIAL
    }

    public Compare {
      // A check sent to the worker by a cutover started before methods existed has none.
      method = method == null ? Method.ZTEST : method;
    }

    /** A compare check of failure counts (no {@link Metric}). */
    public Compare(
        String connectionName,
        Kind kind,
        String newFailures,
        String newTotal,
        String baseFailures,
        String baseTotal,
        double margin,
        double confidence,
        long minSamples,
        Method method,
        double alpha,
        double relativeMargin) {
      this(
          connectionName,
          kind,
          newFailures,
          newTotal,
          baseFailures,
          baseTotal,
          margin,
          confidence,
          minSamples,
          method,
          alpha,
          relativeMargin,
          null);
    }

    /** As this one, with the false-alarm rate {@code a}. */
    public Compare withAlpha(double a) {
      return new Compare(
          connectionName,
          kind,
          newFailures,
          newTotal,
          baseFailures,
          baseTotal,
          margin,
          confidence,
          minSamples,
          method,
          a,
          relativeMargin,
          metric);
    }

    /**
     * A continuous metric (latency) compared by a statistic of its values, instead of failure
     * counts: {@code statistic} is {@code mean} or a quantile {@code p50} ... {@code p99.9}, {@code
     * unit} how its values are written ({@code s}, {@code ms} or null for plain numbers), and each
     * side's queries give running totals. Judged only sequentially; {@code margin} is then in the
     * metric's unit.
     */
    public record Metric(String statistic, String unit, Side news, Side baseline) {
      /** The quantile of {@code statistic} ({@code p95}: 0.95); NaN for the mean. */
      public double quantile() {
        return statistic.startsWith("p")
            ? Double.parseDouble(statistic.substring(1)) / 100
            : Double.NaN;
      }

      /**
       * One path's running totals: Prometheus {@code buckets} (one series per {@code le}) and, for
       * the mean, {@code sum} (the histogram's {@code _sum}); or SQL {@code count}, {@code sum} and
       * {@code sumOfSquares}. What is not used is null.
       */
      public record Side(String buckets, String sum, String count, String sumOfSquares) {
        /** The queries given, by field name, in the order above. */
        public java.util.Map<String, String> queries() {
          java.util.Map<String, String> q = new java.util.LinkedHashMap<>();
          if (buckets != null) {
            q.put("buckets", buckets);
          }
          if (count != null) {
            q.put("count", count);
          }
          if (sum != null) {
            q.put("sum", sum);
          }
          if (sumOfSquares != null) {
            q.put("sumOfSquares", sumOfSquares);
          }
          return q;
        }
      }
    }

    /** A z-test compare check, as first released. */
    public Compare(
        String connectionName,
        Kind kind,
        String newFailures,
        String newTotal,
        String baseFailures,
        String baseTotal,
        double margin,
        double confidence,
        long minSamples) {
      this(
          connectionName,
          kind,
          newFailures,
          newTotal,
          baseFailures,
          baseTotal,
          margin,
          confidence,
          minSamples,
          Method.ZTEST,
          0,
          0,
          null);
    }

    @Override
    public Optional<String> connection() {
      return Optional.of(connectionName);
    }
  }

  /**
   * An HTTP request whose response is judged by {@code expect}, or yields a number at {@code
   * value}.
   */
  public record HttpProbe(HttpCall call, Expect expect, String valuePath, boolean followRedirects)
      implements Source {
    @Override
    public Optional<String> connection() {
      return call.connection();
    }
  }

  /** How several Prometheus samples become one number. */
  public enum Reduce {
    MAX,
    MIN,
    SUM,
    AVG
  }

  /** Fewer rows than {@code atLeast} behind the figure makes the measurement NO_DATA. */
  public record MinSamples(String query, long atLeast) {}
}
