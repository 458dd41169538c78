package dev.cutover.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void percentilesAreNearestRankSoEachIsAMeasuredSample() {
    double[] hundred = new double[100];
    for (int i = 0; i < 100; i++) {
      hundred[i] = 100 - i; // unsorted on purpose: 100, 99, ..., 1
    }
    Stats s = Stats.of(hundred);
    assertThat(s.n()).isEqualTo(100);
    assertThat(s.p95()).isEqualTo(95);
    assertThat(s.p99()).isEqualTo(99);
    assertThat(s.max()).isEqualTo(100);
    assertThat(s.min()).isEqualTo(1);
    assertThat(s.median()).isEqualTo(50.5);
    assertThat(s.mean()).isEqualTo(50.5);
  }

  @Test
  void twentySamplesPutTheP95OnTheNineteenthAndTheP99OnTheLargest() {
    double[] twenty = new double[20];
    for (int i = 0; i < 20; i++) {
      twenty[i] = (i + 1) * 10; // 10 .. 200
    }
    Stats s = Stats.of(twenty);
    assertThat(s.p95()).isEqualTo(190); // rank ceil(0.95 * 20) = 19
    assertThat(s.p99()).isEqualTo(200); // rank ceil(0.99 * 20) = 20
    assertThat(s.median()).isEqualTo(105);
  }

  @Test
  void anOddCountHasTheMiddleSampleAsItsMedianAndOneSampleIsEveryPercentile() {
    assertThat(Stats.of(3, 1, 2).median()).isEqualTo(2);
    Stats one = Stats.of(List.of(42));
    assertThat(List.of(one.median(), one.p95(), one.p99(), one.max())).containsOnly(42.0);
  }

  @Test
  void noSamplesGiveNaNAndAnOutOfRangePercentileIsRefused() {
    assertThat(Stats.of().n()).isZero();
    assertThat(Stats.of().p99()).isNaN();
    assertThatThrownBy(() -> Stats.percentile(new double[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Stats.percentile(new double[] {1}, 101))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aGoalIsJudgedOnTheStatisticItNames() {
    Report r = new Report();
    Stats s =
        Stats.of(
            100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
            100, 100, 900);
    assertThat(r.judged("x", "p95 figure", "p95 ≤ 300 ms", "ms", s, 300, "p95", null).verdict())
        .isEqualTo(Report.Verdict.PASS);
    assertThat(r.judged("x", "max figure", "≤ 300 ms", "ms", s, 300, "max", null).verdict())
        .isEqualTo(Report.Verdict.FAIL);
    assertThat(r.judged("x", "empty", "≤ 1", "ms", Stats.EMPTY, 1, "max", null).verdict())
        .isEqualTo(Report.Verdict.NOT_MEASURED);
    assertThat(r.markdown())
        .contains("| p95 figure | p95 ≤ 300 ms | 20 | 100 ms | 100 ms | 900 ms | 900 ms | pass |");
  }
}
