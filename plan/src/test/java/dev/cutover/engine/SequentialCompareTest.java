package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Check;
import dev.cutover.stats.Evidence;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequentialCompareTest {
  static Check.Compare spec(double margin, double relativeMargin, long minSamples) {
    return new Check.Compare(
        "prom",
        Check.Compare.Kind.PROMETHEUS,
        "nf",
        "nt",
        "bf",
        "bt",
        margin,
        0.95,
        minSamples,
        Check.Compare.Method.SEQUENTIAL,
        0.05,
        relativeMargin);
  }

  static Reading totals(double nf, double nt, double bf, double bt) {
    return Reading.counts(
        "v2_vs_v1",
        Map.of(
            ProportionTest.NEW_FAILURES, nf,
            ProportionTest.NEW_TOTAL, nt,
            ProportionTest.BASE_FAILURES, bf,
            ProportionTest.BASE_TOTAL, bt),
        "");
  }

  @Test
  void firstReadingIsTheOriginAndNoData() {
    SequentialCompare.Judged j =
        SequentialCompare.judge(spec(0, 0, 100), totals(7, 1000, 80, 9000), 0, null);
    assertThat(j.measurement().outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(j.measurement().reason())
        .isEqualTo(
            "first reading of the running totals (new 7/1000, baseline 80/9000):"
                + " what they gain from here on is the evidence");
    assertThat(j.evidence())
        .isEqualTo(Evidence.origin(new dev.cutover.stats.Counts(7, 1000, 80, 9000)));
  }

  @Test
  void passesWithTheEstimateAndItsIntervalWhileNotShownWorse() {
    Evidence e = Evidence.origin(new dev.cutover.stats.Counts(0, 0, 0, 0));
    SequentialCompare.Judged j =
        SequentialCompare.judge(spec(0, 0, 100), totals(30, 1000, 200, 9000), 60_000, e);
    Measurement m = j.measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.PASS);
    assertThat(m.value()).isEqualTo(30.0 / 1000 - 200.0 / 9000);
    assertThat(m.low())
        .isEqualTo(-0.009500665267007071, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(m.high())
        .isEqualTo(0.025056220822562623, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(m.reason())
        .isEqualTo(
            "new 3% vs baseline 2.2222% failures, +0.78 points (95% CI −0.95 … +2.51) over 1000 new and 9000 baseline samples: not shown worse by more than 0 points");
  }

  @Test
  void failsOnceShownWorseAndKeepsFailing() {
    Evidence e = Evidence.origin(new dev.cutover.stats.Counts(0, 0, 0, 0));
    SequentialCompare.Judged j =
        SequentialCompare.judge(spec(0.01, 0, 100), totals(60, 1000, 200, 9000), 60_000, e);
    assertThat(j.measurement().outcome()).isEqualTo(Outcome.FAIL);
    assertThat(j.measurement().reason())
        .isEqualTo(
            "new 6% vs baseline 2.2222% failures, +3.78 points (95% CI +1.43 … +6.12) over 1000 new and 9000 baseline samples: worse by more than 1 point");
    SequentialCompare.Judged later =
        SequentialCompare.judge(
            spec(0.01, 0, 100), totals(70, 2000, 400, 18_000), 120_000, j.evidence());
    assertThat(later.measurement().outcome()).isEqualTo(Outcome.FAIL);
    assertThat(later.measurement().reason())
        .isEqualTo(
            "new 3.5% vs baseline 2.2222% failures, +1.28 points (95% CI −0.03 … +2.59) over 2000"
                + " new and 18000 baseline samples: worse by more than 1 point (shown 1m ago; the test"
                + " has stopped)");
  }

  @Test
  void aRelativeMarginToleratesThatMuchWorse() {
    Evidence e = Evidence.origin(new dev.cutover.stats.Counts(0, 0, 0, 0));
    // new 3% vs baseline 2%: worse by 1 point, which is 50% of the baseline's rate
    Reading r = totals(900, 30_000, 5400, 270_000);
    assertThat(SequentialCompare.judge(spec(0, 0, 100), r, 1, e).measurement().outcome())
        .isEqualTo(Outcome.FAIL);
    Measurement tolerated = SequentialCompare.judge(spec(0, 0.6, 100), r, 1, e).measurement();
    assertThat(tolerated.outcome()).isEqualTo(Outcome.PASS);
    assertThat(tolerated.reason())
        .isEqualTo(
            "new 3% vs baseline 2% failures, +1.00 points (95% CI +0.65 … +1.35) over 30000 new and 270000 baseline samples: not shown worse by more than 60% of the baseline's rate");
  }

  @Test
  void fewerThanMinSamplesGatheredIsNoData() {
    Evidence e = Evidence.origin(new dev.cutover.stats.Counts(0, 5000, 0, 45_000));
    Measurement m =
        SequentialCompare.judge(spec(0, 0, 500), totals(3, 5400, 30, 48_600), 60_000, e)
            .measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(m.reason())
        .isEqualTo(
            "400 new and 3600 baseline samples since the first reading, fewer than minSamples 500");
  }

  @Test
  void aCountGoingBackIsSaidAndLeftOut() {
    Evidence e = Evidence.origin(new dev.cutover.stats.Counts(10, 1000, 90, 9000));
    e = SequentialCompare.judge(spec(0, 0, 100), totals(20, 2000, 180, 18_000), 1, e).evidence();
    Measurement m =
        SequentialCompare.judge(spec(0, 0, 100), totals(1, 50, 185, 18_500), 2, e).measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.PASS);
    assertThat(m.reason())
        .endsWith("; a count went back (a counter restarted?): that interval is left out");
  }

  @Test
  void badCountsAreJudgedAsInTheZTest() {
    Measurement m =
        SequentialCompare.judge(spec(0, 0, 100), totals(20, 10, 1, 100), 1, null).measurement();
    assertThat(m.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(m.reason()).isEqualTo("more failures than requests (new 20/10, baseline 1/100)");
    Measurement none =
        SequentialCompare.judge(
                spec(0, 0, 100), Reading.noData("v2_vs_v1", "newTotal: no series"), 1, null)
            .measurement();
    assertThat(none.outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(none.reason()).isEqualTo("newTotal: no series");
  }
}
