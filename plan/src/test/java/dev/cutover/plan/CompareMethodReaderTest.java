package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A compare check's {@code method}, {@code alpha} and {@code relativeMargin}, by rule set. */
class CompareMethodReaderTest {
  static final String PLAN =
      """
      version: 1
      name: t
      connections:
        flags: { http: "https://flags.test" }
        prom: { prometheus: "https://prom.test" }
      checks:
        vs:
          compare:
            prometheus: prom
            new: { failures: "sum(f2)", total: "sum(t2)" }
            baseline: { failures: "sum(f1)", total: "sum(t1)" }
            EXTRA
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 1m, gates: [vs] }
      """;

  static String plan(String extra) {
    return PLAN.replace("EXTRA", extra);
  }

  static List<String> problems(String yaml, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(yaml), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  static Check.Compare read(String extra) {
    return (Check.Compare)
        PlanReader.fromTree(PlanReader.parseTree(plan(extra)), PlanReader.Rules.NEWEST)
            .check("vs")
            .source();
  }

  @Test
  void sequentialTakesAlphaAndMarginsWithDefaults() {
    Check.Compare c = read("method: sequential");
    assertThat(c.method()).isEqualTo(Check.Compare.Method.SEQUENTIAL);
    assertThat(c.alpha()).isEqualTo(0.05);
    assertThat(c.margin()).isZero();
    assertThat(c.relativeMargin()).isZero();
    assertThat(c.minSamples()).isEqualTo(100);

    Check.Compare given =
        read(
            "{ method: sequential, alpha: 0.01, margin: 0.002, relativeMargin: 0.1 }"
                .replace("{ ", "")
                .replace(" }", "")
                .replace(", ", "\n      "));
    assertThat(given.alpha()).isEqualTo(0.01);
    assertThat(given.margin()).isEqualTo(0.002);
    assertThat(given.relativeMargin()).isEqualTo(0.1);
  }

  @Test
  void aZTestIsStillThereToChoose() {
    Check.Compare c = read("method: ztest\n      confidence: 0.99");
    assertThat(c.method()).isEqualTo(Check.Compare.Method.ZTEST);
    assertThat(c.confidence()).isEqualTo(0.99);
  }

  @Test
  void aPlanReadByOlderRulesNeedsNoMethodAndIsAZTestAsBefore() {
    for (PlanReader.Rules rules : List.of(PlanReader.Rules.CURRENT, PlanReader.Rules.HARDENED)) {
      for (String extra : List.of("", "method: ztest")) {
        Check.Compare c =
            (Check.Compare)
                PlanReader.fromTree(PlanReader.parseTree(plan(extra)), rules).check("vs").source();
        assertThat(c.method()).as("%s %s", rules, extra).isEqualTo(Check.Compare.Method.ZTEST);
      }
      assertThat(problems(plan("method: sequential"), rules))
          .containsExactly(
              "checks.vs.compare.method: method: sequential is read only by the newest rules (a"
                  + " new cutover, cutover lint); this plan is read by the rules of a cutover"
                  + " started before it existed");
    }
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(
            "",
            "checks.vs.compare.method: say how the counts are judged: \"sequential\" (the counts"
                + " are running totals, such as a counter or a count(*) with no moving window;"
                + " valid however often it is measured) or \"ztest\" (counts over a window, each"
                + " measurement judged on its own: measured every few minutes for days, it fails an"
                + " equal new path by chance); see docs/compare-checks.md"),
        Arguments.of(
            "method: bayes",
            "checks.vs.compare.method: \"bayes\" is not one of: ztest, sequential"),
        Arguments.of(
            "method: ztest\n      alpha: 0.05",
            "checks.vs.compare.alpha: alpha is for method: sequential; a ztest takes confidence"),
        Arguments.of(
            "method: ztest\n      relativeMargin: 0.1",
            "checks.vs.compare.relativeMargin: relativeMargin is for method: sequential"),
        Arguments.of(
            "method: sequential\n      confidence: 0.95",
            "checks.vs.compare.confidence: a sequential test takes alpha (0.05 for 95%), not"
                + " confidence"),
        Arguments.of(
            "method: sequential\n      alpha: 0.5",
            "checks.vs.compare.alpha: alpha is a false-alarm rate between 0.001 and 0.2, e.g. 0.05"),
        Arguments.of(
            "method: sequential\n      relativeMargin: -0.1",
            "checks.vs.compare.relativeMargin: a relative margin is a fraction of the baseline's"
                + " rate between 0 and 10, e.g. 0.1 for 10% worse"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("mistakes")
  void namesEachMistakeWithItsPath(String extra, String expected) {
    assertThat(problems(plan(extra), PlanReader.Rules.NEWEST)).contains(expected);
  }
}
