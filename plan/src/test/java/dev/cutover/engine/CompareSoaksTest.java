package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The property, not the formula: 1,000 simulated week-long soaks measured every minute (1,000
 * requests a minute, 10% on the new path, 1% failures on the baseline, margin 0, alpha 0.05, fixed
 * seeds). The bounds leave room: were the sequential test's true rate of false rollbacks as high as
 * alpha, seeing more than 6.5% in 1,000 runs would happen about once in a hundred seeds; its rate
 * is in fact far lower (about 0.3%), so the assertion cannot fail by chance.
 */
class CompareSoaksTest {
  static CompareSoaks.Result aa;
  static CompareSoaks.Result ab;

  @BeforeAll
  static void simulate() {
    aa = CompareSoaks.run(CompareSoaks.scenario(1000, 0.01, 14));
    ab = CompareSoaks.run(CompareSoaks.scenario(1000, 0.02, 15));
  }

  @Test
  void sequentialTestRollsBackAnEqualNewPathAtMostAlphaOfTheTime() {
    assertThat(aa.sequentialRate()).isLessThanOrEqualTo(0.05);
  }

  @Test
  void zTestMeasuredEveryMinuteRollsBackAnEqualNewPathAlmostAlways() {
    assertThat(aa.zRate()).isGreaterThan(0.95);
    assertThat(aa.z3of5Rate()).isGreaterThan(0.95);
  }

  @Test
  void sequentialTestDetectsATwofoldErrorRateAtTenPercentTrafficWithinHalfAnHour() {
    assertThat(ab.sequentialRate()).isGreaterThanOrEqualTo(0.99);
    assertThat(CompareSoaks.Result.median(ab.sequentialMinutes())).isBetween(10, 30);
    assertThat(CompareSoaks.Result.quantile(ab.sequentialMinutes(), 0.9)).isBetween(15, 60);
  }
}
