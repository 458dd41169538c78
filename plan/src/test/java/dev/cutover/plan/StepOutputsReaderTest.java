package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Step outputs as the reader takes them: declared on a stage's http action, used after it. */
class StepOutputsReaderTest {
  static final String PLAN =
      """
      version: 1
      name: outputs
      connections:
        am: { http: "https://alertmanager.internal", headers: { Authorization: "Bearer ${env:AM_TOKEN}" } }
      checks:
        ok: { http: "GET am:/-/healthy", expect: { status: 200 } }
      stages:
        - name: quiet
          actions:
            - http: "POST am:/api/v2/silences"
              body: '{"matchers": [{"name": "service", "value": "checkout"}]}'
              outputs: { silence_id: "$.silenceID" }
              undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}" }
            - command: [/opt/bin/note, "${output:silence_id}"]
              readOnly: true
          gates: [ok]
      """;

  static Plan read(String yaml) {
    return PlanReader.fromTree(PlanReader.parseTree(yaml), PlanReader.Rules.OUTPUTS);
  }

  static String problems(String yaml) {
    try {
      read(yaml);
      return "";
    } catch (PlanException e) {
      return String.join(
          "\n", e.problems().stream().map(p -> p.path() + ": " + p.message()).toList());
    }
  }

  @Test
  void anHttpActionDeclaresItsOutputsAndItsUndoAndLaterActionsUseThem() {
    Plan plan = read(PLAN);
    Action.Http post = (Action.Http) plan.stages().get(0).actions().get(0);
    assertThat(post.outputs()).containsExactly(new Output("silence_id", "$.silenceID"));
    assertThat(((Action.Http) post.undo()).call().target())
        .isEqualTo("am:/api/v2/silence/${output:silence_id}");
    assertThat(((Action.Command) plan.stages().get(0).actions().get(1)).argv())
        .containsExactly("/opt/bin/note", "${output:silence_id}");
    // as the workflow carries it: written and read again, the same plan
    assertThat(PlanReader.fromTree(PlanJson.write(plan), PlanReader.Rules.OUTPUTS)).isEqualTo(plan);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          an unknown output | undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}" } | undo: { http: "DELETE am:/api/v2/silence/${output:other}" } | stages[0].actions[0].undo.http: ${output:other} is not an output of this action or of an earlier action of this stage (an http action's outputs; only its undo and the stage's later actions use them)
          an output in the host | undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}" } | undo: { http: "DELETE https://${output:silence_id}.example.com/x" } | stages[0].actions[0].undo.http: an output never goes into a URL's host or a connection's name (a target's answer is untrusted): use it in the path, the query, a header or the body
          a bad name | outputs: { silence_id: "$.silenceID" } | outputs: { silence_id: "$.silenceID", Bad-Name: "$.x" } | stages[0].actions[0].outputs.Bad-Name: "Bad-Name" is not an output name (lower case letters, digits and _, starting with a letter, at most 32)
          a path that is no JSONPath | outputs: { silence_id: "$.silenceID" } | outputs: { silence_id: "silenceID" } | stages[0].actions[0].outputs.silence_id: "silenceID" is not a JSON path such as $.status or $.items[0].value
          """)
  void refusesWhatTheRulesDoNotAllow(String what, String from, String to, String problem) {
    String yaml = PLAN.replace(from, to);
    assertThat(yaml).as(what).isNotEqualTo(PLAN);
    assertThat(problems(yaml)).as(what).contains(problem);
  }

  @Test
  void anOutputIsUsableOnlyAfterTheActionThatDeclaresIt() {
    String early =
        PLAN.replace(
            "      - http: \"POST am:/api/v2/silences\"",
            "      - command: [/opt/bin/note, \"${output:silence_id}\"]\n"
                + "        readOnly: true\n"
                + "      - http: \"POST am:/api/v2/silences\"");
    assertThat(early).isNotEqualTo(PLAN);
    assertThat(problems(early))
        .contains("stages[0].actions[0].command[1]: ${output:silence_id} is not an output");
  }

  @Test
  void aNameIsDeclaredOnceAStageAndTheRollbacksActionsDeclareNone() {
    String twice =
        PLAN.replace(
            "      - command: [/opt/bin/note, \"${output:silence_id}\"]",
            "      - http: \"POST am:/api/v2/silences\"\n"
                + "        outputs: { silence_id: \"$.silenceID\" }\n"
                + "        undo: { http: \"DELETE am:/x\" }\n"
                + "      - command: [/opt/bin/note, \"${output:silence_id}\"]");
    assertThat(twice).isNotEqualTo(PLAN);
    assertThat(problems(twice))
        .contains(
            "stages[0].actions[1].outputs.silence_id: an earlier action of this stage declares"
                + " output silence_id already");

    String inRollback =
        PLAN + "rollback:\n  actions:\n    - { http: \"POST am:/x\", outputs: { a: \"$.a\" } }\n";
    assertThat(problems(inRollback)).contains("rollback.actions[0]").contains("outputs");
  }

  @Test
  void plansReadByEarlierRulesKnowNoOutputs() {
    assertThatThrownBy(
            () -> PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.RUNBOOK))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("outputs");
    // Every newer reading rule (STATISTICS came after) still reads outputs.
    assertThat(PlanReader.Rules.NEWEST).isGreaterThanOrEqualTo(PlanReader.Rules.OUTPUTS);
  }

  @Test
  void aValueIsShortAndPlainOrItIsNoOutput() {
    assertThat(Output.problem("5f8c0a4e-1b2c-4d3e-9f00-aa11bb22cc33")).isNull();
    assertThat(Output.problem("silence-123")).isNull();
    for (String bad : List.of("", "a/b", "a b", "a?b=c", "x\"y", "é", "a".repeat(129))) {
      assertThat(Output.problem(bad)).as(bad).isNotNull();
    }
    assertThat(Output.problem("a/../b"))
        .isEqualTo("holds characters other than letters, digits and . _ : -");
  }
}
