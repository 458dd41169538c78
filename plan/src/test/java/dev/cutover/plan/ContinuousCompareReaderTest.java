package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A compare check of a continuous metric ({@code statistic}) and the plan's {@code defaults}. */
class ContinuousCompareReaderTest {
  static final String PLAN =
      """
      version: 1
      name: t
      DEFAULTS
      connections:
        flags: { http: "https://flags.test" }
        prom: { prometheus: "https://prom.test" }
        db: { postgres: "jdbc:postgresql://db.test:5432/app" }
      checks:
        latency:
          compare:
            prometheus: prom
            method: sequential
            statistic: p95
            unit: s
            new: { buckets: 'sum by (le) (d_bucket{path="v2"})' }
            baseline: { buckets: 'sum by (le) (d_bucket{path="v1"})' }
            LATENCY
        errors:
          compare:
            prometheus: prom
            method: sequential
            new: { failures: "sum(f2)", total: "sum(t2)" }
            baseline: { failures: "sum(f1)", total: "sum(t1)" }
        imports:
          compare:
            sql: db
            method: sequential
            statistic: mean
            unit: ms
            new: { count: "SELECT count(*) FROM i WHERE p = 'v2'", sum: "SELECT sum(ms) FROM i WHERE p = 'v2'", sumOfSquares: "SELECT sum(ms*ms) FROM i WHERE p = 'v2'" }
            baseline: { count: "SELECT count(*) FROM i WHERE p = 'v1'", sum: "SELECT sum(ms) FROM i WHERE p = 'v1'", sumOfSquares: "SELECT sum(ms*ms) FROM i WHERE p = 'v1'" }
            alpha: 0.01
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 1m, gates: [latency, errors, imports] }
      """;

  static String plan(String latency, String defaults) {
    return PLAN.replace("LATENCY", latency).replace("DEFAULTS", defaults);
  }

