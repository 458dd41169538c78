package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Comparison;
import dev.cutover.plan.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BreachTest {
  static Rule rule(Duration forDuration, Rule.Failures failures) {
    return new Rule(
        "c",
        Duration.ofMinutes(1),
        forDuration,
        failures,
        Rule.Severity.CRITICAL,
        Duration.ofHours(6),
        Duration.ofHours(1),
        Rule.Scope.ALL,
        null,
        3,
        Rule.OnInconclusive.HOLD);
  }

  /** One measurement a minute, oldest first: P pass, F fail, E error, N no data. */
  static List<Measurement> minutes(String outcomes) {
    List<Measurement> out = new ArrayList<>();
    for (int i = 0; i < outcomes.length(); i++) {
      Outcome o =
          switch (outcomes.charAt(i)) {
            case 'P' -> Outcome.PASS;
            case 'F' -> Outcome.FAIL;
            case 'E' -> Outcome.ERROR;
            default -> Outcome.NO_DATA;
          };
      out.add(new Measurement(i * 60_000L, o, null, ""));
    }
    return out;
  }

  static Stream<Arguments> cases() {
    Duration five = Duration.ofMinutes(5);
    Rule.Failures threeOfFive = new Rule.Failures(3, 5);
    return Stream.of(
        Arguments.of("latest failed, no window", null, null, "PPF", true),
        Arguments.of("latest passed after failures", null, null, "FFP", false),
        Arguments.of("an error after a failure keeps the breach", null, null, "PFE", true),
        Arguments.of("no data never fails", null, null, "NNNN", false),
        Arguments.of("errors never fail", null, null, "EEEE", false),
        Arguments.of("for 5m: failing from 0 to 5 minutes", five, null, "FFFFFF", true),
        Arguments.of("for 5m: failing only 4 minutes", five, null, "PFFFFF", false),
        Arguments.of("for 5m: one pass inside the window", five, null, "FFFPFFF", false),
        Arguments.of(
            "for 5m: errors inside the run neither break nor count", five, null, "FFEEFF", true),
        Arguments.of("for 5m: the run must end in a failure", five, null, "FFFFFFP", false),
        Arguments.of("3/5: three of the last five", null, threeOfFive, "FPFPF", true),
        Arguments.of("3/5: two of the last five", null, threeOfFive, "FFPPFP", false),
        Arguments.of("3/5: old failures slide out", null, threeOfFive, "FFFPPPFP", false),
        Arguments.of(
            "3/5: errors are not counted as measurements", null, threeOfFive, "FEFEPEF", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void breachFollowsTheRuleWindow(
      String name,
      Duration forDuration,
      Rule.Failures failures,
      String outcomes,
      boolean breached) {
    assertThat(Breach.breached(rule(forDuration, failures), minutes(outcomes))).isEqualTo(breached);
  }

  static Stream<Arguments> judgements() {
    return Stream.of(
        Arguments.of(">= 95", 95.0, Outcome.PASS),
        Arguments.of(">= 95", 94.999, Outcome.FAIL),
        Arguments.of("< 0.05", 0.05, Outcome.FAIL),
        Arguments.of("< 0.05", 0.0499, Outcome.PASS),
        Arguments.of("== 0", 0.0, Outcome.PASS),
        Arguments.of("!= 0", 0.0, Outcome.FAIL),
        Arguments.of("between 1 and 5", 1.0, Outcome.PASS),
        Arguments.of("between 1 and 5", 5.0, Outcome.PASS),
        Arguments.of("between 1 and 5", 5.0001, Outcome.FAIL),
        Arguments.of("<= 30", Double.NaN, Outcome.NO_DATA),
        Arguments.of("<= 30", null, Outcome.NO_DATA));
  }

  @ParameterizedTest(name = "{1} against \"{0}\" is {2}")
  @MethodSource("judgements")
  void boundariesAreExactAndMissingValuesAreNoData(String pass, Double value, Outcome expected) {
    Measurement m =
        Judge.judge(Reading.value("c", value, null), Comparison.parse(pass).orElseThrow(), 0);
    assertThat(m.outcome()).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void sourceErrorsAndNoDataPassThroughAndUnmetExpectationsFail() {
    Comparison any = Comparison.parse(">= 0").orElseThrow();
    assertThat(Judge.judge(Reading.error("c", "timeout after 10s"), any, 0))
        .isEqualTo(new Measurement(0, Outcome.ERROR, null, "timeout after 10s"));
    assertThat(
            Judge.judge(Reading.noData("c", "3 rows, fewer than minSamples 20"), any, 0).outcome())
        .isEqualTo(Outcome.NO_DATA);
    Measurement unmet =
        Judge.judge(
            Reading.expectations("c", null, List.of("status 503, expected 200"), ""), null, 0);
    assertThat(unmet.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(unmet.reason()).isEqualTo("status 503, expected 200");
    assertThat(Judge.judge(Reading.expectations("c", null, List.of(), ""), null, 0).outcome())
        .isEqualTo(Outcome.PASS);
  }

  static dev.cutover.plan.Check.Compare compare(double margin, double confidence, long minSamples) {
    return new dev.cutover.plan.Check.Compare(
        "db",
        dev.cutover.plan.Check.Compare.Kind.SQL,
        "a",
        "b",
        "c",
        "d",
        margin,
        confidence,
        minSamples);
  }

  static Stream<Arguments> proportions() {
    return Stream.of(
        // new failures/total, baseline failures/total, margin -> outcome
        Arguments.of(
            30, 1000, 100, 10000, 0.01, Outcome.FAIL), // 3% vs 1%: worse by 2 points, clearly
        Arguments.of(15, 1000, 100, 10000, 0.01, Outcome.PASS), // 1.5% vs 1%: within the margin
        Arguments.of(
            25,
            1000,
            100,
            10000,
            0.01,
            Outcome.PASS), // 2.5% vs 1%: above the margin, not significantly
        Arguments.of(3, 100, 1, 100, 0.0, Outcome.PASS), // 3% vs 1% on 100 each: not significant
        Arguments.of(0, 5000, 0, 5000, 0.0, Outcome.PASS), // no failures anywhere
        Arguments.of(5, 50, 1, 5000, 0.0, Outcome.NO_DATA), // 50 new samples < minSamples 100
        Arguments.of(20, 10, 1, 5000, 0.0, Outcome.ERROR)); // more failures than requests
  }

  @ParameterizedTest(name = "{0}/{1} vs {2}/{3}, margin {4}: {5}")
  @MethodSource("proportions")
  void compareChecksUseAOneSidedTwoProportionTest(
      int nf, int nt, int bf, int bt, double margin, Outcome expected) {
    Reading r =
        Reading.counts(
            "c",
            java.util.Map.of(
                ProportionTest.NEW_FAILURES,
                (double) nf,
                ProportionTest.NEW_TOTAL,
                (double) nt,
                ProportionTest.BASE_FAILURES,
                (double) bf,
                ProportionTest.BASE_TOTAL,
                (double) bt),
            null);
    assertThat(ProportionTest.judge(compare(margin, 0.95, 100), r, 0).outcome())
        .isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void theNormalQuantileMatchesKnownValues() {
    assertThat(ProportionTest.normalQuantile(0.95))
        .isCloseTo(1.6448536, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(ProportionTest.normalQuantile(0.99))
        .isCloseTo(2.3263479, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(ProportionTest.normalQuantile(0.5))
        .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(ProportionTest.normalQuantile(0.001))
        .isCloseTo(-3.0902323, org.assertj.core.data.Offset.offset(1e-6));
  }
}
