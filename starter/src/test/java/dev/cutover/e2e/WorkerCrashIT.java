package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability bar: the worker killed with SIGKILL at many points, restarted each time; the
 * cutover finishes and the target saw each change exactly as often as the plan implies.
 */
class WorkerCrashIT {
  @TempDir Path dir;

  static List<String> rollout(DemoTarget target, String workflowId) {
    return target.changes().stream()
        .filter(c -> c.kind().equals(Change.FLAG) && c.name().equals(DemoTarget.ROLLOUT_FLAG))
        .filter(c -> c.idempotencyKey() != null && c.idempotencyKey().startsWith(workflowId + "/"))
        .map(Change::value)
        .toList();
  }

  static long actions(DemoTarget target, String name) {
    return target.changes().stream()
        .filter(c -> c.kind().equals(Change.ACTION) && c.name().equals(name))
        .count();
  }

  @Test
  void killedWhileApplyingMidSoakAndAwaitingApprovalTheCutoverCompletesAndAppliesEachChangeOnce()
      throws Exception {
    String address = Services.temporalAddress();
    String name = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "e2e-" + name;
    try (DemoTarget target = DemoTarget.start(0)) {
      Map<String, String> env = Map.of("DEMO_TARGET_URL", target.baseUrl());
      Cutover cutover = new Cutover(address, "cutover-" + name);
      WorkerProcess w = Workers.start(address, queue, env, dir);

      // 1. While applying: the 10% write is slow; the worker dies while it is in flight.
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
      WorkerProcess.sleep(1_000);
      w.kill();
      target.setFlagDelay(Duration.ZERO);
      w = Workers.start(address, queue, env, dir);
      cutover.await(
          "the canary to soak",
          Duration.ofSeconds(120),
          s -> "SOAKING".equals(s.phase()) && s.stage().name().equals("canary"));

      // 2. Mid-soak.
      WorkerProcess.sleep(2_000);
      w.kill();
      WorkerProcess.sleep(3_000);
      w = Workers.start(address, queue, env, dir);

      // 3. While awaiting approval: the approval arrives while no worker runs (a durable signal).
      cutover.awaitState("AWAITING_APPROVAL", Duration.ofSeconds(90));
      w.kill();
      cutover
          .client
          .newUntypedWorkflowStub(cutover.id)
          .signal("approve", new SignalPayload("half", "alice", "ok", null, null));
      WorkerProcess.sleep(2_000);
      w = Workers.start(address, queue, env, dir);

      assertThat(cutover.awaitState("COMPLETED", Duration.ofSeconds(120)).percent()).isEqualTo(100);
      w.close();
      assertThat(rollout(target, cutover.id)).containsExactly("10", "50", "100");
      assertThat(actions(target, "announce-half")).isEqualTo(1);
      cutover.close();
    }
  }

  @Test
  void killedDuringARollbackTheRollbackCompletesOnceWhenAWorkerReturns() throws Exception {
    String address = Services.temporalAddress();
    String name = "crash-rb-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "e2e-" + name;
    try (DemoTarget target = DemoTarget.start(0)) {
      Map<String, String> env = Map.of("DEMO_TARGET_URL", target.baseUrl());
      Cutover cutover = new Cutover(address, "cutover-" + name);
      WorkerProcess w = Workers.start(address, queue, env, dir);
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
      cutover.await("the canary to soak", Duration.ofSeconds(60), s -> "SOAKING".equals(s.phase()));

      target.setFlagDelay(Duration.ofSeconds(3));
      target.setErrorRate(0.5);
      cutover.await(
          "the rollback to begin", Duration.ofSeconds(30), s -> "ROLLING_BACK".equals(s.phase()));
      WorkerProcess.sleep(1_000);
      w.kill();
      target.setFlagDelay(Duration.ZERO);
      w = Workers.start(address, queue, env, dir);

      assertThat(cutover.awaitState("ROLLED_BACK", Duration.ofSeconds(120)).percent()).isZero();
      w.close();
      assertThat(rollout(target, cutover.id)).containsExactly("10", "0");
      assertThat(actions(target, "page-oncall")).isEqualTo(1);
      cutover.close();
    }
  }

  @Test
  void killedAtRandomPointsRepeatedlyTheCutoverStillCompletesWithEveryChangeOnce()
      throws Exception {
    String address = Services.temporalAddress();
    String name = "crash-rnd-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "e2e-" + name;
    Random random = new Random(20261123L);
    try (DemoTarget target = DemoTarget.start(0)) {
      Map<String, String> env = Map.of("DEMO_TARGET_URL", target.baseUrl());
      Cutover cutover = new Cutover(address, "cutover-" + name);
      WorkerProcess w = Workers.start(address, queue, env, dir);
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
      int kills = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      while (System.nanoTime() < deadline) {
        var s = cutover.status();
        if (s != null && s.state().equals("COMPLETED")) {
          break;
        }
        if (s != null && s.state().equals("AWAITING_APPROVAL")) {
          cutover
              .client
              .newUntypedWorkflowStub(cutover.id)
              .signal("approve", new SignalPayload("half", "bob", null, null, null));
        }
        WorkerProcess.sleep(1_000 + random.nextInt(3_000));
        if (kills < 8) {
          w.kill();
          kills++;
          w = Workers.start(address, queue, env, dir);
        }
      }
      assertThat(cutover.awaitState("COMPLETED", Duration.ofSeconds(150)).percent()).isEqualTo(100);
      w.close();
      assertThat(kills).isGreaterThanOrEqualTo(3);
      assertThat(rollout(target, cutover.id)).containsExactly("10", "50", "100");
      assertThat(actions(target, "announce-half")).isEqualTo(1);
      System.out.println("random crash run: " + kills + " kills");
      cutover.close();
    }
  }
}
