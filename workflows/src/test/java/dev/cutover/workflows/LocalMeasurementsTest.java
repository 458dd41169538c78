package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Versions#LOCAL_MEASUREMENTS}: a batch of checks that may each take at most {@link
 * ActivityStubs#LOCAL_MEASUREMENT_MAX} is measured as a local activity; a batch holding a slower
 * check stays an ordinary activity; a failed local batch is each of its checks' ERROR, as an
 * ordinary one's is.
 */
class LocalMeasurementsTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
        prom: { prometheus: "http://prom.test:9090" }
      checks:
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
        errors: { prometheus: prom, query: "sum(rate(errors[1m]))", pass: "< 0.05" }
        lag: { sql: db, query: "SELECT 1 AS value", pass: "< 10", timeout: 5s }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 1h, gates: [ok_rate] }
        - { name: full, percent: 100, soak: 1h, every: 1h, gates: [ok_rate] }
      watch:
        - { check: errors, every: 1m, for: 5m }
        - { check: lag, every: 10m }
      """;

  static FakeWorld healthy() {
    return new FakeWorld().value("ok_rate", 99).value("errors", 0.01).value("lag", 1);
  }

  @Test
  void fastChecksAreMeasuredLocallyAndABatchWithASlowCheckAsAnActivity() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      Status end = tw.result(wf);
      assertThat(end.state()).isEqualTo("COMPLETED");
      assertThat(world.traffic()).containsExactly(10, 100);
    }
    List<Boolean> local = world.measuredLocally;
    List<MeasureChecksRequest> requests = world.measureChecksRequests;
    assertThat(local).hasSameSizeAs(requests).contains(true, false);
    for (int i = 0; i < requests.size(); i++) {
      List<String> names = requests.get(i).checks().stream().map(c -> c.check().name()).toList();
      assertThat(local.get(i))
          .as("batch %s measured locally", names)
          .isEqualTo(!names.contains("ok_rate"));
    }
    // Three hours of a one-minute watch: one local measurement a minute; the gate's hourly batch
    // (with the watch's measurement of that minute) an ordinary activity.
    assertThat(local.stream().filter(l -> l).count()).isGreaterThanOrEqualTo(170);
    assertThat(local.stream().filter(l -> !l).count()).isBetween(3L, 6L);
  }

  @Test
  void aFailedLocalMeasurementIsEachChecksErrorAndTheNextRoundMeasuresAgain() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofMinutes(5).plusSeconds(30));
      world.failNextMeasures.set(3); // every attempt of the next batch
      tw.sleep(Duration.ofMinutes(1));
      Status.RuleView errors = rule(wf.status(), "errors");
      assertThat(errors.outcome()).isEqualTo("ERROR");
      assertThat(errors.reason()).isEqualTo("measurement failed: prometheus answered 503");
      assertThat(wf.status().state()).isEqualTo("SOAKING");
      tw.sleep(Duration.ofMinutes(1));
      assertThat(rule(wf.status(), "errors").outcome()).isEqualTo("PASS");
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
    }
  }

  private static Status.RuleView rule(Status s, String check) {
    return s.rules().stream().filter(r -> r.check().equals(check)).findFirst().orElseThrow();
  }
}
