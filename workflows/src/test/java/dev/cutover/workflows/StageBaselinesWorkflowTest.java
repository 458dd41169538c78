package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import dev.cutover.plan.CheckContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stage baselines through the workflow on the time-skipping test server: the capture before the
 * stage's first effect, and what each check is measured with (its {@link CheckContext}) after the
 * trip through history.
 */
class StageBaselinesWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        errors:
          sql: db
          query: "SELECT avg(failed::int) AS value FROM requests WHERE at >= :stage_start"
          pass: "<= 1.5 * baseline"
          baseline: { capture: errors_before }
        errors_before: { sql: db, query: "SELECT 1 AS value" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 2h, every: 30m, gates: [errors] }
        - { name: full, percent: 100, soak: 1h, every: 30m, gates: [errors] }
      """;

  @Test
  void capturesEachStagesBaselineBeforeItsTrafficAndMeasuresWithIt() {
    FakeWorld world = new FakeWorld().value("errors_before", 0.02).value("errors", 0.025);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofMinutes(5));
      Status canary = wf.status();
      assertThat(canary.baselines()).containsEntry("errors", 0.02);
      long canaryStart = canary.stage().startedAt();

      // The first request measured the capture check, before the first effect.
      MeasureChecksRequest capture = world.measureChecksRequests.get(0);
      assertThat(capture.checks())
          .extracting(i -> i.check().name())
          .containsExactly("errors_before");
      assertThat(capture.checks().get(0).context()).isEqualTo(new CheckContext(canaryStart, null));
      // The gate is measured with the stage's start and its baseline.
      assertThat(world.measureChecksRequests)
          .flatExtracting(MeasureChecksRequest::checks)
          .filteredOn(i -> i.check().name().equals("errors"))
          .isNotEmpty()
          .allSatisfy(i -> assertThat(i.context()).isEqualTo(new CheckContext(canaryStart, 0.02)));

      world.value("errors_before", 0.03);
      tw.sleep(Duration.ofHours(3));
      Status full = wf.status();
      assertThat(full.stage().name()).isEqualTo("full");
      assertThat(full.baselines()).containsEntry("errors", 0.03);
      assertThat(world.traffic()).containsExactly(10, 100);
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
    }
  }

  @Test
  void aPlanWithoutBaselinesMeasuresWithTheStageStartOnly() {
    FakeWorld world = CutoverWorkflowTest.healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(2));
      long start = wf.status().stage().startedAt();
      List<CheckContext> contexts =
          world.measureChecksRequests.stream()
              .flatMap(r -> r.checks().stream())
              .map(MeasureChecksRequest.Item::context)
              .toList();
      assertThat(contexts).isNotEmpty().allSatisfy(c -> assertThat(c.baseline()).isNull());
      assertThat(contexts).contains(new CheckContext(start, null));
      assertThat(wf.status().baselines()).isNull();
    }
  }
}
