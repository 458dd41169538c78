package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.testing.TestServices;
import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutover confirm} against the Temporal dev server and a real worker: {@code status} names
 * the task the cutover waits for and the command that confirms it; a confirm of a task the plan
 * does not have is answered as rejected (exit 3), the right one moves the cutover on (exit 0).
 */
class ConfirmCommandTest {
  @TempDir Path dir;

  @Test
  void statusNamesTheWaitingTaskAndConfirmMovesTheCutoverOn() throws Exception {
    String address = TestServices.require("CUTOVER_TEST_TEMPORAL_ADDRESS");
    String name = "confirm-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "q-" + name;
    Path plan = dir.resolve(name + ".yaml");
    Files.writeString(
        plan,
        """
        version: 1
        name: %s
        stages:
          - name: hypercare
            observe: true
            soak: 1s
            checklist:
              beforeStart:
                - { id: status-page-posted, text: "Status page posted" }
        """
            .formatted(name));
    WorkerConfig config =
        WorkerConfig.fromEnvironment(
            Map.of("TEMPORAL_ADDRESS", address, "CUTOVER_TASK_QUEUE", queue));
    try (CutoverWorker worker = CutoverWorker.start(config)) {
      Cli.Result started =
          Cli.run(
              "start",
              plan.toString(),
              "--by",
              "carol",
              "--address",
              address,
              "--task-queue",
              queue);
      assertThat(started.exit()).as(started.err()).isZero();

      String status = awaitStatus(name, address, "AWAITING_CHECKLIST");
      assertThat(status)
          .contains(
              "  [ ] status-page-posted: Status page posted (hypercare, beforeStart) WAITING:"
                  + " cutover confirm "
                  + name
                  + " status-page-posted\n");

      Cli.Result unknown =
          Cli.run("confirm", name, "status-page-post", "--by", "alice", "--address", address);
      assertThat(unknown.exit()).as(unknown.err()).isEqualTo(3);
      assertThat(unknown.out())
          .isEqualTo(
              "rejected: no checklist task \"status-page-post\" is waiting for a confirmation (the"
                  + " plan's tasks: status-page-posted) (now AWAITING_CHECKLIST)\n");

      Cli.Result confirmed =
          Cli.run(
              "confirm",
              name,
              "status-page-posted",
              "--by",
              "alice",
              "--comment",
              "posted 09:02",
              "--address",
              address);
      assertThat(confirmed.exit()).as(confirmed.err()).isZero();
      assertThat(confirmed.out())
          .startsWith(
              "accepted: confirmed task status-page-posted (Status page posted) of stage"
                  + " hypercare, due before it starts; none left: posted 09:02");

      String done = awaitStatus(name, address, "COMPLETED");
      assertThat(done).contains("alice");
    }
  }

  private static String awaitStatus(String name, String address, String state)
      throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      Cli.Result r = Cli.run("status", name, "--address", address);
      last = r.out() + r.err();
      if (r.exit() == 0 && r.out().contains("  " + state + "  ")) {
        return r.out();
      }
      Thread.sleep(300);
    }
    throw new AssertionError("not " + state + " within 60s: " + last);
  }
}
