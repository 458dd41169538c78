package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sequential compare gate on p95 latency, through the engine, with histogram buckets. */
class ContinuousCompareEngineTest {
  static final String PLAN =
      """
      version: 1
      name: t
      defaults: { alpha: 0.05 }
      connections:
        flags: { http: "https://flags.test" }
        prom: { prometheus: "https://prom.test" }
      checks:
        latency:
          compare:
            prometheus: prom
            method: sequential
            statistic: p95
            unit: s
            new: { buckets: 'sum by (le) (d_bucket{v="2"})' }
            baseline: { buckets: 'sum by (le) (d_bucket{v="1"})' }
            relativeMargin: 0.05
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 1m, gates: [latency] }
        - { name: full, percent: 100, soak: 10m }
      """;

  static final String[] LE = {"0.1", "0.2", "0.3", "0.4", "+Inf"};

  /** Per minute, of 100 requests: how many are at most each bound (the baseline's shape). */
  static final double[] BASE = {40, 90, 97, 99.5, 100};

  /** Slower: p95 moves from about 271 ms to about 363 ms. */
  static final double[] SLOW = {20, 70, 90, 98, 100};

  /**
   * Running totals since T0: 100 new and 900 baseline requests a minute, the new path shaped {@code
   * news}, the baseline {@link #BASE}.
   */
  static Harness harness(double[] news) {
    Plan plan = PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST);
    Harness h = new Harness(plan);
    h.sources.put(
        "latency",
        t -> {
          double minutes = (t - Harness.T0) / 60_000.0;
          Map<String, Double> m = new HashMap<>();
          for (int i = 0; i < LE.length; i++) {
            m.put("new.le=" + LE[i], Math.floor(minutes * news[i]));
            m.put("baseline.le=" + LE[i], Math.floor(minutes * 9 * BASE[i]));
          }
          return Reading.counts("latency", m, null);
        });
    return h;
  }

  @Test
  void anEqualNewPathPassesTheSoakWithTheIntervalShown() {
    Harness h = harness(BASE).start();
    h.advance(Duration.ofMinutes(30));
    Measurement m = h.state.rules().get("stages[0].gates[0]").latest();
    assertThat(m.outcome()).isEqualTo(Outcome.PASS);
    assertThat(m.reason()).startsWith("new path p95 +0 ms (95% CI −").contains(" ms vs baseline ");
    h.until(State.COMPLETED, Duration.ofHours(3));
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aSlowerNewPathRollsBackWithTheEstimateAndIntervalInMilliseconds() {
    Harness h = harness(SLOW).start();
    h.until(State.ROLLED_BACK, Duration.ofHours(3));
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().reason())
        .isEqualTo(
            "check latency (stages[0].gates[0]) breached: new path p95 +91.1 ms (95% CI +21.7 ms"
                + " … +160.4 ms): 362.5 ms vs baseline 271.4 ms over 200 new and 1800 baseline"
                + " values; worse by more than 5% of the baseline");
    long detectedAfter = h.state.rollback().startedAt() - Harness.T0;
    assertThat(Duration.ofMillis(detectedAfter))
        .isBetween(Duration.ofMinutes(1), Duration.ofMinutes(30));
  }
}
