package dev.cutover.workflows;

import static dev.cutover.workflows.CutoverWorkflowTest.approval;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed-001 plan ({@code examples/full-pass-v2.yaml}) run whole on the time-skipping test
 * server: about 18 days of a one-minute watch, so some 26,000 measurement rounds. A class of its
 * own, so that a second test JVM ({@code cutover.test.forks}) could run the other classes
 * meanwhile.
 */
class Seed001TimeSkippingTest {
  @Test
  // ~18 days of a 1-minute watch: about a minute of wall time. Five means the test server's
  // quadratic lock bookkeeping is back (TimeSkippingServer): it took 3 to 5 minutes then.
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void seed001RunsItsWeeksToCompletedWithApprovalsSentMidSoak() {
    FakeWorld world =
        new FakeWorld()
            .value("schema_ready", 4)
            .ok("health")
            .value("success_rate", 99)
            .value("stuck_imports", 0)
            .value("error_rate", 0.01)
            .value("p95_minutes", 10)
            .value("in_flight_v2", 0)
            .value("v1_calls", 0);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(Tw.example("full-pass-v2.yaml")), "carol");
      tw.sleep(Duration.ofHours(12));
      wf.approve(approval("canary", "alice")); // mid-soak: kept, acts when the soak is met
      tw.sleep(Duration.ofHours(13));
      assertThat(wf.status().stage().name()).isEqualTo("half");
      assertThat(world.traffic()).containsExactly(10, 50);
      tw.sleep(Duration.ofHours(48));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      wf.approve(approval("half", "bob"));
      tw.sleep(Duration.ofDays(3));
      wf.approve(approval("full", "alice")); // mid-soak of the 7-day stage
      tw.sleep(Duration.ofDays(5));
      // deprecate: v1 stays for 7 more days with zero v1 calls; nothing is removed yet
      Status deprecating = wf.status();
      assertThat(deprecating.stage().name()).isEqualTo("deprecate");
      assertThat(deprecating.state()).isEqualTo("SOAKING");
      assertThat(world.keys).noneMatch(k -> k.contains("/deprecate/"));
      tw.sleep(Duration.ofDays(6).plusHours(1));
      // removing v1 cannot be undone: it runs only after its own approval, once the soak is met
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      assertThat(world.keys).noneMatch(k -> k.contains("/deprecate/"));
      wf.approve(approval("deprecate", "bob"));
      Status end = tw.result(wf);
      assertThat(end.state()).isEqualTo("COMPLETED");
      assertThat(world.traffic()).containsExactly(10, 50, 100);
      assertThat(world.keys).contains("cutover-full-pass-v2/deprecate/onComplete/0");
      assertThat(end.decisions())
          .anyMatch(d -> d.text().contains("stage full complete (approved by alice)"));
    }
  }
}
