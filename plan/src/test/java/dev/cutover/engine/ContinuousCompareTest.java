package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Check;
import dev.cutover.stats.Evidence;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContinuousCompareTest {
  static final String[] LE = {"0.1", "0.2", "0.4", "+Inf"};

  static Check.Compare p95(double margin, double relativeMargin) {
    Check.Compare.Metric.Side side = new Check.Compare.Metric.Side("b", null, null, null);
    return new Check.Compare(
        "prom",
        Check.Compare.Kind.PROMETHEUS,
        null,
        null,
        null,
        null,
        margin,
        0.95,
        100,
        Check.Compare.Method.SEQUENTIAL,
        0.05,
        relativeMargin,
        new Check.Compare.Metric("p95", "s", side, side));
  }

  /** Running totals: each side's cumulative bucket counts, in {@link #LE} order. */
  static Reading buckets(double[] news, double[] base) {
    Map<String, Double> m = new HashMap<>();
    for (int i = 0; i < LE.length; i++) {
      m.put(ContinuousCompare.key("new", "le=" + LE[i]), news[i]);
      m.put(ContinuousCompare.key("baseline", "le=" + LE[i]), base[i]);
    }
    return Reading.counts("latency", m, "");
  }

  static double[] times(double[] a, double k) {
    double[] out = a.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= k;
    }
    return out;
  }

  static final double[] SHAPE = {50, 900, 990, 1000}; // p95 in (0.2, 0.4]: 0.2 + 0.2 * 50/90

  @Test
  void theFirstReadingIsTheOriginAndNoData() {
    SequentialCompare.Judged j =
        ContinuousCompare.judge(p95(0, 0), buckets(SHAPE, times(SHAPE, 9)), 0, null);
    assertThat(j.measurement().outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(j.measurement().reason())
        .isEqualTo(
            "first reading of the running totals (1000 new and 9000 baseline values so far): what"
                + " they gain from here on is the evidence");
    assertThat(j.evidence().gained()).containsEntry("new.le=+Inf", 0.0);
  }

  @Test
  void equalPathsPassWithTheEstimateAndItsIntervalInMilliseconds() {
    Evidence e = ContinuousCompare.judge(p95(0, 0), buckets(SHAPE, SHAPE), 0, null).evidence();
    SequentialCompare.Judged j =
        ContinuousCompare.judge(p95(0, 0), buckets(times(SHAPE, 2), times(SHAPE, 10)), 60_000, e);
    Measurement m = j.measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.PASS);
    assertThat(m.value()).isZero();
    assertThat(m.low()).isNegative();
    assertThat(m.high()).isEqualTo(-m.low());
    assertThat(m.reason())
        .isEqualTo(
            "new path p95 +0 ms (95% CI −"
                + ContinuousCompare.value(m.high(), "s")
                + " … +"
                + ContinuousCompare.value(m.high(), "s")
                + "): 311.1 ms vs baseline 311.1 ms over 1000 new and 9000 baseline values; not"
                + " shown worse by more than 0 ms");
  }

  @Test
  void aSlowerNewPathFailsAndKeepsFailingOnceShown() {
    Check.Compare spec = p95(0.01, 0.1);
    Evidence e =
        ContinuousCompare.judge(spec, buckets(new double[4], new double[4]), 0, null).evidence();
    double[] slow = {10, 300, 980, 1000}; // p95 = 0.2 + 0.2 * (950 - 300) / 680 = 0.3912
    SequentialCompare.Judged j =
        ContinuousCompare.judge(spec, buckets(slow, times(SHAPE, 9)), 60_000, e);
    assertThat(j.measurement().outcome()).isEqualTo(Outcome.FAIL);
    assertThat(j.measurement().reason())
        .startsWith("new path p95 +80.1 ms (95% CI +63.4 ms … +96.7 ms)")
        .endsWith(
            "): 391.2 ms vs baseline 311.1 ms over 1000 new and 9000 baseline values; worse by"
                + " more than 10% of the baseline + 10 ms");
    assertThat(j.evidence().shownWorseAt()).isEqualTo(60_000L);
    // Equal from here on: the test has stopped, and still fails.
    SequentialCompare.Judged later =
        ContinuousCompare.judge(
            spec,
            buckets(new double[] {10 + 50, 300 + 900, 980 + 990, 2000}, times(SHAPE, 10)),
            120_000,
            j.evidence());
    assertThat(later.measurement().outcome()).isEqualTo(Outcome.FAIL);
    assertThat(later.measurement().reason()).endsWith("(shown 1m ago; the test has stopped)");
  }

  @Test
  void fewerValuesThanMinSamplesIsNoData() {
    Evidence e = ContinuousCompare.judge(p95(0, 0), buckets(SHAPE, SHAPE), 0, null).evidence();
    Measurement m =
        ContinuousCompare.judge(p95(0, 0), buckets(times(SHAPE, 1.05), times(SHAPE, 3)), 1, e)
            .measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(m.reason())
        .isEqualTo(
            "50 new and 2000 baseline values since the first reading, fewer than minSamples 100");
  }

  @Test
  void aQuantileAboveTheHighestBucketIsNoDataNamingTheBound() {
    Evidence e =
        ContinuousCompare.judge(p95(0, 0), buckets(new double[4], new double[4]), 0, null)
            .evidence();
    Measurement m =
        ContinuousCompare.judge(p95(0, 0), buckets(new double[] {0, 50, 600, 1000}, SHAPE), 1, e)
            .measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(m.reason())
        .isEqualTo(
            "the new path's p95 is above its highest finite bucket (le=0.4): a histogram cannot"
                + " place it");
  }

  @Test
  void changedBucketsLeaveTheIntervalOutAndStartTheGainAgain() {
    Evidence e = ContinuousCompare.judge(p95(0, 0), buckets(SHAPE, SHAPE), 0, null).evidence();
    Map<String, Double> other = new HashMap<>(buckets(SHAPE, SHAPE).counts());
    other.remove("new.le=0.1");
    other.put("new.le=0.15", 60.0);
    SequentialCompare.Judged j =
        ContinuousCompare.judge(p95(0, 0), Reading.counts("latency", other, ""), 1, e);
    assertThat(j.evidence().resets()).isEqualTo(1);
    assertThat(j.evidence().gained().values()).allMatch(v -> v == 0);
    assertThat(j.measurement().reason())
        .isEqualTo(
            "0 new and 0 baseline values since the first reading, fewer than minSamples 100; a"
                + " total went back or the buckets changed: that interval is left out");
  }

  @Test
  void bucketsThatAreNotAHistogramAreAnError() {
    Map<String, Double> m = new HashMap<>(buckets(SHAPE, SHAPE).counts());
    m.remove("baseline.le=+Inf");
    Measurement r =
        ContinuousCompare.judge(p95(0, 0), Reading.counts("latency", m, ""), 0, null).measurement();
    assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(r.reason())
        .isEqualTo(
            "baseline: 3 buckets that are not a histogram (at most 64, distinct numeric le bounds,"
                + " the last le=\"+Inf\")");
  }

  @Test
  void aSqlMeanComesFromCountSumAndSumOfSquares() {
    Check.Compare.Metric.Side side = new Check.Compare.Metric.Side(null, "s", "c", "q");
    Check.Compare spec =
        new Check.Compare(
            "db",
            Check.Compare.Kind.SQL,
            null,
            null,
            null,
            null,
            0,
            0.95,
            2,
            Check.Compare.Method.SEQUENTIAL,
            0.05,
            0,
            new Check.Compare.Metric("mean", "ms", side, side));
    Map<String, Double> zero =
        Map.of(
            "new.count",
            0.0,
            "new.sum",
            0.0,
            "new.sumOfSquares",
            0.0,
            "baseline.count",
            0.0,
            "baseline.sum",
            0.0,
            "baseline.sumOfSquares",
            0.0);
    Evidence e = ContinuousCompare.judge(spec, Reading.counts("x", zero, ""), 0, null).evidence();
    Map<String, Double> later =
        Map.of(
            "new.count",
            400.0,
            "new.sum",
            48_000.0,
            "new.sumOfSquares",
            400 * (120.0 * 120 + 100),
            "baseline.count",
            3600.0,
            "baseline.sum",
            360_000.0,
            "baseline.sumOfSquares",
            3600 * (100.0 * 100 + 100));
    Measurement m =
        ContinuousCompare.judge(spec, Reading.counts("x", later, ""), 60_000, e).measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(m.value()).isCloseTo(20, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(m.reason())
        .startsWith("new path mean +20 ms (95% CI +")
        .contains("): 120 ms vs baseline 100 ms over 400 new and 3600 baseline values; worse by");
    Map<String, Double> noSum = new HashMap<>(later);
    noSum.put("new.sum", Double.NaN);
    assertThat(
            ContinuousCompare.judge(spec, Reading.counts("x", noSum, ""), 1, e)
                .measurement()
                .reason())
        .isEqualTo("no value for new.sum");
  }
}
