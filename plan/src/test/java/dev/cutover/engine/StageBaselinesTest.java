package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stage baselines: captured before a stage's first effect, judged against for the stage. */
class StageBaselinesTest {
  static final String PLAN =
      """
      version: 1
      name: t
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        errors:
          sql: db
          query: "SELECT count(*) AS value FROM errors WHERE at >= :stage_start"
          pass: "<= 1.5 * baseline"
          baseline: { capture: errors_before, floor: 0.001 }
        errors_before: { sql: db, query: "SELECT 1 AS value" }
        latency: { sql: db, query: "SELECT 1 AS value", pass: "<= baseline + 50" }
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [{ check: errors, severity: low }, ok_rate] }
        - { name: full, percent: 100, soak: 1h, every: 10m, gates: [errors, ok_rate] }
      watch:
        - { check: latency, every: 1m, for: 5m }
      """;

  static Harness healthy() {
    return Harness.of(PLAN)
        .value("errors_before", 0.02)
        .value("errors", 0.02)
        .value("latency", 100)
        .value("ok_rate", 99);
  }

  @Test
  void capturesTheBaselineOfEveryRelativeCheckBeforeTheStageChangesAnything() {
    Harness h = healthy().start();

    // The capture comes after the stage is entered and before its traffic is set.
    assertThat(h.state.decisions())
        .extracting(CutoverState.Decision::action)
        .containsSubsequence("enter", "baseline", "applied", "soak");
    // errors is captured from errors_before; latency from itself.
    assertThat(h.state.progress().baselines())
        .containsExactly(Map.entry("errors", 0.02), Map.entry("latency", 100.0));
    assertThat(h.trafficHistory()).containsExactly(10);
    assertThat(h.state.decisions())
        .anyMatch(
            d ->
                d.action().equals("baseline")
                    && d.text().equals("stage baseline captured: errors = 0.02, latency = 100"));
  }

  @Test
  void aGateFailsAboveOneAndAHalfTimesTheBaselineAndPassesAtIt() {
    Harness h = healthy().start();
    h.value("errors", 0.03); // exactly 1.5 x 0.02
    h.advance(Duration.ofMinutes(10));
    assertThat(h.rule("stages[0].gates[0]").latest().outcome()).isEqualTo(Outcome.PASS);
    assertThat(h.rule("stages[0].gates[0]").latest().reason()).isEqualTo("0.03 meets <= 0.03");

    h.value("errors", 0.031);
    h.advance(Duration.ofMinutes(10));
    Measurement m = h.rule("stages[0].gates[0]").latest();
    assertThat(m.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(m.reason()).isEqualTo("0.031 fails <= 0.03");
  }

  @Test
  void eachStageCapturesItsOwnBaseline() {
    Harness h = healthy().start();
    h.value("errors_before", 0.5); // what the system shows once canary has run
    h.until(State.SOAKING, Duration.ofHours(2)); // canary soaks
    h.advance(Duration.ofHours(1).plusMinutes(1));
    assertThat(h.state.stage()).isEqualTo(1);
    assertThat(h.state.progress().baselines()).containsEntry("errors", 0.5);
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aBaselineBelowTheFloorCountsAsTheFloor() {
    Harness h = healthy().value("errors_before", 0).start();
    assertThat(h.state.progress().baselines()).containsEntry("errors", 0.001);
    h.value("errors", 0.0014); // above 1.5 x 0, within 1.5 x the floor
    h.advance(Duration.ofMinutes(10));
    assertThat(h.rule("stages[0].gates[0]").latest().outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void aBaselineThatCannotBeCapturedHoldsTheStageBeforeItsFirstEffectUntilResumed() {
    Harness h = healthy().noData("errors_before").start();
    assertThat(h.state.displayState()).isEqualTo(State.HELD);
    assertThat(h.applied).isEmpty();
    assertThat(h.state.holds())
        .singleElement()
        .satisfies(
            hold ->
                assertThat(hold.reason())
                    .isEqualTo(
                        "the stage baseline could not be captured for errors (from errors_before:"
                            + " NO_DATA no rows)"));
    assertThat(h.notified("is held before it changes anything")).isTrue();

    h.value("errors_before", 0.02);
    h.signal(Signal.of("resume", "alice", null));
    assertThat(h.state.progress().baselines()).containsEntry("errors", 0.02);
    assertThat(h.trafficHistory()).containsExactly(10);
    assertThat(h.state.displayState()).isEqualTo(State.SOAKING);
  }

  @Test
  void aRuleJudgedBeforeItsBaselineIsCapturedIsNoDataNotAPass() {
    Harness h = healthy().noData("errors_before").start(); // the capture fails: held
    h.advance(Duration.ofMinutes(2));
    Measurement m = h.rule("watch[0]").latest();
    assertThat(m.outcome()).isEqualTo(Outcome.NO_DATA);
    assertThat(m.reason()).isEqualTo("no stage baseline captured for latency yet");
  }

  @Test
  void theBaselinesTravelInTheStateAcrossContinueAsNewAndAreShownInStatus() throws Exception {
    Harness h = healthy().start();
    ObjectMapper json = new ObjectMapper();
    CutoverState carried = json.readValue(json.writeValueAsString(h.state), CutoverState.class);
    assertThat(carried.progress().baselines()).isEqualTo(h.state.progress().baselines());

    Status status = Status.of(h.engine, h.state, h.now);
    assertThat(status.baselines()).containsEntry("errors", 0.02);
    assertThat(status.rules())
        .filteredOn(r -> r.id().equals("stages[0].gates[0]"))
        .singleElement()
        .satisfies(r -> assertThat(r.pass()).isEqualTo("<= 1.5 * baseline (<= 0.03)"));
  }

  @Test
  void aPlanWithoutRelativeChecksHasNoCaptureStepAndWritesNoBaselines() throws Exception {
    Harness h = EngineTest.healthy(EngineTest.TWO_STAGES).start();
    assertThat(h.state.cursor().steps()).extracting(Step::kind).doesNotContain(Step.Kind.BASELINE);
    String written = new ObjectMapper().writeValueAsString(h.state);
    assertThat(written).doesNotContain("baselines");
    assertThat(new ObjectMapper().writeValueAsString(Status.of(h.engine, h.state, h.now)))
        .doesNotContain("baselines");
    assertThat(List.of(h.engine.baselineCaptureChecks())).containsExactly(List.of());
  }
}
