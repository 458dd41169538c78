package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.DemoTarget;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet: two worker processes on one task queue share a cutover. The one running the cutover's
 * traffic write is killed with SIGKILL while the write is in flight, and later the one holding the
 * cutover is killed mid-soak; each time the other carries on alone. The target records every flag
 * write and action once per idempotency key and counts the repeats it answered without applying
 * them: every stage's write is applied exactly once, and a retried write is a counted repeat.
 *
 * <p>It prints, and writes to {@code target/fleet-kill.txt}, the time from each kill until the
 * other worker carried on (its first workflow task or activity in the history), and until it redid
 * the killed worker's activity. Reproduce with {@code ./mvnw -B -ntp -o -pl starter -am verify
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=FleetIT} after {@code eval
 * "$(./run-tests --env-only)"}.
 */
class FleetIT {
  @TempDir Path dir;

  /** A worker's identity in Temporal's history: the SDK's default, {@code pid@host}. */
  private static boolean isOf(String identity, WorkerProcess w) {
    return identity.startsWith(w.pid() + "@");
  }

  private static String identityOf(HistoryEvent e) {
    return switch (e.getEventType()) {
      case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
          e.getWorkflowTaskStartedEventAttributes().getIdentity();
      case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
          e.getActivityTaskStartedEventAttributes().getIdentity();
      default -> "";
    };
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }

