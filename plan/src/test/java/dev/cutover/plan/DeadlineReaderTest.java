package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A stage's {@code deadline} and the rollback's {@code budget}. */
class DeadlineReaderTest {
  static final String PLAN =
      RunbookRulesTest.HEADER
          + """
      stages:
        - name: switch
          percent: 100
          soak: 10m
          deadline: { applyWithin: 60s, completeWithin: 1h, then: hold }
        - name: hypercare
          observe: true
          soak: 72h
          gates: [rate]
          deadline: { completeWithin: 80h }
      rollback:
        budget: 2m
      """;

  static String with(String from, String to) {
    assertThat(PLAN).contains(from);
    return PLAN.replace(from, to);
  }

  @Test
  void readsEachLimitWithRollbackByDefaultAndWritesThemBack() {
    Plan p = PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST);
    assertThat(p.stages().get(0).deadline())
        .isEqualTo(new Deadline(Duration.ofSeconds(60), Duration.ofHours(1), Deadline.Then.HOLD));
    assertThat(p.stages().get(1).deadline())
        .isEqualTo(new Deadline(null, Duration.ofHours(80), Deadline.Then.ROLLBACK));
    assertThat(p.rollback().budget()).isEqualTo(Duration.ofMinutes(2));
    assertThat(PlanReader.fromTree(PlanJson.write(p), PlanReader.Rules.NEWEST)).isEqualTo(p);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of(
            "no limit",
            with("deadline: { completeWithin: 80h }", "deadline: { then: hold }"),
            "stages[1].deadline: a deadline has applyWithin (its changes made by then),"
                + " completeWithin (the stage complete by then) or both"),
        Arguments.of(
            "a completeWithin no longer than the soak",
            with("completeWithin: 80h", "completeWithin: 72h"),
            "stages[1].deadline.completeWithin: 3d is not longer than the stage's soak (3d): the"
                + " deadline would always pass"),
        Arguments.of(
            "applyWithin not shorter than completeWithin",
            with("applyWithin: 60s, completeWithin: 1h", "applyWithin: 2h, completeWithin: 1h"),
            "stages[0].deadline.applyWithin: is shorter than completeWithin (the stage applies its"
                + " changes before it completes)"),
        Arguments.of(
            "a limit under a second",
            with("applyWithin: 60s", "applyWithin: 0s"),
            "stages[0].deadline.applyWithin: must be between 1s and 30d"),
        Arguments.of(
            "a limit over 30 days",
            with("completeWithin: 80h", "completeWithin: 31d"),
            "stages[1].deadline.completeWithin: must be between 1s and 30d"),
        Arguments.of(
            "an unknown action",
            with("then: hold", "then: page"),
            "stages[0].deadline.then: \"page\" is not one of: rollback, hold"),
        Arguments.of(
            "an unknown field",
            with("then: hold", "then: hold, within: 1m"),
            "stages[0].deadline.within: unknown field \"within\" (expected one of: applyWithin,"
                + " completeWithin, then)"),
        Arguments.of(
            "a budget of no time",
            with("budget: 2m", "budget: 0s"),
            "rollback.budget: must be between 1s and 30d"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWithThePath(String what, String yaml, String expected) {
    assertThat(PlanBoundsTest.problems(yaml, PlanReader.Rules.NEWEST))
        .containsExactly(expected.split("\n"));
  }

  @Test
  void theRunbookStatesEachLimitAndWhatFollows() {
    String md =
        dev.cutover.runbook.Runbook.markdown(
            PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST));
    assertThat(md)
        .contains(
            "- **Deadline**: its changes made within 1m, and complete within 1h of its start; past"
                + " that, the cutover holds until resume and pages.")
        .contains(
            "- **Deadline**: complete within 3d8h of its start; past that, it rolls back and"
                + " pages.")
        .contains("(within 2m; past that it pages, `rollback_overdue`, and goes on):");
  }
}
