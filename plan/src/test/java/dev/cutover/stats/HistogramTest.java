package dev.cutover.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HistogramTest {
  static final double INF = Double.POSITIVE_INFINITY;
  static final Histogram H =
      new Histogram(new double[] {0.1, 0.2, 0.4, INF}, new double[] {10, 60, 90, 100});

  @Test
  void aQuantileIsInterpolatedInItsBucketAsHistogramQuantileDoes() {
    Estimate p50 = H.quantile(0.5);
    assertThat(p50.value()).isCloseTo(0.18, within(1e-12)); // 0.1 + 0.1 * (50 - 10) / 50
    assertThat(p50.n()).isEqualTo(100);
    // q (1 - q) / f², the density 50 of 100 values over a bucket 0.1 wide: 5
    assertThat(p50.variance()).isCloseTo(0.01, within(1e-12));
    assertThat(H.quantile(0.9).value()).isCloseTo(0.4, within(1e-12));
    assertThat(H.quantile(0.05).value()).isCloseTo(0.05, within(1e-12)); // the first from 0
  }

  @Test
  void aQuantileAboveTheHighestFiniteBucketCannotBePlaced() {
    assertThat(H.quantile(0.95)).isNull();
    assertThat(new Histogram(new double[] {1, INF}, new double[] {0, 0}).quantile(0.5)).isNull();
  }

  @Test
  void theMeanIsTheSumOverTheCountWithTheVarianceOfTheMidpoints() {
    Estimate m = H.mean(20.0);
    assertThat(m.value()).isEqualTo(0.2);
    // midpoints 0.05, 0.15, 0.3 and the highest bound 0.4 for +Inf: mean 0.21
    double ex2 = (10 * 0.0025 + 50 * 0.0225 + 30 * 0.09 + 10 * 0.16) / 100;
    assertThat(m.variance()).isCloseTo((ex2 - 0.21 * 0.21) * 100 / 99, within(1e-12));
    assertThat(H.mean(null).value()).isCloseTo(0.21, within(1e-12));
  }

  @Test
  void countsThatDipAcrossBucketsAreMadeNonDecreasing() {
    // 9 at most 0.2 below 10 at most 0.1 counts as 10: none in between, so the median is 0.1.
    Histogram h = new Histogram(new double[] {0.1, 0.2, INF}, new double[] {10, 9, 20});
    assertThat(h.quantile(0.5).value()).isCloseTo(0.1, within(1e-12));
  }

  @Test
  void theMeanOfValuesFromTheirSums() {
    Estimate e = Estimate.mean(4, 10, 30); // 1, 2, 3, 4
    assertThat(e.value()).isEqualTo(2.5);
    assertThat(e.variance()).isCloseTo(5.0 / 3, within(1e-12));
  }
}
