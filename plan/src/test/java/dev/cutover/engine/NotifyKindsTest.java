package dev.cutover.engine;

import static dev.cutover.engine.EngineTest.HEADER;
import static dev.cutover.engine.EngineTest.TWO_STAGES;
import static dev.cutover.engine.EngineTest.healthy;
import static dev.cutover.engine.EngineTest.min;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cutover.engine.Command.Notify.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine tags each message with what happened and what it is about, so that the worker can
 * route it (Slack, PagerDuty, a webhook) and page and resolve under one key; status updates carry
 * the cutover's report.
 */
class NotifyKindsTest {

  private static List<Command.Notify> of(Harness h, Kind kind) {
    return h.notes.stream().filter(n -> n.kind() == kind).toList();
  }

  @Test
  void aCriticalBreachPagesUnderItsRuleAndTheStageStartIsTagged() {
    Harness h = healthy(TWO_STAGES).start();
    h.advance(min(10));
    h.value("errors", 0.2);
    h.until(State.ROLLED_BACK, min(30));

    assertThat(of(h, Kind.STAGE_STARTED))
        .extracting(Command.Notify::subject)
        .containsExactly("canary");
    assertThat(of(h, Kind.BREACH))
        .extracting(Command.Notify::level, Command.Notify::subject)
        .containsExactly(tuple(Command.Notify.Level.PAGE, "watch[0]"));
    assertThat(of(h, Kind.BREACH).get(0).text())
        .startsWith("[t] Rolling back: check errors (watch[0]) breached");
    assertThat(of(h, Kind.ROLLED_BACK))
        .extracting(Command.Notify::subject)
        .containsExactly("rollback");
  }

  @Test
  void aHighBreachPagesAndItsClearingResolvesTheSameSubject() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 12h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 5m, severity: high, grace: 1h }
        """;
    Harness h = healthy(yaml).start();
    h.value("latency", 45).advance(min(5));
    h.value("latency", 10).advance(min(5));

    assertThat(of(h, Kind.BREACH))
        .extracting(Command.Notify::level, Command.Notify::subject)
        .containsExactly(tuple(Command.Notify.Level.PAGE, "watch[0]"));
    assertThat(of(h, Kind.CLEARED))
        .extracting(Command.Notify::level, Command.Notify::subject)
        .containsExactly(tuple(Command.Notify.Level.INFO, "watch[0]"));
  }

  @Test
  void aBreachPastEscalateAfterIsAnEscalationOfItsRule() {
    String yaml =
        HEADER
            + """
        stages:
          - { name: canary, percent: 10, soak: 12h, every: 10m, gates: [ok_rate] }
        watch:
          - { check: latency, every: 5m, severity: medium, escalateAfter: 1h }
        """;
    Harness h = healthy(yaml).start();
    h.value("latency", 45).advance(Duration.ofMinutes(70));

    assertThat(of(h, Kind.BREACH))
        .extracting(Command.Notify::level, Command.Notify::subject)
        .containsExactly(tuple(Command.Notify.Level.WARN, "watch[0]"));
    assertThat(of(h, Kind.ESCALATION))
        .extracting(Command.Notify::level, Command.Notify::subject)
        .containsExactly(tuple(Command.Notify.Level.PAGE, "watch[0]"));
  }

  @Test
  void aStatusUpdateReportsEachRuleAgainstItsThresholdWhatItWaitsForAndTheNextDecision() {
    Harness h =
        healthy(TWO_STAGES + "notify: { webhook: \"http://hooks.test/x\", every: 30m }\n").start();
    h.advance(min(31));

    List<Command.Notify> status = of(h, Kind.STATUS);
    assertThat(status).hasSize(1);
    assertThat(status.get(0).text())
        .isEqualTo("[t] status: SOAKING, stage 1/2 canary, traffic 10%");
    Command.Notify.Report r = status.get(0).report();
    assertThat(r.state()).isEqualTo("SOAKING");
    assertThat(r.stage()).isEqualTo("canary");
    assertThat(r.percent()).isEqualTo(10);
    assertThat(r.waitingFor()).isEqualTo("the soak of canary (1h)");
    assertThat(r.nextDecisionAt())
        .isEqualTo(
            h.state.soak().runningSince()
                + Duration.ofHours(1).toMillis()
                - h.state.soak().accumulated());
    assertThat(r.gates())
        .extracting(
            Command.Notify.Gate::check,
            Command.Notify.Gate::role,
            Command.Notify.Gate::outcome,
            Command.Notify.Gate::value,
            Command.Notify.Gate::pass)
        .containsExactlyInAnyOrder(
            tuple("errors", "watch", "PASS", 0.01, "< 0.05"),
            tuple("ok_rate", "gate", "PASS", 99.0, ">= 95"));
  }

  @Test
  void aStageWithItsOwnCadenceSendsStatusAtItsPace() {
    Harness h =
        healthy(
                TWO_STAGES
                    + "notify: { webhook: \"http://hooks.test/x\", every: 1h,"
                    + " stageEvery: { canary: 10m } }\n")
            .start();
    h.advance(min(55));

    assertThat(of(h, Kind.STATUS)).hasSize(5);
  }
}
