package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.plan.Checklist;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The example plans through the engine in virtual time, on their runbooks' timelines: every gate
 * passes and every approval is given when asked, and the cutover completes; a breach after the
 * point of no return sends no traffic back onto the removed path.
 */
class ExampleTimelineTest {
  static Harness fullPassV2() throws IOException {
    String yaml = Files.readString(Path.of("..", "examples", "full-pass-v2.yaml"));
    return new Harness(PlanReader.fromTree(PlanReader.parseTree(yaml), PlanReader.Rules.NEWEST))
        .value("schema_ready", 4)
        .expectations("health")
        .value("success_rate", 99)
        .value("stuck_imports", 0)
        .value("error_rate", 0.01)
        .value("p95_minutes", 10)
        .value("in_flight_v2", 0)
        .value("v1_calls", 0);
  }

  /** Approves each stage as soon as it asks, by a listed approver other than the starter. */
  static void approveUntil(Harness h, State end, Duration limit) {
    approveUntil(h, () -> h.state.displayState() == end, limit);
  }

  /**
   * As above, until {@code done}; checklist tasks are confirmed when the cutover waits for them.
   */
  static void approveUntil(Harness h, java.util.function.BooleanSupplier done, Duration limit) {
    long until = h.now + limit.toMillis();
    java.util.Set<String> confirmed = new java.util.HashSet<>(); // each task sent once
    while (!done.getAsBoolean() && h.now < until) {
      if (h.state.displayState() == State.AWAITING_APPROVAL) {
        Integer pending = h.state.pendingStage();
        int index = pending != null ? pending : h.state.stage();
        h.approve(h.engine.plan().stages().get(index).name(), "alice");
        continue;
      }
      if (h.state.displayState() == State.AWAITING_CHECKLIST) {
        // The list the cutover waits for: the pending stage's before it starts, else the current
        // stage's before it completes. Each open task is confirmed once (a rejection is not
        // retried).
        Integer pending = h.state.pendingStage();
        int index = pending != null ? pending : h.state.stage();
        Checklist.When when =
            pending != null ? Checklist.When.BEFORE_START : Checklist.When.BEFORE_COMPLETE;
        var open =
            h.engine.plan().stages().get(index).checklist().tasks(when).stream()
                .filter(t -> !confirmed.contains(t.id()))
                .findFirst();
        if (open.isPresent()) {
          confirmed.add(open.get().id());
          h.signal(Signal.confirm(open.get().id(), "alice", null));
          continue;
        }
      }
      long next = Math.min(h.engine.nextWakeAt(h.state), until);
      h.advance(Duration.ofMillis(Math.max(0, next - h.now)));
    }
  }

  @Test
  void fullPassV2CompletesOnItsRunbooksTimelineAndRemovesV1Last() throws IOException {
    Harness h = fullPassV2().start("carol");
    approveUntil(h, State.COMPLETED, Duration.ofDays(30));
    assertThat(h.state.phase()).isEqualTo(State.COMPLETED);
    // 24h at 10%, 48h at 50%, 7 days at 100%, 7 days with zero v1 calls: 17 days.
    assertThat(Duration.ofMillis(h.now - Harness.T0)).isEqualTo(Duration.ofDays(17));
    assertThat(h.trafficHistory()).containsExactly(10, 50, 100);
    assertThat(h.applied.get(h.applied.size() - 1).key()).isEqualTo("deprecate/onComplete/0");
  }

  @Test
  void fullPassV2RollsBackOntoV1OnlyWhileV1IsStillThere() throws IOException {
    Harness h = fullPassV2().start("carol");
    approveUntil(h, () -> h.state.stage() == 3, Duration.ofDays(12));
    h.advance(Duration.ofDays(1)); // deprecate soaking: v1 is still deployed
    assertThat(h.state.stage()).isEqualTo(3);
    h.value("error_rate", 0.5).until(State.ROLLED_BACK, Duration.ofMinutes(10));
    assertThat(h.trafficHistory()).containsExactly(10, 50, 100, 0);
    assertThat(h.applied).noneMatch(s -> "deprecate/onComplete/0".equals(s.key()));
  }

  static Harness blueGreen() throws IOException {
    String yaml = Files.readString(Path.of("..", "examples", "blue-green.yaml"));
    return new Harness(PlanReader.fromTree(PlanReader.parseTree(yaml), PlanReader.Rules.NEWEST))
        .expectations("green_health")
        .value("monitoring_up", 1)
        .value("migration_complete", 0)
        .value("row_count_parity", 0)
        .value("dns_ttl", 300)
        .value("final_sync_validated", 0)
        .value("error_rate", 0.001)
        .value("latency_p95", 0.2)
        .value("checkout_failure_rate", 0)
        .value("payment_errors", 0)
        .value("request_rate", 100)
        .value("db_connections", 0.5)
        .value("redis_memory", 0.5)
        .value("data_integrity_issues", 0)
        .value("green_request_rate", 0);
  }

  @Test
  void blueGreenCompletesWithOneSwitchAndHoldsOnGreenAfterTheFinalSync() throws IOException {
    Harness h = blueGreen().start("carol");
    approveUntil(h, State.COMPLETED, Duration.ofDays(3));
    assertThat(h.state.phase()).isEqualTo(State.COMPLETED);
    assertThat(h.trafficHistory()).containsExactly(0, 100);

    Harness breach = blueGreen().start("carol");
    approveUntil(
        breach,
        () -> breach.state.stage() == 2, // full: the final sync has run
        Duration.ofDays(1));
    breach.value("error_rate", 0.5).advance(Duration.ofMinutes(10));
    assertThat(breach.trafficHistory()).containsExactly(0, 100);
    assertThat(breach.state.holds())
        .extracting(Hold::kind)
        .containsExactly(Hold.Kind.POINT_OF_NO_RETURN);
  }
}
