package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stage's deadline through the workflow on the time-skipping test server: the engine's timer
 * fires at the limit, the stage rolls back, and the page goes out with kind {@code deadline}.
 */
class DeadlineWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        in_flight: { sql: db, query: "SELECT 1 AS value", pass: "== 0" }
        errors: { sql: db, query: "SELECT 1 AS value", pass: "< 0.05" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - name: switch
          percent: 10
          actions:
            - wait: { check: in_flight, timeout: 10m, every: 10s }
          soak: 1h
          every: 30m
          gates: [errors]
          deadline: { applyWithin: 60s, then: rollback }
        - { name: full, percent: 100, soak: 1h, every: 30m, gates: [errors] }
      rollback:
        budget: 2m
      """;

  @Test
  void aStageStillApplyingAtItsLimitRollsBackAndPages() {
    FakeWorld world = new FakeWorld().value("errors", 0.01).value("in_flight", 3);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofSeconds(30));
      assertThat(wf.status().state()).isEqualTo("APPLYING");
      tw.sleep(Duration.ofMinutes(2));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
      assertThat(wf.status().rollback().reason())
          .isEqualTo(
              "deadline: stage switch started 1m ago and its changes were not all made"
                  + " (deadline.applyWithin)");
      assertThat(world.traffic()).containsExactly(10, 0);
    }
    List<NotifyRequest.Event> pages =
        world.notifyRequests.stream()
            .flatMap(r -> r.events().stream())
            .filter(e -> e.kind().equals("deadline"))
            .toList();
    assertThat(pages).singleElement().satisfies(e -> assertThat(e.level()).isEqualTo("PAGE"));
  }
}
