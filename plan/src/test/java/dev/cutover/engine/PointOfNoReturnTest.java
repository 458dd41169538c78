package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.CutoverState.Hold;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Points of no return, observe stages, end-of-stage actions and watch rules limited to stages, in
 * virtual time: once an irreversible action has run, no rollback sends traffic back below the share
 * in effect when it ran.
 */
class PointOfNoReturnTest {
  /** 10% canary; the switch to 100% with the final sync; 72 hours of hypercare. */
  static final String SWITCH =
      EngineTest.HEADER
          + """
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        - name: switch
          percent: 100
          actions:
            - { http: "POST ops:/final-sync", irreversible: true }
          soak: 2h
          every: 30m
          gates: [ok_rate]
        - { name: hypercare, observe: true, soak: 72h, every: 1h, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m, for: 5m }
      rollback:
        afterPointOfNoReturn: hold
      """;

  static Harness switched() {
    Harness h = EngineTest.healthy(SWITCH).start();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    h.approve("switch", "alice");
    assertThat(h.trafficHistory()).containsExactly(10, 100);
    return h;
  }

  @Test
  void aBreachBeforeThePointOfNoReturnRollsEverythingBack() {
    Harness h = EngineTest.healthy(SWITCH).start();
    h.value("errors", 0.5).until(State.ROLLED_BACK, Duration.ofMinutes(10));
    assertThat(h.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void aBreachAfterThePointOfNoReturnHoldsAndPagesWithNoTrafficBackOntoTheRemovedPath() {
    Harness h = switched();
    h.value("errors", 0.5).advance(Duration.ofMinutes(10));

    assertThat(h.trafficHistory()).containsExactly(10, 100);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.state.holds())
        .extracting(Hold::kind)
        .containsExactly(Hold.Kind.POINT_OF_NO_RETURN);
    assertThat(h.notes)
        .filteredOn(n -> n.level() == Command.Notify.Level.PAGE)
        .extracting(Command.Notify::text)
        .singleElement()
        .asString()
        .isEqualTo(
            "[t] Past the point of no return (stages[1].actions[0] ran): nothing is undone; holding at"
                + " stage switch (fix forward, then resume): check errors (watch[0]) breached: 0.5"
                + " fails < 0.05 for 5m");
    assertThat(h.applied).noneMatch(s -> s.kind() == Step.Kind.UNDO_ACTION);

    // Fixed forward: the breach clears, resume, and the cutover goes on to the end.
    h.value("errors", 0.01).advance(Duration.ofMinutes(2));
    h.signal(Signal.of("resume", "alice", "hotfix deployed"));
    h.until(State.COMPLETED, Duration.ofDays(4));
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void anAbortAfterThePointOfNoReturnHoldsTooAndUndoesNothing() {
    Harness h = switched();
    h.signal(Signal.of("abort", "bob", "looks wrong"));
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "past the point of no return (stages[1].actions[0] ran): nothing is undone; holding"
                + " at stage switch (fix forward, then resume): aborted by bob: looks wrong");
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aBreachDuringHypercareHoldsAtFullTrafficAndAnObserveStageAppliesNothing() {
    Harness h = switched();
    h.until(State.SOAKING, Duration.ofHours(3));
    h.advance(Duration.ofHours(3));
    assertThat(h.state.stage()).isEqualTo(2);
    int appliedBefore = h.applied.size();
    h.value("errors", 0.5).advance(Duration.ofMinutes(10));
    assertThat(h.applied).hasSize(appliedBefore);
    assertThat(h.trafficHistory()).containsExactly(10, 100);
    assertThat(h.state.holds())
        .extracting(Hold::kind)
        .containsExactly(Hold.Kind.POINT_OF_NO_RETURN);
  }

  /** The point of no return at 50%; a breach in the last stage goes back to it, not to 0%. */
  static final String BACK_TO_STAGE =
      EngineTest.HEADER
          + """
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        - name: half
          percent: 50
          actions:
            - { http: "POST ops:/stop-sync", irreversible: true }
            - { http: "POST ops:/warm", undo: { http: "POST ops:/cool" } }
          soak: 1h
          every: 10m
          gates: [ok_rate]
        - name: full
          percent: 100
          actions: [{ http: "POST ops:/scale", undo: { http: "POST ops:/unscale" } }]
          soak: 1h
          every: 10m
          gates: [ok_rate]
      watch:
        - { check: errors, every: 1m, for: 5m }
      rollback:
        afterPointOfNoReturn: { stage: half }
      """;

  @Test
  void aBreachPastTheSafeStageGoesBackToItAndHoldsThere() {
    Harness h = EngineTest.healthy(BACK_TO_STAGE).start();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    h.approve("half", "alice");
    h.advance(Duration.ofMinutes(70));
    assertThat(h.state.stage()).isEqualTo(2);

    h.value("errors", 0.5).advance(Duration.ofMinutes(10));

    assertThat(h.trafficHistory()).containsExactly(10, 50, 100, 50);
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.state.holds()).extracting(Hold::kind).containsExactly(Hold.Kind.STAGE_ROLLED_BACK);
    assertThat(h.applied)
        .filteredOn(s -> s.kind() == Step.Kind.UNDO_ACTION)
        .extracting(Step::stage)
        .containsExactly(2); // full's scale undone; half's warm and stop-sync kept
  }

  /** Deprecation: remove v1 only once 7 days at 100% passed with zero v1 calls. */
  static final String REMOVE_AT_END =
      EngineTest.HEADER
          + """
      stages:
        - { name: ramp, percent: 50, soak: 1h, every: 10m, gates: [ok_rate] }
        - name: deprecate
          percent: 100
          soak: 7d
          every: 1h
          gates: [in_flight]
          onComplete:
            - { http: "POST ops:/remove-v1", irreversible: true }
        - { name: hypercare, observe: true, soak: 24h, every: 1h, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m, for: 5m }
        - { check: latency, every: 1m, for: 5m, stages: [ramp] }
      rollback:
        afterPointOfNoReturn: hold
      """;

  @Test
  void anOnCompleteActionRunsOnlyAfterTheSoakIsMetAndApproved() {
    Harness h = EngineTest.healthy(REMOVE_AT_END).start();
    h.until(State.SOAKING, Duration.ofHours(2));
    h.until(State.AWAITING_APPROVAL, Duration.ofDays(8));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.now - Harness.T0).isEqualTo(Duration.ofHours(1).plusDays(7).toMillis());
    assertThat(h.applied).noneMatch(s -> s.kind() == Step.Kind.ACTION);

    h.approve("deprecate", "alice");

    assertThat(h.applied)
        .filteredOn(s -> s.kind() == Step.Kind.ACTION)
        .extracting(Step::key)
        .containsExactly("deprecate/onComplete/0");
    assertThat(h.state.stage()).isEqualTo(2);
    h.until(State.COMPLETED, Duration.ofDays(2));
    assertThat(h.now - Harness.T0).isEqualTo(Duration.ofHours(25).plusDays(7).toMillis());
    assertThat(h.trafficHistory()).containsExactly(50, 100);
  }

