package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stage baselines as a plan writes them: relative pass conditions, baseline, SQL parameters. */
class StageBaselinesReaderTest {
  static final String PLAN =
      """
      version: 1
      name: t
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
        prom: { prometheus: "http://prom.test" }
      checks:
        errors:
          sql: db
          query: "SELECT avg(rate) AS value FROM error_rates WHERE at >= :stage_start"
          pass: "<= 1.5 * baseline"
          baseline: { capture: errors_before, floor: 0.001 }
        errors_before: { sql: db, query: "SELECT avg(rate) AS value FROM error_rates WHERE at > now() - interval '1 hour'" }
        p95: { prometheus: prom, query: "max_over_time(p95[${stage_age}])", pass: "<= baseline + 0.2" }
        ok: { sql: db, query: "SELECT 1 AS value", pass: ">= 1" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      prerequisites: [ok]
      stages:
        - { name: canary, percent: 10, soak: 1h, gates: [errors, p95] }
      """;

  static List<String> problems(String yaml) {
    try {
      PlanReader.read(yaml);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  @Test
  void readsABaselineAndRelativePassConditionsAndWritesThemBack() {
    Plan p = PlanReader.read(PLAN);
    Check errors = p.check("errors");
    assertThat(errors.pass().usesBaseline()).isTrue();
    assertThat(errors.pass().toString()).isEqualTo("<= 1.5 * baseline");
    assertThat(errors.baseline()).isEqualTo(new Check.Baseline("errors_before", 0.001));
    assertThat(errors.captureCheck()).isEqualTo("errors_before");
    assertThat(p.check("p95").captureCheck()).isEqualTo("p95");
    assertThat(p.check("p95").pass().toString()).isEqualTo("<= baseline + 0.2");
    assertThat(p.baselineChecks()).containsExactly("errors", "p95");
    assertThat(PlanReader.fromTree(PlanJson.write(p))).isEqualTo(p);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // what is changed | the one problem
        "pass: \"<= 1.5 * baseline\"\\n    baseline: { capture: errors_before, floor: 0.001 }|"
            + "pass: \"<= 0.05\"\\n    baseline: { capture: errors_before, floor: 0.001 }|"
            + "checks.errors.baseline: no rule judges check \"errors\" relative to its baseline;"
            + " give it a pass such as \"<= 1.5 * baseline\"",
        "capture: errors_before|capture: nope|"
            + "checks.errors.baseline.capture: no check named \"nope\" (known: errors,"
            + " errors_before, ok, p95)",
        "capture: errors_before|capture: p95|"
            + "checks.errors.baseline.capture: check \"p95\" uses a baseline itself; a baseline is"
            + " captured from a plain check",
        "floor: 0.001|floor: -1|checks.errors.baseline.floor: a floor is a number of at least 0",
        "prerequisites: [ok]|prerequisites: [errors]|"
            + "prerequisites[0].check: a prerequisite is measured before any stage starts, so it"
            + " has no stage baseline; give it a plain pass condition",
        "ok: { sql: db, query: \"SELECT 1 AS value\"|"
            + "ok: { sql: db, query: \"SELECT count(*) AS value FROM e WHERE at > :stage_start\"|"
            + "prerequisites[0].check: check \"ok\" uses :stage_start, which has no value before"
            + " the first stage starts; a prerequisite's check cannot use it",
        "pass: \">= 1\" }|pass: \">= :baseline\" }|"
            + "checks.ok.pass: \">= :baseline\" is not a comparison; use <, <=, >, >=, ==, != or"
            + " \"between A and B\" with numbers",
      })
  void refusesABaselineThatCannotWorkSayingWhereAndWhy(String from, String to, String problem) {
    String yaml = PLAN.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
    assertThat(yaml).isNotEqualTo(PLAN);
    assertThat(problems(yaml)).containsExactly(problem);
  }

  @Test
  void refusesBaselineInTheSqlOfACheckNotJudgedRelativeToIt() {
    String yaml =
        PLAN.replace(
            "errors_before: { sql: db, query: \"SELECT avg(rate) AS value FROM error_rates WHERE at > now() - interval '1 hour'\" }",
            "errors_before: { sql: db, query: \"SELECT :baseline AS value\" }");
    assertThat(problems(yaml))
        .containsExactly(
            "checks.errors.baseline.capture: check \"errors_before\" uses a baseline itself; a"
                + " baseline is captured from a plain check",
            "checks.errors_before.query: :baseline has a value only in a check judged relative to"
                + " its baseline (pass: \"<= 1.5 * baseline\")");
  }
}
