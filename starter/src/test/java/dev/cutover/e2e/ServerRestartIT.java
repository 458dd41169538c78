package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability bar: the Temporal dev server killed (SIGKILL) and restarted on its SQLite file:
 * the cutover resumes, an approval sent before the kill is not lost, and a soak timer that came due
 * while the server was down fires promptly after the restart.
 */
class ServerRestartIT {
  @TempDir Path dir;

  @Test
  void aKilledAndRestartedServerLosesNeitherTimersNorApprovals() throws Exception {
    Path bin = Services.temporalBin();
    int port = Services.freePort();
    String address = "127.0.0.1:" + port;
    Path db = dir.resolve("temporal.db");
    String name = "restart";
    String queue = "e2e-restart";
    String yaml = Plans.canary(name).replace("soak: 8s, every: 2s", "soak: 20s, every: 5s");
    Process server = startServer(bin, port, db);
    try (DemoTarget target = DemoTarget.start(0);
        WorkerProcess w =
            Workers.start(address, queue, Map.of("DEMO_TARGET_URL", target.baseUrl()), dir)) {
      Cutover cutover = new Cutover(address, "cutover-" + name);
      assertThat(
              dev.cutover.cli.Main.execute(
                  "start",
                  Plans.write(dir, name, yaml).toString(),
                  "--by",
                  "carol",
                  "--address",
                  address,
                  "--task-queue",
                  queue))
          .isZero();
      // The soak clock runs once the gate's first measurement passed (docs/semantics.md): wait for
      // that, so that the soak really comes due while the server is down.
      Status soaking =
          cutover.await(
              "the canary's soak clock to run",
              Duration.ofSeconds(60),
              s -> "SOAKING".equals(s.phase()) && s.soak() != null && s.soak().running());
      long soakDueAt = System.currentTimeMillis() + soaking.soak().remainingMillis();

      // Mid-soak: the server dies, and stays down past the moment the soak comes due.
      kill(server);
      WorkerProcess.sleep(Math.max(0, soakDueAt - System.currentTimeMillis()) + 5_000);
      long restartedAt = System.currentTimeMillis();
      server = startServer(bin, port, db);
      Status next =
          cutover.await(
              "the overdue soak to end",
              Duration.ofSeconds(60),
              s -> s.stage() != null && !s.stage().name().equals("canary"));
      // When the cutover itself acted, by its own record (this test's client may reconnect later).
      long soakEndedAt =
          next.decisions().stream()
              .filter(d -> d.text().equals("stage canary complete"))
              .mapToLong(d -> d.at())
              .findFirst()
              .orElseThrow();
      long late = soakEndedAt - restartedAt;
      assertThat(next.stage().name()).isEqualTo("half");
      System.out.println("the overdue soak ended " + late + " ms after the server restart began");
      assertThat(late).isLessThan(15_000);

      // Awaiting approval: the approval is accepted by the server, then the server dies at once.
      cutover.awaitState("AWAITING_APPROVAL", Duration.ofSeconds(60));
      cutover
          .client
          .newUntypedWorkflowStub(cutover.id)
          .signal("approve", new SignalPayload("half", "alice", null, null, null));
      kill(server);
      WorkerProcess.sleep(3_000);
      server = startServer(bin, port, db);
      Status done = cutover.awaitState("COMPLETED", Duration.ofSeconds(120));
      assertThat(done.decisions())
          .anyMatch(d -> d.by().equals("alice") && d.accepted() && d.action().equals("approve"));
      cutover.close();
    } finally {
      kill(server);
    }
  }

  static Process startServer(Path bin, int port, Path db) throws IOException {
    Process p =
        new ProcessBuilder(
                List.of(
                    bin.toString(),
                    "server",
                    "start-dev",
                    "--headless",
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    String.valueOf(port),
                    "--http-port",
                    String.valueOf(Services.freePort()),
                    "--metrics-port",
                    String.valueOf(Services.freePort()),
                    "--db-filename",
                    db.toString(),
                    "--log-level",
                    "error",
                    "--search-attribute",
                    "CutoverPlan=Keyword",
                    "--search-attribute",
                    "CutoverStage=Keyword",
                    "--search-attribute",
                    "CutoverState=Keyword",
                    "--search-attribute",
                    "CutoverPercent=Int"))
            .redirectErrorStream(true)
            .redirectOutput(db.resolveSibling("server-" + port + ".log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        WorkerProcess.sleep(1_000); // the frontend accepts before every service is ready
        return p;
      } catch (IOException notYet) {
        WorkerProcess.sleep(200);
      }
    }
    throw new IllegalStateException("the dev server did not come up on port " + port);
  }

  static void kill(Process p) throws InterruptedException {
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
