package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Hard limits in time: a stage's deadline, and the rollback's budget. */
class DeadlineTest {
  static final String MAINTENANCE =
      EngineTest.HEADER
          + """
      stages:
        - name: switch
          percent: 10
          actions:
            - wait: { check: in_flight, timeout: 10m, every: 10s }
          soak: 1h
          every: 10m
          gates: [ok_rate]
          deadline: { applyWithin: 60s, then: rollback }
        - { name: full, percent: 100, soak: 2h, every: 30m, gates: [ok_rate] }
      rollback:
        budget: 2m
        actions: [{ http: "POST ops:/page" }]
      """;

  private static long pages(Harness h, Command.Notify.Kind kind) {
    return h.notes.stream()
        .filter(n -> n.kind() == kind && n.level() == Command.Notify.Level.PAGE)
        .count();
  }

  @Test
  void aStageThatHasNotMadeItsChangesWithinItsLimitRollsBackAndPages() {
    Harness h = EngineTest.healthy(MAINTENANCE).value("in_flight", 3).start();
    assertThat(h.trafficHistory()).containsExactly(10);
    h.advance(Duration.ofSeconds(59));
    assertThat(h.state.phase()).isEqualTo(State.APPLYING);
    h.advance(Duration.ofSeconds(1));
    assertThat(h.state.phase()).isIn(State.ROLLING_BACK, State.ROLLED_BACK);
    assertThat(h.state.rollback().reason())
        .isEqualTo(
            "deadline: stage switch started 1m ago and its changes were not all made"
                + " (deadline.applyWithin)");
    assertThat(pages(h, Command.Notify.Kind.DEADLINE)).isEqualTo(1);
    h.until(State.ROLLED_BACK, Duration.ofMinutes(5));
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.journal().incidents())
        .extracting(CutoverState.Incident::kind)
        .contains("deadline");
  }

  @Test
  void aStageThatMakesItsChangesInTimeIsNotStopped() {
    Harness h = EngineTest.healthy(MAINTENANCE).value("in_flight", 3).start();
    h.advance(Duration.ofSeconds(30));
    h.value("in_flight", 0);
    h.advance(Duration.ofSeconds(20));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.until(State.COMPLETED, Duration.ofHours(4));
    assertThat(pages(h, Command.Notify.Kind.DEADLINE)).isZero();
  }

  @Test
  void aStageNotCompleteWithinItsLimitHoldsAndPagesOnceWhenThePlanSaysHold() {
    Harness h =
        EngineTest.healthy(
                EngineTest.HEADER
                    + """
      stages:
        - name: canary
          percent: 10
          soak: 1h
          every: 10m
          gates: [ok_rate]
          approval: true
          deadline: { completeWithin: 2h, then: hold }
        - { name: full, percent: 100, soak: 1h, every: 30m, gates: [ok_rate] }
      """)
            .start();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    h.advance(Duration.ofMinutes(59));
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_APPROVAL);
    h.advance(Duration.ofMinutes(1));
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.state.holds())
        .extracting(CutoverState.Hold::kind, CutoverState.Hold::subject)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(CutoverState.Hold.Kind.DEADLINE, "canary"));
    assertThat(pages(h, Command.Notify.Kind.DEADLINE)).isEqualTo(1);
    assertThat(h.trafficHistory()).containsExactly(10);

    h.signal(Signal.of("resume", "alice", "approver was at lunch"));
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    h.advance(Duration.ofHours(3));
    assertThat(pages(h, Command.Notify.Kind.DEADLINE)).isEqualTo(1);
    h.approve("canary", "alice");
    h.until(State.COMPLETED, Duration.ofHours(2));
  }

  @Test
  void aRollbackPastItsBudgetPagesOnceAndGoesOn() {
    Harness h = EngineTest.healthy(MAINTENANCE).value("in_flight", 0).start();
    h.until(State.SOAKING, Duration.ofMinutes(1));
    // The undo of traffic succeeds; the rollback's page action fails again and again.
    h.effects(true, false, false, false, false, false, false, false, false);
    h.signal(Signal.of("abort", "alice", "smoke test failed"));
    long started = h.now;
    h.advance(Duration.ofSeconds(119));
    assertThat(pages(h, Command.Notify.Kind.ROLLBACK_OVERDUE)).isZero();
    h.advance(Duration.ofSeconds(1));
    assertThat(pages(h, Command.Notify.Kind.ROLLBACK_OVERDUE)).isEqualTo(1);
    assertThat(h.notes.stream().filter(n -> n.kind() == Command.Notify.Kind.ROLLBACK_OVERDUE))
        .singleElement()
        .satisfies(
            n ->
                assertThat(n.text())
                    .startsWith(
                        "[t] rollback over its budget: started 2m ago (aborted by alice: smoke"
                            + " test failed) and not done; failing: "));
    assertThat(h.state.displayState()).isEqualTo(State.ROLLBACK_FAILED);
    h.until(State.ROLLED_BACK, Duration.ofHours(1));
    assertThat(pages(h, Command.Notify.Kind.ROLLBACK_OVERDUE)).isEqualTo(1);
    assertThat(h.now - started).isGreaterThan(Duration.ofMinutes(2).toMillis());
  }
}
