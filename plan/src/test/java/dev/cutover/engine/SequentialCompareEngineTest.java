package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sequential compare gate, through the engine, with running totals as its source. */
class SequentialCompareEngineTest {
  static final String PLAN =
      """
      version: 1
      name: t
      connections:
        flags: { http: "https://flags.test" }
        prom: { prometheus: "https://prom.test" }
      checks:
        vs_baseline:
          compare:
            prometheus: prom
            method: sequential
            new: { failures: "sum(f{v=\\"2\\"})", total: "sum(t{v=\\"2\\"})" }
            baseline: { failures: "sum(f{v=\\"1\\"})", total: "sum(t{v=\\"1\\"})" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 1m, gates: [vs_baseline] }
        - { name: full, percent: 100, soak: 10m }
      """;

  /**
   * Running totals of 100 new and 900 baseline requests a minute since T0: the new path fails
   * {@code newPerMille} in a thousand, the baseline 10, exactly.
   */
  static Harness harness(int newPerMille) {
    Plan plan = PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST);
    Harness h = new Harness(plan);
    h.sources.put(
        "vs_baseline",
        t -> {
          double minutes = (t - Harness.T0) / 60_000.0;
          return Reading.counts(
              "vs_baseline",
              Map.of(
                  ProportionTest.NEW_FAILURES,
                  Math.floor(minutes * newPerMille / 10),
                  ProportionTest.NEW_TOTAL,
                  minutes * 100,
                  ProportionTest.BASE_FAILURES,
                  Math.floor(minutes * 9),
                  ProportionTest.BASE_TOTAL,
                  minutes * 900),
              null);
        });
    return h;
  }

  @Test
  void anEqualNewPathPassesTheSoakWithTheIntervalShown() {
    Harness h = harness(10).start();
    h.until(State.COMPLETED, Duration.ofHours(3));
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  /**
   * What the gate gathered survives continue-as-new: the state, as JSON, carries each rule's
   * evidence and each measurement's interval, and reads back the same.
   */
  @Test
  void theEvidenceAndIntervalsTravelInTheStateJson() throws Exception {
    Harness h = harness(10).start();
    h.advance(Duration.ofMinutes(30));
    RuleState gate = h.state.rules().get("stages[0].gates[0]");
    assertThat(gate.evidence()).isNotNull();
    assertThat(gate.evidence().sum().newTotal()).isGreaterThan(2000);
    assertThat(gate.latest().low()).isNotNull();
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    CutoverState read = json.readValue(json.writeValueAsString(h.state), CutoverState.class);
    assertThat(read).isEqualTo(h.state);
  }

  @Test
  void aNewPathFailingTwiceAsOftenRollsBackWithTheEstimateAndInterval() {
    Harness h = harness(20).start();
    h.until(State.ROLLED_BACK, Duration.ofHours(3));
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().reason())
        .contains("new 2% vs baseline 1% failures, +1.00 points (95% CI +")
        .contains(": worse by more than 0 points");
    long detectedAfter = h.state.rollback().startedAt() - Harness.T0;
    assertThat(Duration.ofMillis(detectedAfter))
        .isBetween(Duration.ofMinutes(5), Duration.ofMinutes(40));
  }
}
