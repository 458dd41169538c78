package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {
  static final String HEADER =
      """
      version: 1
      name: t
      connections:
        flags: { http: "http://flags.test" }
        ops: { http: "http://ops.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
        errors: { sql: db, query: "SELECT 1 AS value", pass: "< 0.05" }
        latency: { sql: db, query: "SELECT 1 AS value", pass: "<= 30" }
        in_flight: { sql: db, query: "SELECT 1 AS value", pass: "== 0" }
        health: { http: "GET http://app.test/health", expect: { status: 200 } }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      flagsApi:
        set: { http: "PUT flags:/flags/${flag}", body: '{"value": ${value}}' }
      """;

  static final String TWO_STAGES =
      HEADER
          + """
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate], approval: true }
        - { name: full, percent: 100, soak: 2h, every: 30m, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m, for: 5m }
      """;

  static Harness healthy(String yaml) {
    return Harness.of(yaml)
        .value("ok_rate", 99)
        .value("errors", 0.01)
        .value("latency", 10)
        .value("in_flight", 0)
        .expectations("health");
  }

  static Duration min(long m) {
    return Duration.ofMinutes(m);
  }

  @Test
  void completesEveryStageWhenGatesPassAndApprovalsArrive() {
    Harness h = healthy(TWO_STAGES).start();
    assertThat(h.state.displayState()).isEqualTo(State.SOAKING);
    assertThat(h.trafficHistory()).containsExactly(10);

    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    assertThat(h.now - Harness.T0).isEqualTo(Duration.ofHours(1).toMillis());
    h.approve("canary", "alice");
    assertThat(h.trafficHistory()).containsExactly(10, 100);
    h.until(State.COMPLETED, Duration.ofHours(3));
    assertThat(h.now - Harness.T0).isEqualTo(Duration.ofHours(3).toMillis());
    assertThat(h.engine.nextWakeAt(h.state)).isEqualTo(Long.MAX_VALUE);
    assertThat(h.notified("cutover complete")).isTrue();
  }

  /**
   * The workflow sets one timer at the start of a measurement round; it must be the wake the
   * cutover asks for once the reading is back, so that the same timer serves both.
   */
  @Test
  void aRoundsWakeCountingInFlightIsTheWakeOnceTheReadingIsBack() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(12));
    long round = h.engine.nextWakeAt(h.state);
    Engine.Transition started = h.engine.on(h.state, new Event.Tick(round));
    Command.Measure m =
        started.commands().stream()
            .filter(Command.Measure.class::isInstance)
            .map(Command.Measure.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(m.checks()).contains("errors");
    // The watch's next minute is not counted while its reading is out; the gate's next slot is.
    assertThat(h.engine.nextWakeAt(started.state())).isGreaterThan(round + min(1).toMillis());

    CutoverState back =
        h.engine
            .on(
                started.state(),
                new Event.Measured(
                    round,
                    m.seq(),
                    m.checks().stream()
                        .map(c -> Reading.value(c, c.equals("errors") ? 0.01 : 99, null))
                        .toList()))
            .state();
    assertThat(h.engine.nextWakeCountingInFlightAt(started.state(), round))
        .isEqualTo(h.engine.nextWakeAt(back))
        .isEqualTo(round + min(1).toMillis());
    // Once the slot has passed with the reading still out, it is no longer a wake.
    assertThat(h.engine.nextWakeCountingInFlightAt(started.state(), round + min(1).toMillis()))
        .isEqualTo(h.engine.nextWakeAt(started.state()));
  }

  @Test
  void soakDoesNotAdvanceWhileAGateHasNoData() {
    Harness h = healthy(TWO_STAGES).noData("ok_rate").start();
    h.advance(Duration.ofHours(5));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.state.soak().accumulated()).isZero();
    assertThat(h.state.soak().runningSince()).isNull();
    assertThat(h.trafficHistory()).containsExactly(10);
  }

  @Test
  void noDataFreezesTheSoakClockWithoutResettingIt() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(30)); // gates at 0,10,20,30 pass: 30 minutes accumulated
    h.noData("ok_rate");
    h.advance(min(10)); // measured NO_DATA at 40: frozen at 40 min of passing time
    assertThat(h.state.soak().runningSince()).isNull();
    assertThat(h.state.soak().accumulated()).isEqualTo(min(40).toMillis());
    h.value("ok_rate", 99);
    h.advance(min(20)); // passes again at 50 and 60: the clock runs from 50
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.until(State.AWAITING_APPROVAL, min(60));
    assertThat(h.now - Harness.T0).isEqualTo(min(70).toMillis());
  }

  @Test
  void criticalBreachRollsBackAndHoldsForRetry() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(10));
    h.value("errors", 0.2);
    h.until(State.ROLLED_BACK, min(30));
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.percent()).isZero();
    assertThat(h.state.journal().incidents())
        .anyMatch(i -> i.kind().equals("rollback") && i.text().contains("errors"));
    assertThat(h.notified("Rolling back: check errors (watch[0]) breached")).isTrue();

    h.value("errors", 0.01);
    h.signal(Signal.of("retry", "alice", "fixed the bug"));
    assertThat(h.state.attempt()).isEqualTo(2);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.trafficHistory()).containsExactly(10, 0, 10);
  }

  @Test
  void rollsBackWhenErrorRateStaysAboveThresholdForFiveMinutes() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(3));
    h.value("errors", 0.2);
    long firstFailure = h.now + min(1).toMillis(); // the next one-minute measurement
    h.until(State.ROLLED_BACK, min(30));
    long detected = h.state.rollback().startedAt();
    assertThat(detected - firstFailure).isEqualTo(min(5).toMillis());
  }

  @Test
  void oneBadMeasurementInsideTheForWindowDoesNotRollBack() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(3));
    h.value("errors", 0.2);
    h.advance(min(3)); // fails at 4, 5, 6
    h.value("errors", 0.01);
    h.advance(min(1)); // passes at 7
    h.value("errors", 0.2);
    h.advance(min(4)); // fails at 8..11: a run of only 3 minutes
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.state.rollback()).isNull();
  }

  @Test
  void errorsInsideAFailingRunNeitherBreakNorPadIt() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(3));
    h.value("errors", 0.2);
    h.advance(min(2)); // FAIL at 4, 5
    h.error("errors");
    h.advance(min(2)); // ERROR at 6, 7 (errorLimit 3 not reached)
    h.value("errors", 0.2);
    h.until(State.ROLLED_BACK, min(10)); // FAIL from 8; the run started at 4: breached at 9
    assertThat(h.state.rollback().startedAt() - Harness.T0).isEqualTo(min(9).toMillis());
  }

  @Test
  void failuresMOfNBreachesOnMFailuresAmongTheLastN() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: errors, every: 1m, failures: 3/5 }
        """)
            .start();
    h.advance(min(1));
    // pass, FAIL, pass, FAIL: two failures of the last five, no breach yet
    h.value("errors", 0.2).advance(min(1)).value("errors", 0.01).advance(min(1));
    h.value("errors", 0.2).advance(min(1)).value("errors", 0.01).advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.value("errors", 0.2).advance(min(1)); // third failure among the last five
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().startedAt() - Harness.T0).isEqualTo(min(6).toMillis());
  }

  @Test
  void highBreachRollsBackAfterGraceUnlessAcknowledged() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 6h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 5m, severity: high, grace: 1h }
        """;
    Harness h = healthy(yaml).start();
    h.value("latency", 45).advance(min(5));
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.notified("unless someone acknowledges latency")).isTrue();
    h.advance(min(59));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().startedAt() - Harness.T0).isEqualTo(min(65).toMillis());
    assertThat(h.state.rollback().reason())
        .isEqualTo("check latency stayed breached for its grace of 1h without acknowledgement");
  }

  @Test
  void acknowledgedHighBreachBecomesMediumAndEscalatesAfterEscalateAfter() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 12h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 5m, severity: high, grace: 1h, escalateAfter: 3h }
        """;
    Harness h = healthy(yaml).start();
    h.value("latency", 45).advance(min(5));
    h.signal(Signal.acknowledge("latency", "bob", "known slow disk"));
    assertThat(h.lastDecision().accepted()).isTrue();
    h.advance(Duration.ofHours(2));
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    h.advance(Duration.ofHours(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().startedAt() - Harness.T0)
        .isEqualTo(Duration.ofHours(3).plusMinutes(5).toMillis());
    assertThat(h.state.rollback().reason())
        .isEqualTo("check latency stayed breached past escalateAfter 3h");
  }

  @Test
  void acknowledgeWithoutAHighBreachIsRejected() {
    Harness h = healthy(TWO_STAGES).start();
    h.signal(Signal.acknowledge("errors", "bob", null));
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text()).contains("no high-severity breach");
    assertThat(h.state.progress().acknowledged()).isEmpty();
  }

  @Test
  void mediumBreachHoldsThenRollsBackAfterEscalateAfter() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 1h, severity: medium, escalateAfter: 6h }
        """;
    Harness h = healthy(yaml).start();
    h.value("latency", 45).advance(min(1)); // measured at 0 when the stage began: passed
    h.advance(min(59)); // at 60: breach, holds instead of completing the soak
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.advance(Duration.ofHours(5).plusMinutes(59));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().startedAt() - Harness.T0)
        .isEqualTo(Duration.ofHours(7).toMillis());
  }

  @Test
  void mediumBreachThatClearsRestartsTheSoakClock() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 10m, severity: medium }
        """;
    Harness h = healthy(yaml).start();
    h.advance(min(50));
    h.value("latency", 45).advance(min(10)); // breach at 60: soak reset
    h.value("latency", 10).advance(min(10)); // clears at 70
    assertThat(h.state.displayState()).isEqualTo(State.SOAKING);
    h.until(State.COMPLETED, Duration.ofHours(2));
    assertThat(h.now - Harness.T0).isEqualTo(min(130).toMillis());
    assertThat(h.state.rollback()).isNull();
  }

  @Test
  void lowBreachOnlyNotifies() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 10m, severity: low }
        """;
    Harness h = healthy(yaml).value("latency", 45).start();
    h.until(State.COMPLETED, Duration.ofHours(2));
    assertThat(h.now - Harness.T0).isEqualTo(min(60).toMillis());
    assertThat(h.notified("latency (watch[0]) breached")).isTrue();
  }

  @Test
  void inconclusiveRuleHoldsUntilResumeAndNeverPromotes() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(5));
    h.error("ok_rate");
    h.advance(min(30)); // errors at 10, 20, 30
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.state.holds())
        .extracting(CutoverState.Hold::kind)
        .containsExactly(CutoverState.Hold.Kind.INCONCLUSIVE);
    assertThat(h.notified("inconclusive")).isTrue();
    h.value("ok_rate", 99);
    h.advance(Duration.ofHours(3));
    assertThat(h.state.displayState()).isEqualTo(State.HELD); // latched until a person looks
    assertThat(h.trafficHistory()).containsExactly(10);

    h.signal(Signal.of("resume", "alice", "db failover finished"));
    assertThat(h.state.holds()).isEmpty();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
  }

  @Test
  void inconclusiveRuleRollsBackWhenTheRuleSaysSo() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: errors, every: 1m, errorLimit: 2, onInconclusive: rollback }
        """)
            .start();
    h.error("errors");
    h.until(State.ROLLED_BACK, min(10));
    assertThat(h.state.rollback().reason()).contains("inconclusive");
  }

  @Test
  void earlyApprovalIsKeptAndActsWhenTheSoakIsMet() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(20));
    h.approve("canary", "alice");
    assertThat(h.lastDecision().accepted()).isTrue();
    h.advance(min(40));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aBreachVoidsAnEarlyApproval() {
    String yaml =
        HEADER
            + """
        approvals: { approvers: [alice] }
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate], approval: true }
          - { name: full, percent: 100, soak: 1h }
        watch:
          - { check: latency, every: 10m, severity: medium }
        """;
    Harness h = healthy(yaml).start();
    h.approve("canary", "alice");
    h.value("latency", 45).advance(min(10));
    assertThat(h.state.progress().approval()).isNull();
    assertThat(h.state.decisions()).anyMatch(d -> d.action().equals("approval-voided"));
    h.value("latency", 10);
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    assertThat(h.trafficHistory()).containsExactly(10);
  }

  @Test
  void rejectedApprovalsChangeNothingButAreRecordedWithTheirReason() {
    String yaml =
        HEADER
            + """
        approvals: { approvers: [alice, bob], fourEyes: true }
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate], approval: true }
          - { name: full, percent: 100, soak: 1h }
        """;
    Harness h = healthy(yaml).start("bob");
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    CutoverState before = h.state;
    record Case(String stage, String by, String reason) {}
    List<Case> cases =
        List.of(
            new Case("canary", "mallory", "mallory is not an approver"),
            new Case("canary", "bob", "four eyes: bob started this cutover"),
            new Case("full", "alice", "\"full\" is not the current stage (canary)"),
            new Case("canary", "", "say who you are"));
    for (Case c : cases) {
      h.approve(c.stage(), c.by());
      assertThat(h.lastDecision().accepted()).as(c.toString()).isFalse();
      assertThat(h.lastDecision().text()).as(c.toString()).contains(c.reason());
      assertThat(h.state.phase()).isEqualTo(State.AWAITING_APPROVAL);
      assertThat(h.state.progress().approval()).isNull();
      assertThat(h.state.rules()).isEqualTo(before.rules());
    }
    assertThat(h.trafficHistory()).containsExactly(10);
    h.approve("canary", "alice");
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void approvingAStageThatNeedsNoApprovalIsRejected() {
    Harness h = healthy(TWO_STAGES).start();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    h.approve("canary", "alice");
    h.approve("full", "alice");
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text()).contains("needs no approval");
  }

  @Test
  void aStageWaitsForItsWindowAndRollbackIgnoresWindows() {
    // T0 is Tuesday 22:13 UTC; the second stage may only start Mon-Fri 09:00-16:00 UTC.
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 10m, every: 5m, gates: [ok_rate] }
          - { name: full, percent: 100, soak: 1h, window: "Mon-Fri 09:00-16:00 UTC" }
        watch:
          - { check: errors, every: 1m }
        """;
    Harness h = healthy(yaml).start();
    h.until(State.WAITING_WINDOW, min(30));
    assertThat(h.state.position().waitUntil())
        .isEqualTo(java.time.Instant.parse("2023-11-15T09:00:00Z").toEpochMilli());
    h.value("errors", 0.2).advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void theNextStageStartsWhenItsWindowOpens() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 10m, every: 5m, gates: [ok_rate] }
          - { name: full, percent: 100, soak: 1h, window: "Mon-Fri 09:00-16:00 UTC" }
        """;
    Harness h = healthy(yaml).start();
    h.until(State.WAITING_WINDOW, min(30));
    h.until(State.SOAKING, Duration.ofDays(1));
    assertThat(h.now).isEqualTo(java.time.Instant.parse("2023-11-15T09:00:00Z").toEpochMilli());
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void pauseHoldsPromotionAndResetsTheSoakUntilResume() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(50));
    h.signal(Signal.of("pause", "alice", "marketing launch"));
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    int before = h.measurements;
    h.advance(Duration.ofHours(3));
    // Checks go on while held: the one-minute watch, with the ten-minute gate in the same batch
    // when both are due.
    assertThat(h.measurements - before).isEqualTo(180);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.signal(Signal.of("pause", "bob", null));
    assertThat(h.lastDecision().text()).contains("already paused");
    long resumedAt = h.now;
    h.signal(Signal.of("resume", "alice", null));
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    assertThat(h.now - resumedAt).isEqualTo(min(60).toMillis());
  }

  @Test
  void promoteEndsTheSoakAfterOneFreshPassingMeasurement() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(15));
    h.signal(Signal.of("promote", "alice", "confident"));
    assertThat(h.state.phase()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(h.state.decisions())
        .anyMatch(
            d -> d.action().equals("promote") && d.accepted() && d.text().contains("ended early"));
  }

  @Test
  void promoteIsRejectedWhenTheFreshMeasurementFails() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [{ check: ok_rate, for: 30m }] }
        """)
            .start();
    h.advance(min(15));
    h.value("ok_rate", 50);
    h.signal(Signal.of("promote", "alice", null));
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text()).contains("ok_rate FAIL");
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
  }

  @Test
  void aPromoteCutShortByARollbackIsRecordedAsRejected() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(15));
    h.value("ok_rate", 50);
    h.signal(Signal.of("promote", "alice", null));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.state.decisions())
        .anyMatch(
            d ->
                d.action().equals("promote") && !d.accepted() && d.text().contains("rolling back"));
  }

  static final String FLAG_STAGES =
      HEADER
          + """
      stages:
        - { name: read, flags: { OPS_VIEW_DB_READ: true }, soak: 24h, every: 1h, gates: [ok_rate] }
        - { name: write, flags: { OPS_VIEW_DB_WRITE: true }, soak: 48h, every: 1h, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m }
        - { check: latency, every: 1m, rollback: stage }
      """;

  @Test
  void aStageReenteredAfterAStageRollbackGetsFreshKeys() {
    Harness h = healthy(FLAG_STAGES).start();
    h.advance(Duration.ofHours(25));
    h.sources.put(
        "latency",
        t ->
            Reading.value(
                "latency",
                h.state
                        .applied()
                        .flags()
                        .getOrDefault("OPS_VIEW_DB_WRITE", BooleanNode.FALSE)
                        .booleanValue()
                    ? 45.0
                    : 10.0,
                null));
    h.advance(min(1));
    h.value("latency", 10);
    h.signal(Signal.of("resume", "alice", null));
    h.advance(Duration.ofHours(24).plusMinutes(1));
    assertThat(h.applied)
        .extracting(Step::key)
        .containsExactly(
            "read/flags", "write/flags", "rollback-1/write/flags", "write/flags/after-rollback-1");
  }

  @Test
  void flagsAreSetAndRevertedInThePlansOrder() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: s, flags: { Z_FLAG: true, A_FLAG: true, M_FLAG: true }, soak: 1h }
        """)
            .start();
    h.signal(Signal.of("abort", "alice", null));
    assertThat(h.applied)
        .extracting(st -> String.join(",", st.flags().keySet()))
        .containsExactly("Z_FLAG,A_FLAG,M_FLAG", "Z_FLAG,A_FLAG,M_FLAG");
  }

  @Test
  void rollbackUndoesStagesNewestFirst() {
    Harness h = healthy(FLAG_STAGES).start();
    h.until(State.SOAKING, Duration.ofDays(2));
    h.advance(Duration.ofHours(25));
    assertThat(h.state.stage()).isEqualTo(1);
    h.value("errors", 0.5).advance(min(1));
    h.until(State.ROLLED_BACK, min(5));
    List<String> flagChanges =
        h.applied.stream()
            .filter(s -> s.kind() == Step.Kind.FLAGS)
            .map(s -> s.flags().toString())
            .toList();
    assertThat(flagChanges)
        .containsExactly(
            "{OPS_VIEW_DB_READ=true}",
            "{OPS_VIEW_DB_WRITE=true}",
            "{OPS_VIEW_DB_WRITE=false}",
            "{OPS_VIEW_DB_READ=false}");
  }

  @Test
  void stageScopedRollbackUndoesOnlyTheCurrentStageAndHoldsAtThePreviousOne() {
    Harness h = healthy(FLAG_STAGES).start();
    h.advance(Duration.ofHours(25));
    assertThat(h.state.stage()).isEqualTo(1);
    // The write path is what is slow: latency follows the flag, as the real system would.
    h.sources.put(
        "latency",
        t ->
            Reading.value(
                "latency",
                h.state
                        .applied()
                        .flags()
                        .getOrDefault("OPS_VIEW_DB_WRITE", BooleanNode.FALSE)
                        .booleanValue()
                    ? 45.0
                    : 10.0,
                null));
    h.advance(min(1));
    assertThat(h.state.stage()).isZero();
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.state.applied().flags())
        .containsEntry("OPS_VIEW_DB_READ", BooleanNode.TRUE)
        .containsEntry("OPS_VIEW_DB_WRITE", BooleanNode.FALSE);
    h.value("latency", 10);
    h.signal(Signal.of("resume", "alice", "index added"));
    h.advance(Duration.ofHours(24).plusMinutes(1));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.state.applied().flags()).containsEntry("OPS_VIEW_DB_WRITE", BooleanNode.TRUE);
  }

  static final String DRAINING =
      HEADER
          + """
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m }
      rollback:
        percent: 0
        drain: { check: in_flight, timeout: 30m, every: 1m }
        actions:
          - { http: "POST ops:/notify-oncall", expect: { status: 200 } }
      """;

  @Test
  void rollbackWaitsForTheDrainBeforeDeclaringDone() {
    Harness h = healthy(DRAINING).value("in_flight", 7).start();
    h.value("errors", 0.2).advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLING_BACK);
    assertThat(h.applied)
        .extracting(Step::kind)
        .containsExactly(Step.Kind.TRAFFIC, Step.Kind.TRAFFIC, Step.Kind.ROLLBACK_ACTION);
    h.advance(min(10));
    assertThat(h.state.phase()).isEqualTo(State.ROLLING_BACK);
    h.value("in_flight", 0).advance(min(1));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.state.rollback().note()).isNull();
  }

  @Test
  void aDrainThatTimesOutIsReportedAndTheRollbackCompletes() {
    Harness h = healthy(DRAINING).value("in_flight", 7).start();
    h.value("errors", 0.2).advance(min(1));
    h.until(State.ROLLED_BACK, min(31));
    assertThat(h.state.rollback().note()).contains("did not pass within 30m");
    assertThat(h.notified("did not pass within 30m")).isTrue();
  }

  @Test
  void aFailingRollbackStepIsRetriedForeverAndShowsRollbackFailed() {
    Harness g = healthy(DRAINING).start();
    // the stage is applied; the rollback's first step now fails ten times before it succeeds
    g.value("errors", 0.2)
        .effects(false, false, false, false, false, false, false, false, false, false);
    g.advance(min(1));
    assertThat(g.state.displayState()).isEqualTo(State.ROLLBACK_FAILED);
    assertThat(g.notified("ROLLBACK FAILING (attempt 1)")).isTrue();
    g.advance(Duration.ofHours(1));
    assertThat(g.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(g.state.rollback().failures()).isEqualTo(10);
    assertThat(g.notified("ROLLBACK FAILING (attempt 10)")).isTrue();
    assertThat(g.notified("rollback recovered")).isTrue();
    assertThat(g.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void thenEndFinishesAbandonedRightAfterTheRollback() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        rollback: { then: end }
        """)
            .start();
    h.signal(Signal.of("abort", "alice", "wrong build"));
    assertThat(h.state.phase()).isEqualTo(State.ABANDONED);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void abandonEndsAHeldRollback() {
    Harness h = healthy(TWO_STAGES).start();
    h.signal(Signal.of("abort", "alice", "wrong build"));
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    h.signal(Signal.of("abort", "alice", null));
    assertThat(h.lastDecision().text()).contains("already rolled back");
    h.signal(Signal.of("abandon", "alice", "moving on"));
    assertThat(h.state.phase()).isEqualTo(State.ABANDONED);
    h.signal(Signal.of("retry", "alice", null));
    assertThat(h.lastDecision().accepted()).isFalse();
  }

  @Test
  void abortWhileAStageIsBeingAppliedUndoesItOnceTheApplyAnswers() {
    Harness h = healthy(TWO_STAGES);
    h.holdEffects = true;
    h.start();
    assertThat(h.pendingEffects).hasSize(1);
    h.signal(Signal.of("abort", "alice", "stop"));
    assertThat(h.state.phase()).isEqualTo(State.ROLLING_BACK);
    assertThat(h.pendingEffects).hasSize(1); // the undo waits for the apply in flight
    h.holdEffects = false;
    h.releaseEffects(true);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
  }

  @Test
  void aRetryableApplyFailureIsRetriedWithBackoffAndShownInStatus() {
    Harness h = healthy(TWO_STAGES).effects(false, false).start();
    assertThat(h.state.phase()).isEqualTo(State.APPLYING);
    assertThat(h.state.cursor().error()).contains("HTTP 503");
    assertThat(h.state.cursor().retryAt() - h.now).isEqualTo(5_000);
    h.advance(Duration.ofSeconds(5));
    assertThat(h.state.cursor().retryAt() - h.now).isEqualTo(10_000);
    h.advance(Duration.ofSeconds(10));
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    assertThat(h.trafficHistory()).containsExactly(10);
  }

  @Test
  void aNonRetryableApplyFailureHoldsUntilResume() {
    Harness h = healthy(TWO_STAGES).effects(false);
    h.failureType = EffectFailure.READ_BACK_MISMATCH.type();
    h.failDetail = "read back 0, expected 10";
    h.start();
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    h.advance(Duration.ofHours(1));
    assertThat(h.trafficHistory()).isEmpty();
    h.signal(Signal.of("resume", "alice", "flag service fixed"));
    assertThat(h.trafficHistory()).containsExactly(10);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
  }

  @Test
  void aFailedApplyHoldsOrIsRetriedByItsFailureType() {
    record Case(String type, boolean holds) {}
    List<Case> cases =
        List.of(
            new Case("ClientError", true),
            new Case("ExpectationFailed", true),
            new Case("ReadBackMismatch", true),
            new Case("InvalidRequest", true),
            new Case("Unavailable", false),
            new Case("TimeoutFailure", false),
            new Case("ApplicationFailure", false));
    for (Case c : cases) {
      Harness h = healthy(TWO_STAGES).effects(false);
      h.failureType = c.type();
      h.start();
      assertThat(h.state.phase()).as(c.type()).isEqualTo(State.APPLYING);
      assertThat(h.state.cursor().error())
          .as(c.type())
          .isEqualTo("traffic set to 10% failed: HTTP 503");
      if (c.holds()) {
        assertThat(h.state.displayState()).as(c.type()).isEqualTo(State.HELD);
        assertThat(h.state.holds())
            .as(c.type())
            .extracting(CutoverState.Hold::kind)
            .containsExactly(CutoverState.Hold.Kind.APPLY_FAILED);
        assertThat(h.state.cursor().retryAt()).as(c.type()).isNull();
      } else {
        assertThat(h.state.displayState()).as(c.type()).isEqualTo(State.APPLYING);
        assertThat(h.state.holds()).as(c.type()).isEmpty();
        assertThat(h.state.cursor().retryAt() - h.now).as(c.type()).isEqualTo(5_000);
      }
    }
  }

  @Test
  void prerequisitesMustPassBeforeTheFirstStageAppliesAnything() {
    Harness h = healthy(TWO_STAGES.replace("stages:", "prerequisites: [health]\nstages:"));
    h.expectations("health", "status 503, expected 200");
    h.start();
    h.advance(Duration.ofHours(1));
    assertThat(h.state.phase()).isEqualTo(State.CHECKING_PREREQUISITES);
    assertThat(h.applied).isEmpty();
    assertThat(h.notified("prerequisite health is FAIL")).isTrue();
    h.expectations("health");
    h.advance(min(1));
    assertThat(h.trafficHistory()).containsExactly(10);
  }

  @Test
  void retryStartsOverAndChecksPrerequisitesAgain() {
    Harness h = healthy(TWO_STAGES.replace("stages:", "prerequisites: [health]\nstages:")).start();
    h.signal(Signal.of("abort", "alice", null));
    h.expectations("health", "status 503, expected 200");
    h.signal(Signal.of("retry", "alice", null));
    assertThat(h.state.phase()).isEqualTo(State.CHECKING_PREREQUISITES);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void actionsCarryIdempotencyKeysThatDifferPerAttempt() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - { name: cut, soak: 1h, actions: [{ http: "POST ops:/switch", undo: { http: "POST ops:/switch-back" } }] }
        """)
            .start();
    h.signal(Signal.of("abort", "a", null));
    h.signal(Signal.of("retry", "a", null));
    List<String> keys =
        h.applied.stream().filter(s -> s.kind() != Step.Kind.TRAFFIC).map(Step::key).toList();
    assertThat(keys)
        .containsExactly(
            "cut/actions/0", "rollback-1/cut/actions/0/undo", "cut/actions/0/after-rollback-1");
  }

  @Test
  void trafficAndFlagWritesCarryKeysUniquePerStageAttemptAndRollback() {
    Harness h =
        healthy(
                FLAG_STAGES.replace(
                    "flags: { OPS_VIEW_DB_READ: true }",
                    "percent: 10, flags: { OPS_VIEW_DB_READ: true }"))
            .start();
    h.signal(Signal.of("abort", "a", null));
    h.signal(Signal.of("retry", "a", null));
    assertThat(h.applied)
        .extracting(Step::key)
        .containsExactly(
            "read/traffic",
            "read/flags",
            "rollback-1/read/traffic",
            "rollback-1/read/flags",
            "read/traffic/after-rollback-1",
            "read/flags/after-rollback-1");
  }

  @Test
  void aWaitActionHoldsTheStageWhenItsCheckNeverPasses() {
    Harness h =
        healthy(
                HEADER
                    + """
        stages:
          - name: cut
            soak: 1h
            actions:
              - { http: "POST ops:/maintenance/on", undo: { http: "POST ops:/maintenance/off" } }
              - { wait: { check: in_flight, timeout: 10m, every: 1m } }
              - { http: "POST ops:/switch", undo: { http: "POST ops:/switch-back" } }
        """)
            .value("in_flight", 3)
            .start();
    h.advance(min(10));
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.state.cursor().error()).contains("did not pass within 10m");
    h.value("in_flight", 0);
    h.signal(Signal.of("resume", "alice", null));
    h.advance(min(1));
    assertThat(h.applied).extracting(Step::index).containsExactly(0, 2);
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
  }

  @Test
  void unknownSignalsAndSignalsAfterTheEndAreRejected() {
    Harness h = healthy(TWO_STAGES).start();
    h.signal(Signal.of("explode", "alice", null));
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "rejected: unknown signal \"explode\" (approve, abort, pause, resume,"
                + " promote, acknowledge, retry, abandon, confirm)");
    h.signal(Signal.of("Abort", "alice", null)); // names are exact
    assertThat(h.lastDecision().text()).startsWith("rejected: unknown signal \"Abort\"");
    assertThat(h.state.phase()).isEqualTo(State.SOAKING);
    h.signal(Signal.of("abort", "alice", null));
    h.signal(Signal.of("abandon", "alice", null));
    h.signal(Signal.of("pause", "alice", null));
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text()).contains("has ended");
  }

  @Test
  void statusLinesGoOutEveryNotifyEvery() {
    Harness h =
        healthy(TWO_STAGES + "notify: { webhook: \"http://hooks.test/x\", every: 30m }\n").start();
    h.advance(min(59));
    assertThat(h.notes.stream().filter(n -> n.text().contains("status: SOAKING"))).hasSize(1);
  }

  @Test
  void decisionsAreBoundedAndKeepTheNewest() {
    Harness h = healthy(TWO_STAGES).start();
    for (int i = 0; i < 80; i++) {
      h.signal(Signal.of("resume", "alice" + i, null));
    }
    assertThat(h.state.decisions()).hasSize(Engine.MAX_DECISIONS);
    assertThat(h.lastDecision().by()).isEqualTo("alice79");
  }

  @Test
  void stateSurvivesAJsonRoundTripUnchanged() throws Exception {
    Harness h = healthy(FLAG_STAGES).start();
    h.advance(Duration.ofHours(25));
    h.signal(Signal.of("pause", "alice", "x"));
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(h.state);
    CutoverState back = json.readValue(text, CutoverState.class);
    assertThat(back).isEqualTo(h.state);
  }

  static final String UNDOABLE =
      HEADER
          + """
      approvals: { approvers: [alice] }
      stages:
        - name: prepare
          soak: 10m
          every: 5m
          gates: [ok_rate]
          actions:
            - { http: "POST ops:/maintenance/on", undo: { http: "POST ops:/maintenance/off" } }
            - { http: "POST ops:/queue/pause", undo: { http: "POST ops:/queue/resume" } }
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate] }
        - name: migrate
          soak: 1h
          every: 10m
          gates: [ok_rate]
          actions: [{ http: "POST ops:/migrate", irreversible: true }]
      watch:
        - { check: errors, every: 1m }
      """;

  @Test
  void rollbackUndoesTheActionsThatRanNewestFirstAfterTrafficAndFlags() {
    Harness h = healthy(UNDOABLE).start();
    h.advance(Duration.ofMinutes(15));
    assertThat(h.state.stage()).isEqualTo(1);
    h.value("errors", 0.5).advance(min(1));
    h.until(State.ROLLED_BACK, min(5));
    assertThat(h.applied)
        .extracting(st -> st.kind() + " " + st.stage() + ":" + st.index() + " " + st.percent())
        .containsExactly(
            "ACTION 0:0 null",
            "ACTION 0:1 null",
            "TRAFFIC 1:-1 10",
            "TRAFFIC 1:-1 0",
            "UNDO_ACTION 0:1 null",
            "UNDO_ACTION 0:0 null");
    assertThat(h.state.applied().actionsDone()).isEmpty();
  }

  @Test
  void anActionThatNeverRanIsNotUndone() {
    Harness h = healthy(UNDOABLE).effects(true, false);
    h.failureType = EffectFailure.CLIENT_ERROR.type();
    h.start();
    assertThat(h.state.displayState()).isEqualTo(State.HELD); // the second action failed
    h.signal(Signal.of("abort", "alice", null));
    assertThat(h.applied)
        .extracting(Step::kind)
        .containsExactly(Step.Kind.ACTION, Step.Kind.UNDO_ACTION);
    assertThat(h.applied.get(1).index()).isZero();
  }

  @Test
  void aStageWithAnIrreversibleActionStartsOnlyAfterAnApprovalForIt() {
    Harness h = healthy(UNDOABLE).start();
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.state.pendingStage()).isEqualTo(2);
    assertThat(h.lastDecision().text())
        .contains("stage migrate has an action that cannot be undone");
    h.advance(Duration.ofHours(5));
    assertThat(h.applied).noneMatch(st -> st.stage() == 2);

    h.approve("canary", "alice");
    assertThat(h.lastDecision().text()).contains("\"canary\" is not the current stage (migrate)");
    h.approve("migrate", "alice");
    assertThat(h.state.decisions())
        .anyMatch(
            d -> d.by().equals("alice") && d.text().equals("approved the start of stage migrate"));
    assertThat(h.applied).anyMatch(st -> st.stage() == 2 && st.kind() == Step.Kind.ACTION);
    h.until(State.COMPLETED, Duration.ofHours(2));
  }

  @Test
  void compareChecksFailWhenTheNewPathIsSignificantlyWorse() {
    String yaml =
        HEADER.replace(
                "checks:",
                """
        checks:
          vs_baseline:
            compare:
              sql: db
              new: { failures: "SELECT 1", total: "SELECT 1" }
              baseline: { failures: "SELECT 1", total: "SELECT 1" }
              margin: 0.01
              minSamples: 200
        """
                    .stripTrailing()
                    .replaceFirst("checks:", "checks:"))
            + """
        stages:
          - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [vs_baseline] }
        """;
    Harness h = healthy(yaml);
    h.sources.put(
        "vs_baseline",
        t ->
            Reading.counts(
                "vs_baseline",
                java.util.Map.of(
                    ProportionTest.NEW_FAILURES,
                    30.0,
                    ProportionTest.NEW_TOTAL,
                    1000.0,
                    ProportionTest.BASE_FAILURES,
                    100.0,
                    ProportionTest.BASE_TOTAL,
                    10000.0),
                null));
    h.start();
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().reason())
        .contains(
            "new 3% vs baseline 1% (+2 points): worse by more than 1 point at 95% confidence (z=1.82)");
  }
}
