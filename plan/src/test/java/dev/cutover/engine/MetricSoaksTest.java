package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The property for latency: simulated week-long soaks measured every minute (1,000 requests a
 * minute, 10% on the new path, log-normal latency with a p95 of 228 ms, margin 0, alpha 0.05, fixed
 * seeds; docs/compare-checks.md has the figures of 1,000 runs). 400 runs keep the test to a few
 * seconds of CPU; were the true rate of false rollbacks as high as alpha, seeing none of 400 above
 * 7.5% would happen about once in a hundred seeds, and it is in fact about 1%.
 */
class MetricSoaksTest {
  @Test
  void aP95FromAHistogramRollsBackAnEqualNewPathAtMostAlphaOfTheTime() {
    int[] aa = MetricSoaks.run(MetricSoaks.scenario(400, MetricSoaks.gate("p95", 0.05, 0), 1, 14));
    assertThat(CompareSoaks.Result.rate(aa)).isLessThanOrEqualTo(0.05);
  }

  @Test
  void aMeanFromSqlAggregatesRollsBackAnEqualNewPathAtMostAlphaOfTheTime() {
    int[] aa = MetricSoaks.run(MetricSoaks.scenario(400, MetricSoaks.gate("mean", 0.05, 0), 1, 14));
    assertThat(CompareSoaks.Result.rate(aa)).isLessThanOrEqualTo(0.05);
  }

  @Test
  void aNewPathTenPercentSlowerIsDetectedWithinTheHour() {
    int[] p95 =
        MetricSoaks.run(MetricSoaks.scenario(400, MetricSoaks.gate("p95", 0.05, 0), 1.1, 15));
    assertThat(CompareSoaks.Result.rate(p95)).isEqualTo(1.0);
    assertThat(CompareSoaks.Result.median(p95)).isBetween(5, 30);
    assertThat(CompareSoaks.Result.quantile(p95, 0.9)).isBetween(10, 60);
    int[] mean =
        MetricSoaks.run(MetricSoaks.scenario(400, MetricSoaks.gate("mean", 0.05, 0), 1.1, 15));
    assertThat(CompareSoaks.Result.rate(mean)).isEqualTo(1.0);
    assertThat(CompareSoaks.Result.median(mean)).isBetween(2, 15);
  }

  @Test
  void aRegressionWithinTheRelativeMarginIsNotRolledBack() {
    // 10% slower against a 20% margin: not worse by more than the margin.
    int[] ab =
        MetricSoaks.run(MetricSoaks.scenario(100, MetricSoaks.gate("p95", 0.05, 0.2), 1.1, 16));
    assertThat(CompareSoaks.Result.rate(ab)).isZero();
  }
}