  /** The first event after {@code since} that one of {@code live} started (a task, an activity). */
  private static HistoryEvent firstBy(
      List<HistoryEvent> events, List<WorkerProcess> live, long since) {
    return events.stream()
        .filter(e -> millis(e) >= since && live.stream().anyMatch(w -> isOf(identityOf(e), w)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no live worker did anything after the kill"));
  }

  private static PendingActivityInfo runningActivity(Cutover cutover) {
    var d =
        cutover
            .client
            .getWorkflowServiceStubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default")
                    .setExecution(
                        io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                            .setWorkflowId(cutover.id))
                    .build());
    return d.getPendingActivitiesList().stream()
        .filter(a -> !a.getLastWorkerIdentity().isEmpty())
        .findFirst()
        .orElse(null);
  }

  private static List<HistoryEvent> history(Cutover cutover) {
    return cutover.client.fetchHistory(cutover.id).getEvents();
  }

  @Test
  void
      killingEitherOfTwoWorkersMidWriteAndMidSoakLeavesTheCutoverToTheOtherWithNothingAppliedTwice()
          throws Exception {
    String address = Services.temporalAddress();
    String name = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "e2e-" + name;
    List<String> figures = new ArrayList<>();
    // Every worker started, closed at the end whatever happens (a killed one is already gone).
    List<WorkerProcess> started = new ArrayList<>();
    try (DemoTarget target = DemoTarget.start(0)) {
      Map<String, String> env = Map.of("DEMO_TARGET_URL", target.baseUrl());
      Cutover cutover = new Cutover(address, "cutover-" + name);
      WorkerProcess a = Workers.start(address, queue, env, dir);
      started.add(a);
      WorkerProcess b = Workers.start(address, queue, env, dir);
      started.add(b);

      // 1. Mid-activity: the 10% write is slow; whichever worker runs it dies while it is in
      // flight.
      target.setFlagDelay(Duration.ofSeconds(3));
      Path plan = Plans.write(dir, name, Plans.canary(name));
      assertThat(
              Main.execute(
                  "start",
                  plan.toString(),
                  "--by",
                  "carol",
                  "--address",
                  address,
                  "--task-queue",
                  queue))
          .isZero();
      cutover.await(
          "the 10% write to be in flight",
          Duration.ofSeconds(30), s -> "APPLYING".equals(s.phase()) && s.stage() != null);
      PendingActivityInfo write = null;
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (write == null && System.nanoTime() < until) {
        write = runningActivity(cutover);
        WorkerProcess.sleep(100);
      }
      assertThat(write).as("the write in flight").isNotNull();
      WorkerProcess holder = isOf(write.getLastWorkerIdentity(), a) ? a : b;
      WorkerProcess survivor = holder == a ? b : a;
      assertThat(write.getLastWorkerIdentity())
          .satisfiesAnyOf(
              id -> assertThat(isOf(id, a)).isTrue(), id -> assertThat(isOf(id, b)).isTrue());
      WorkerProcess.sleep(500);
      long killedMidWrite = System.currentTimeMillis();
      holder.kill();
      target.setFlagDelay(Duration.ZERO);
      // A fleet of two again (the replacement is not the one that carries the write on: it starts
      // polling after the survivor has long been polling).
      WorkerProcess replacement = Workers.start(address, queue, env, dir);
      started.add(replacement);
      cutover.await(
          "the canary to soak on the other worker",
          Duration.ofSeconds(150),
          s -> "SOAKING".equals(s.phase()) && s.stage().name().equals("canary"));
      List<HistoryEvent> events = history(cutover);
      List<WorkerProcess> live = List.of(survivor, replacement);
      long carriedOn = millis(firstBy(events, live, killedMidWrite)) - killedMidWrite;
      HistoryEvent redone =
          events.stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
              .filter(e -> millis(e) >= killedMidWrite)
              .filter(e -> e.getActivityTaskStartedEventAttributes().getAttempt() > 1)
              .findFirst()
              .orElseThrow(() -> new AssertionError("the killed worker's write was not retried"));
      assertThat(live.stream().anyMatch(w -> isOf(identityOf(redone), w)))
          .as("the write retried by a live worker")
          .isTrue();
      long redoneAfter = millis(redone) - killedMidWrite;
      // The worker beats while an effect runs: the write of a dead one is handed on after the
      // 10 s heartbeat timeout and a 1 s retry backoff, not after the attempt's minute.
      assertThat(redoneAfter).as("ms until the killed worker's write is redone").isLessThan(30_000);
      figures.add(
          "kill mid-write: a live worker's first task after "
              + carriedOn
              + " ms; the killed worker's write redone by a live worker after "
              + redoneAfter
              + " ms");

      // 2. Mid-soak: the worker that ran the cutover's last task dies; the approval that follows
      // the soak is then decided by the other.
      cutover.await(
          "the half stage to soak",
          Duration.ofSeconds(60),
          s -> "SOAKING".equals(s.phase()) && s.stage().name().equals("half"));
      WorkerProcess.sleep(500);
      events = history(cutover);
      String last =
          events.stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
              .reduce((x, y) -> y)
              .map(FleetIT::identityOf)
              .orElseThrow();
      WorkerProcess sticky = isOf(last, survivor) ? survivor : replacement;
      WorkerProcess other = sticky == survivor ? replacement : survivor;
      long killedMidSoak = System.currentTimeMillis();
      sticky.kill();
      cutover.awaitState("AWAITING_APPROVAL", Duration.ofSeconds(90));
      cutover
          .client
          .newUntypedWorkflowStub(cutover.id)
          .signal("approve", new SignalPayload("half", "alice", "ok", null, null));

      assertThat(cutover.awaitState("COMPLETED", Duration.ofSeconds(150)).percent()).isEqualTo(100);
      events = history(cutover);
      long carriedOnSoak = millis(firstBy(events, List.of(other), killedMidSoak)) - killedMidSoak;
      figures.add("kill mid-soak: the other worker's first task after " + carriedOnSoak + " ms");
      started.forEach(WorkerProcess::close);

      // Nothing applied twice: each stage's write and the announcement recorded once, per key.
      assertThat(WorkerCrashIT.rollout(target, cutover.id)).containsExactly("10", "50", "100");
      assertThat(WorkerCrashIT.actions(target, "announce-half")).isEqualTo(1);
      int repeats = target.repeats();
      figures.add(
          "effects applied twice: 0 (writes and actions recorded: "
              + target.changes().size()
              + "; repeats answered by key and not applied: "
              + repeats
              + ")");
      // The killed worker's write reached the target and was applied; the survivor's retry was
      // answered as a repeat.
      assertThat(repeats).isGreaterThanOrEqualTo(1);
      cutover.close();
    } finally {
      started.forEach(WorkerProcess::close);
    }
    report(figures);
  }

  private static void report(List<String> figures) throws IOException {
    String text = String.join("\n", figures) + "\n";
    figures.forEach(f -> System.out.println("fleet: " + f));
    Path out = Path.of("target", "fleet-kill.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, text);
  }
}
