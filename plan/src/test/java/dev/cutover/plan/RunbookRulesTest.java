package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link PlanReader.Rules#RUNBOOK} rules: observe stages declared, points of no return that say
 * what a breach after them does, and no traffic sent back below the share in effect when one ran.
 */
class RunbookRulesTest {
  static final String HEADER =
      """
      version: 1
      name: runbook
      connections:
        ops: { http: "https://ops.internal" }
        db: { postgres: "jdbc:postgresql://db.internal/app" }
      checks:
        rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
        errors: { sql: db, query: "SELECT 0 AS value", pass: "< 0.05" }
      traffic:
        set: { http: "PUT ops:/split", body: '{"value": ${percent}}' }
      """;

  /** Canary, the switch with its final sync (irreversible), hypercare. */
  static final String PLAN =
      HEADER
          + """
      stages:
        - { name: canary, percent: 10, soak: 1h, gates: [rate] }
        - name: switch
          percent: 100
          actions: [{ http: "POST ops:/final-sync", irreversible: true }]
          soak: 1h
          gates: [rate]
        - { name: hypercare, observe: true, soak: 72h, gates: [rate] }
      watch:
        - { check: errors, every: 1m, for: 5m }
        - { check: rate, every: 1m, stages: [canary, hypercare] }
      rollback:
        afterPointOfNoReturn: hold
      """;

  static String with(String from, String to) {
    assertThat(PLAN).contains(from);
    return PLAN.replace(from, to);
  }

  @Test
  void thePlanReadsCleanAndCarriesTheNewFields() {
    Plan p = PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.RUNBOOK);
    assertThat(p.stages().get(2).observe()).isTrue();
    assertThat(p.watch().get(1).stages()).containsExactly("canary", "hypercare");
    assertThat(p.rollback().afterPointOfNoReturn()).isEqualTo(Rollback.AfterPointOfNoReturn.HOLD);
    assertThat(PlanReader.fromTree(PlanJson.write(p), PlanReader.Rules.RUNBOOK)).isEqualTo(p);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of(
            "an empty action list",
            with("{ name: hypercare, observe: true,", "{ name: hypercare, actions: [],"),
            "stages[2].actions: an empty list does nothing; leave it out (a stage that only"
                + " watches is declared observe: true)"),
        Arguments.of(
            "a stage that changes nothing and is not declared observe",
            with("{ name: hypercare, observe: true,", "{ name: hypercare,"),
            "stages[2]: a stage must set percent, flags, actions or onComplete, or be declared"
                + " observe: true (it only soaks under its gates)"),
        Arguments.of(
            "an observe stage that sets traffic",
            with(
                "{ name: hypercare, observe: true,",
                "{ name: hypercare, observe: true, percent: 100,"),
            "stages[2].percent: an observe stage changes nothing when it starts; move this to a"
                + " stage of its own or drop observe"),
        Arguments.of(
            "an irreversible action and no word on what a breach after it does",
            with("  afterPointOfNoReturn: hold\n", "  percent: 0\n"),
            "rollback.afterPointOfNoReturn: stages[1].actions[0] cannot be undone (a point of no"
                + " return): say what a breach after it does, hold or {stage: NAME} (a stage from"
                + " switch on); undoing everything would send traffic back onto what it removed"),
        Arguments.of(
            "a safe stage before the point of no return",
            with("afterPointOfNoReturn: hold", "afterPointOfNoReturn: { stage: canary }"),
            "rollback.afterPointOfNoReturn.stage: stage canary comes before the point of no return"
                + " at stages[1].actions[0]; name a stage from switch on, or hold"),
        Arguments.of(
            "a safe stage that does not exist",
            with("afterPointOfNoReturn: hold", "afterPointOfNoReturn: { stage: later }"),
            "rollback.afterPointOfNoReturn.stage: \"later\" is not a stage of this plan"),
        Arguments.of(
            "neither hold nor a stage",
            with("afterPointOfNoReturn: hold", "afterPointOfNoReturn: rollback"),
            "rollback.afterPointOfNoReturn: is hold (nothing is undone; the cutover holds and"
                + " pages) or {stage: NAME} (back to that stage, at or after the point of no"
                + " return)"),
        Arguments.of(
            "a later stage that sends traffic back to the old path",
            with("{ name: hypercare, observe: true,", "{ name: hypercare, percent: 50,"),
            "stages[2].percent: stage hypercare sets traffic to 50%, below the 100% in effect when"
                + " stages[1].actions[0] (irreversible) ran: that traffic would go back onto what it"
                + " removed"),
        Arguments.of(
            "a stage rollback after the point of no return that lowers traffic",
            with(
                    "{ name: hypercare, observe: true, soak: 72h, gates: [rate] }",
                    "{ name: more, percent: 100, soak: 1h }\n"
                        + "  - { name: hypercare, percent: 100, soak: 72h, gates: [{ check: rate,"
                        + " rollback: stage }] }")
                .replace("switch\n    percent: 100", "switch\n    percent: 50")
                .replace("name: more, percent: 100", "name: more, percent: 40"),
            "stages[2].percent: stage more sets traffic to 40%, below the 50% in effect when"
                + " stages[1].actions[0] (irreversible) ran: that traffic would go back onto what it"
                + " removed\n"
                + "stages[3].gates[0].rollback: rolling back stage hypercare alone sets traffic to 40%,"
                + " below the 50% in effect when stages[1].actions[0] (irreversible) ran: that"
                + " traffic would go back onto what it removed"),
        Arguments.of(
            "a gate that names stages",
            with("gates: [rate] }\nwatch", "gates: [{ check: rate, stages: [canary] }] }\nwatch"),
            "stages[2].gates[0].stages: only a watch rule names the stages it runs in (a gate runs"
                + " in its own stage, a prerequisite before the first)"),
        Arguments.of(
            "a watch rule naming a stage the plan does not have",
            with("stages: [canary, hypercare]", "stages: [canary, hypercar]"),
            "watch[1].stages[1]: \"hypercar\" is not a stage of this plan (canary, switch,"
                + " hypercare)"),
        Arguments.of(
            "a watch rule naming no stage",
            with("stages: [canary, hypercare]", "stages: []"),
            "watch[1].stages: name at least one stage, or leave stages out to watch every stage"),
        Arguments.of(
            "a word on points of no return in a plan without one",
            with(", irreversible: true }", ", undo: { http: \"POST ops:/unsync\" } }"),
            "rollback.afterPointOfNoReturn: this plan has no irreversible action, so no point of"
                + " no return; leave this out"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void theRunbookRulesRefuse(String what, String yaml, String expected) {
    assertThat(PlanBoundsTest.problems(yaml, PlanReader.Rules.RUNBOOK))
        .containsExactly(expected.split("\n"));
  }

  @Test
  void anEmptyActionListStillReadsByTheRulesRunningCutoversCarry() {
    String yaml = with("{ name: hypercare, observe: true,", "{ name: hypercare, actions: [],");
    assertThat(PlanBoundsTest.problems(yaml, PlanReader.Rules.HARDENED)).isEmpty();
  }
}
