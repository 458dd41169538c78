package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Read-only commands: smoke-test scripts that need neither undo nor irreversible. */
class ReadOnlyCommandsTest {
  static final String PLAN =
      """
      version: 1
      name: t
      connections:
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        ok: { sql: db, query: "SELECT 1 AS value", pass: ">= 1" }
      stages:
        - name: b
          soak: 1h
          gates: [ok]
          actions:
            - { command: ["/opt/ops/bin/smoke-stage-b", "--workspace", "ws1"], readOnly: true }
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
  void aReadOnlyCommandNeedsNeitherUndoNorIrreversibleAndWritesBack() {
    Plan p = PlanReader.read(PLAN);
    Action.Command c = (Action.Command) p.stages().get(0).actions().get(0);
    assertThat(c.readOnly()).isTrue();
    assertThat(c.undo()).isNull();
    assertThat(c.irreversible()).isFalse();
    assertThat(PlanReader.fromTree(PlanJson.write(p))).isEqualTo(p);
    assertThat(PlanJson.write(p).toString()).contains("\"readOnly\":true");
    assertThat(PlanSummary.text(p))
        .contains(
            "run /opt/ops/bin/smoke-stage-b --workspace ws1 (at most 1m) [read-only: nothing to"
                + " undo]");
  }

  @Test
  void aCommandWithoutUndoIrreversibleOrReadOnlyIsRefusedNamingTheThreeChoices() {
    assertThat(problems(PLAN.replace(", readOnly: true", "")))
        .containsExactly(
            "stages[0].actions[0]: say how a rollback undoes this command (undo: ...), mark it"
                + " irreversible: true (its stage then starts only after an approval), or, if it"
                + " changes nothing (a smoke test), mark it readOnly: true");
  }

  @Test
  void aReadOnlyCommandWithAnUndoOrIrreversibleIsRefused() {
    String expected =
        "stages[0].actions[0].readOnly: a read-only command changes nothing, so it has no undo and"
            + " is not irreversible; drop undo and irreversible, or readOnly if it does change"
            + " something";
    assertThat(problems(PLAN.replace("readOnly: true", "readOnly: true, irreversible: true")))
        .containsExactly(expected);
    assertThat(
            problems(
                PLAN.replace(
                    "readOnly: true", "readOnly: true, undo: { command: [\"/bin/true\"] }")))
        .containsExactly(expected);
  }

  @Test
  void readOnlyFalseIsAnOrdinaryCommandThatMustSayHowItIsUndone() {
    assertThat(problems(PLAN.replace("readOnly: true", "readOnly: false"))).hasSize(1);
  }
}
