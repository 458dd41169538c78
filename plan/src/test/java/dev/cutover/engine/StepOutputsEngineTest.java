package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.plan.PlanReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a stage action returned is kept in the state, for its undo and the stage's later steps. */
class StepOutputsEngineTest {
  static final String PLAN =
      """
      version: 1
      name: outputs
      connections:
        am: { http: "https://alertmanager.internal" }
      checks:
        ok: { http: "GET am:/-/healthy", expect: { status: 200 } }
      stages:
        - name: quiet
          actions:
            - http: "POST am:/api/v2/silences"
              outputs: { silence_id: "$.silenceID" }
              undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}" }
          soak: 1h
          gates: [ok]
      """;

  @Test
  void anActionsOutputsAreKeptUnderItsStageAndSurviveTheStatesJson() throws Exception {
    Harness h =
        new Harness(PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.OUTPUTS))
            .expectations("ok");
    h.holdEffects = true;
    h.start("carol");
    Command.Apply post = h.pendingEffects.remove(0);
    assertThat(post.step().key()).isEqualTo("quiet/actions/0");

    Engine.Transition t =
        h.engine.on(
            h.state, Event.EffectDone.ok(h.now, post.seq(), "-> 200", Map.of("silence_id", "a-1")));

    CutoverState s = t.state();
    assertThat(s.applied().outputsOf("quiet")).containsExactly(Map.entry("silence_id", "a-1"));
    assertThat(s.applied().outputs()).containsExactly(Map.entry("quiet/silence_id", "a-1"));
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(s);
    assertThat(text).contains("\"outputs\":{\"quiet/silence_id\":\"a-1\"}");
    assertThat(json.readValue(text, CutoverState.class)).isEqualTo(s);
  }

  @Test
  void aStateWithoutOutputsWritesNoneAndStartingOverForgetsThem() throws Exception {
    CutoverState.Applied a = CutoverState.Applied.NOTHING.withOutputs("quiet", Map.of("x", "1"));
    assertThat(a.outputsOf("quiet")).containsExactly(Map.entry("x", "1"));
    assertThat(a.outputsOf("other")).isEmpty();
    assertThat(a.forgetStages().outputs()).isEmpty();

    Harness h = EngineTest.healthy(EngineTest.TWO_STAGES).start();
    assertThat(new ObjectMapper().writeValueAsString(h.state)).doesNotContain("\"outputs\"");
  }
}
