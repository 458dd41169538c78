package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Checklists: named tasks a person confirms, never confused with approvals. */
class ChecklistTest {

  @Test
  void aConfirmOfATaskNoStageWaitsForIsRejectedAndApprovesNothing() {
    Harness h = EngineTest.healthy(EngineTest.TWO_STAGES).start();
    h.signal(Signal.confirm("canary", "alice", null));
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text())
        .isEqualTo("rejected: no checklist task \"canary\" is waiting for a confirmation");
    assertThat(h.state.progress().approval()).isNull();

    h.signal(Signal.confirm(null, "alice", null));
    assertThat(h.lastDecision().text())
        .isEqualTo("rejected: say which checklist task (task is required)");
  }
}
