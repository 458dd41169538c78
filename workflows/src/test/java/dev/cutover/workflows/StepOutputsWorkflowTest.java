package dev.cutover.workflows;

import static dev.cutover.workflows.CutoverWorkflowTest.by;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Step;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A step output through the workflow: what the silence action returned is kept in the cutover's
 * state and handed to its undo on rollback, and recorded with the step.
 */
class StepOutputsWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: quiet
      connections:
        am: { http: "https://alertmanager.test" }
      checks:
        ok: { http: "GET am:/-/healthy", expect: { status: 200 } }
      stages:
        - name: quiet
          actions:
            - http: "POST am:/api/v2/silences"
              outputs: { silence_id: "$.silenceID" }
              undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}" }
          soak: 2h
          every: 10m
          gates: [ok]
      """;

  @Test
  void theUndoOfARollbackGetsTheSilenceIdItsActionReturned() {
    FakeWorld world = new FakeWorld().ok("ok");
    world.outputs.put("silence_id", "s-42");
    world.outputs.put("undeclared", "x"); // a value the action does not declare is not kept
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofMinutes(30));
      assertThat(wf.status().state()).isEqualTo("SOAKING");
      wf.abort(by("dave"));
      tw.sleep(Duration.ofSeconds(10));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
    }
    assertThat(world.applyEffectRequests)
        .extracting(r -> r.step().kind())
        .containsExactly(Step.Kind.ACTION, Step.Kind.UNDO_ACTION);
    assertThat(world.applyEffectRequests.get(0).outputs()).isEmpty();
    assertThat(world.applyEffectRequests.get(1).outputs()).isEqualTo(Map.of("silence_id", "s-42"));
  }
}