  @Test
  void aBreachAfterTheRemovalHoldsWhileOneBeforeItRollsBack() {
    Harness before = EngineTest.healthy(REMOVE_AT_END).start();
    before.until(State.SOAKING, Duration.ofHours(2)).advance(Duration.ofDays(1));
    before.value("errors", 0.5).until(State.ROLLED_BACK, Duration.ofMinutes(10));
    assertThat(before.trafficHistory()).containsExactly(50, 100, 0);

    Harness h = EngineTest.healthy(REMOVE_AT_END).start();
    h.until(State.AWAITING_APPROVAL, Duration.ofDays(8));
    h.approve("deprecate", "alice");
    h.value("errors", 0.5).advance(Duration.ofMinutes(10));
    assertThat(h.trafficHistory()).containsExactly(50, 100);
    assertThat(h.state.holds())
        .extracting(Hold::kind)
        .containsExactly(Hold.Kind.POINT_OF_NO_RETURN);
    assertThat(h.lastDecision().text())
        .startsWith("past the point of no return (stages[1].onComplete[0] ran)");
  }

  @Test
  void aWatchRuleLimitedToStagesRunsOnlyInThem() {
    Harness h = EngineTest.healthy(REMOVE_AT_END).start();
    assertThat(h.state.rules().keySet()).contains("watch[1]");
    h.until(State.SOAKING, Duration.ofHours(2));
    h.advance(Duration.ofHours(1));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.state.rules().keySet()).doesNotContain("watch[1]");
    h.value("latency", 500).advance(Duration.ofHours(1));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.state.journal().incidents()).isEmpty();
    assertThat(List.copyOf(h.trafficHistory())).containsExactly(50, 100);
  }
}