  static List<String> problems(String yaml, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(yaml), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  static Plan read(String latency, String defaults) {
    return PlanReader.fromTree(
        PlanReader.parseTree(plan(latency, defaults)), PlanReader.Rules.NEWEST);
  }

  static Check.Compare compare(Plan p, String check) {
    return (Check.Compare) p.check(check).source();
  }

  @Test
  void aHistogramQuantileAndASqlMeanReadWithTheirQueries() {
    Plan p = read("relativeMargin: 0.1\n      margin: 0.005", "");
    Check.Compare latency = compare(p, "latency");
    assertThat(latency.metric().statistic()).isEqualTo("p95");
    assertThat(latency.metric().quantile()).isEqualTo(0.95);
    assertThat(latency.metric().unit()).isEqualTo("s");
    assertThat(latency.metric().news().queries())
        .containsExactly(java.util.Map.entry("buckets", "sum by (le) (d_bucket{path=\"v2\"})"));
    assertThat(latency.margin()).isEqualTo(0.005);
    assertThat(latency.relativeMargin()).isEqualTo(0.1);
    assertThat(latency.alpha()).isEqualTo(0.05);
    Check.Compare imports = compare(p, "imports");
    assertThat(imports.metric().quantile()).isNaN();
    assertThat(imports.metric().baseline().queries().keySet())
        .containsExactly("count", "sum", "sumOfSquares");
  }

  @Test
  void thePlansAlphaIsSharedByTheSequentialCompareChecksThatGiveNone() {
    Plan p = read("", "defaults: { alpha: 0.05 }");
    assertThat(compare(p, "latency").alpha()).isEqualTo(0.025);
    assertThat(compare(p, "errors").alpha()).isEqualTo(0.025);
    assertThat(compare(p, "imports").alpha()).isEqualTo(0.01); // its own, outside the budget
  }

  @Test
  void withoutDefaultsEveryCheckKeepsItsOwnAlphaOrTheDefault() {
    Plan p = read("", "");
    assertThat(compare(p, "latency").alpha()).isEqualTo(0.05);
    assertThat(compare(p, "errors").alpha()).isEqualTo(0.05);
  }

  @Test
  void olderRulesRefuseStatisticsAndDefaultsSoThatARunningCutoverReadsItsPlanAsBefore() {
    assertThat(problems(plan("", "defaults: { alpha: 0.05 }"), PlanReader.Rules.RUNBOOK))
        .contains(
            "defaults: defaults is read only by the newest rules (a new cutover, cutover lint);"
                + " this plan is read by the rules of a cutover started before it existed",
            "checks.latency.compare.statistic: statistic is read only by the newest rules (a new"
                + " cutover, cutover lint); this plan is read by the rules of a cutover started"
                + " before it existed");
  }

  static Stream<Arguments> badLatency() {
    return Stream.of(
        Arguments.of(
            "statistic: p100",
            "checks.latency.compare.statistic: \"p100\" is not a statistic: \"mean\", or a"
                + " quantile from p1 to p99.9 such as \"p95\""),
        Arguments.of(
            "unit: minutes",
            "checks.latency.compare.unit: a unit is \"s\" or \"ms\" (what the metric's values are"
                + " in)"),
        Arguments.of(
            "margin: -1",
            "checks.latency.compare.margin: a margin is how much worse the statistic may be, in its"
                + " unit, at least 0 (at most 1000000000), e.g. 0.005 for 5 ms in seconds"),
        Arguments.of(
            "method: ztest",
            "checks.latency.compare.method: a statistic is compared only by method: sequential"
                + " (running totals, always valid)"),
        Arguments.of("statistic: mean", "checks.latency.compare.new.sum: required"),
        Arguments.of(
            "new: { buckets: 'x', failures: 'y' }",
            "checks.latency.compare.new.failures: is for counts of failures; a statistic reads"
                + " buckets (and sum for the mean)"),
        Arguments.of(
            "new: { buckets: 'x', sum: 'y' }",
            "checks.latency.compare.new.sum: sum is used only by statistic: mean (a quantile is"
                + " read from the buckets)"),
        Arguments.of(
            "new: { buckets: 'x', count: 'y' }",
            "checks.latency.compare.new.count: count is for SQL; a Prometheus side gives buckets"
                + " (and sum for the mean)"),
        Arguments.of(
            "baseline: { sum: 'y' }", "checks.latency.compare.baseline.buckets: required"));
  }

  @ParameterizedTest
  @MethodSource("badLatency")
  void aBadContinuousCompareIsRefusedNamingItsPath(String latency, String problem) {
    // A key written twice is a problem of its own: drop the plan's line the case replaces.
    String yaml = plan(latency, "");
    String field = latency.substring(0, latency.indexOf(':'));
    yaml = removeFirst(yaml, "      " + field + ":");
    assertThat(problems(yaml, PlanReader.Rules.NEWEST)).contains(problem);
  }

  /** Drops the first of two lines starting with {@code prefix} (the latency check's own). */
  static String removeFirst(String yaml, String prefix) {
    int at = yaml.indexOf("\n" + prefix);
    if (at < 0 || yaml.indexOf("\n" + prefix, at + 1) < 0) {
      return yaml; // the plan has no such line of its own
    }
    int end = yaml.indexOf('\n', at + 1);
    return yaml.substring(0, at) + yaml.substring(end);
  }

  @Test
  void sqlGivesAMeanNotAQuantileAndNoBuckets() {
    String yaml =
        plan("", "")
            .replace("statistic: mean", "statistic: p99")
            .replace(
                "new: { count: \"SELECT count(*) FROM i WHERE p = 'v2'\",",
                "new: { buckets: 'x', count: \"SELECT count(*) FROM i WHERE p = 'v2'\",");
    assertThat(problems(yaml, PlanReader.Rules.NEWEST))
        .contains(
            "checks.imports.compare.statistic: SQL gives a mean (from count, sum and"
                + " sumOfSquares); a quantile such as p99 needs a Prometheus histogram's buckets",
            "checks.imports.compare.new.buckets: buckets are read from Prometheus; SQL gives"
                + " count, sum and sumOfSquares");
  }

  @Test
  void countsOfFailuresTakeNoMetricFields() {
    String yaml =
        plan("", "")
            .replace(
                "new: { failures: \"sum(f2)\", total: \"sum(t2)\" }",
                "new: { failures: \"sum(f2)\", total: \"sum(t2)\", buckets: 'x' }");
    assertThat(problems(yaml, PlanReader.Rules.NEWEST))
        .contains(
            "checks.errors.compare.new.buckets: is for a compare check of a statistic (statistic:"
                + " p95 or mean)");
  }

  @Test
  void badDefaultsAreRefusedNamingTheirPath() {
    assertThat(problems(plan("", "defaults: { alpha: 0.5 }"), PlanReader.Rules.NEWEST))
        .contains("defaults.alpha: alpha is a false-alarm rate between 0.001 and 0.2, e.g. 0.05");
  }
}
