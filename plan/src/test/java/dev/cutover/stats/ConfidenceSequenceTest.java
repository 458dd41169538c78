package dev.cutover.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfidenceSequenceTest {
  /** n, sigma, alpha, nStar, half-width (computed independently from the closed form). */
  static Stream<Arguments> halfWidths() {
    return Stream.of(
        Arguments.of(10_000, 1.0, 0.05, 10_000, 0.030352089903762532),
        Arguments.of(100, 1.0, 0.05, 10_000, 0.9084379437310579),
        Arguments.of(1_000_000, 0.5, 0.01, 10_000, 0.0020171609488337707));
  }

  @ParameterizedTest
  @MethodSource("halfWidths")
  void halfWidthMatchesTheNormalMixtureBoundary(
      double n, double sigma, double alpha, double nStar, double expected) {
    assertThat(ConfidenceSequence.halfWidth(n, sigma, alpha, nStar))
        .isCloseTo(expected, within(1e-12));
  }

  @Test
  void intervalOfTwoProportionsMatchesKnownValues() {
    ConfidenceSequence.Interval i =
        ConfidenceSequence.proportions(30, 1000, 200, 9000, 1, 0.05, 10_000);
    assertThat(i.estimate()).isCloseTo(30.0 / 1000 - 200.0 / 9000, within(1e-15));
    assertThat(i.low()).isCloseTo(-0.009500665267007071, within(1e-12));
    assertThat(i.high()).isCloseTo(0.025056220822562623, within(1e-12));

    ConfidenceSequence.Interval rel =
        ConfidenceSequence.proportions(60, 1000, 200, 9000, 1.1, 0.05, 10_000);
    assertThat(rel.estimate()).isCloseTo(0.06 - 1.1 * 200 / 9000, within(1e-15));
    assertThat(rel.low()).isCloseTo(0.012023977348974289, within(1e-12));
    assertThat(rel.high()).isCloseTo(0.05908713376213681, within(1e-12));
  }

  /**
   * The interval is the set the mSPRT of Johari et al. does not reject: at its edge the mixture
   * likelihood ratio {@code sqrt(V/(V+tau^2)) exp(tau^2 (d-theta)^2 / (2V(V+tau^2)))} with {@code
   * tau^2 = sigma^2 rho^2} is exactly 1/alpha.
   */
  @Test
  void edgeOfTheIntervalIsWhereTheMixtureRatioReachesOneOverAlpha() {
    double alpha = 0.05;
    double x1 = 30;
    double n1 = 1000;
    double x2 = 200;
    double n2 = 9000;
    ConfidenceSequence.Interval i =
        ConfidenceSequence.proportions(x1, n1, x2, n2, 1, alpha, 10_000);
    double q1 = (x1 + 1) / (n1 + 2);
    double q2 = (x2 + 1) / (n2 + 2);
    double v = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2;
    double tau2 = (n1 + n2) * v * ConfidenceSequence.rhoSquared(alpha, 10_000);
    double dist = i.estimate() - i.low();
    double ratio = Math.sqrt(v / (v + tau2)) * Math.exp(tau2 * dist * dist / (2 * v * (v + tau2)));
    assertThat(ratio).isCloseTo(1 / alpha, within(1e-9));
  }

  @Test
  void isWiderThanTheOneLookIntervalAtEverySampleSize() {
    for (double n = 10; n < 1e8; n *= 3) {
      double h = ConfidenceSequence.halfWidth(n, 1, 0.05, 10_000);
      assertThat(h).as("n=%s", n).isGreaterThan(1.96 / Math.sqrt(n));
    }
    // Near its tuning it costs about half as much again as a single look, not more.
    assertThat(ConfidenceSequence.halfWidth(10_000, 1, 0.05, 10_000) * Math.sqrt(10_000) / 1.96)
        .isBetween(1.4, 1.7);
  }

  @Test
  void aSideWithNoFailuresStillHasAVariance() {
    ConfidenceSequence.Interval i = ConfidenceSequence.proportions(0, 500, 0, 4500, 1, 0.05, 1e4);
    assertThat(i.estimate()).isZero();
    assertThat(i.low()).isNegative();
    assertThat(i.high()).isPositive();
  }

  @Test
  void noObservationsOnASideIsAnUnboundedInterval() {
    ConfidenceSequence.Interval i = ConfidenceSequence.proportions(0, 0, 10, 100, 1, 0.05, 1e4);
    assertThat(i.low()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(i.high()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void differenceOfMeansUsesEachSidesVariance() {
    // Latency means 120 ms (sd 40) over 2,000 and 100 ms (sd 30) over 18,000.
    ConfidenceSequence.Interval i =
        ConfidenceSequence.difference(2000, 120, 1600, 18_000, 100, 900, 1, 0.05, 10_000);
    double n = 20_000;
    double sigma = Math.sqrt(n * (1600.0 / 2000 + 900.0 / 18_000));
    assertThat(i.estimate()).isEqualTo(20.0);
    assertThat(i.halfWidth())
        .isCloseTo(ConfidenceSequence.halfWidth(n, sigma, 0.05, 10_000), within(1e-9));
    assertThat(i.low()).isGreaterThan(0);
  }

  @Test
  void refusesAnAlphaOutsideZeroToOne() {
    assertThatThrownBy(() -> ConfidenceSequence.halfWidth(10, 1, 0, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("alpha must be in (0, 1): 0.0");
  }
}
