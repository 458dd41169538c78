package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.cli.Main;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Status;
import dev.cutover.testing.Nginx;
import dev.cutover.testing.TestServices;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's cutover day, end to end, with local stand-ins for everything examples/blue-green.yaml
 * talks to: blue and green services behind a real nginx that the worker rewrites and reloads, the
 * demo target's action API as the two sites' maintenance switches (it records each call and honours
 * Idempotency-Key), a final-sync script and a smoke-test script that the worker runs because
 * CUTOVER_ALLOWED_COMMANDS names them with their arguments, and green's sync-validation endpoint
 * that a {@code wait} action polls. The final sync cannot be undone, so its stage starts only after
 * an approval; then traffic moves 10% -> 50% -> 100%, and the green share is measured with real
 * requests through nginx at each stage.
 */
class BlueGreenIT {
  @TempDir Path dir;

  static String plan(String name, Nginx nginx, Path sync, Path smoke) {
    return """
        version: 1
        name: %1$s
        description: local stand-in of examples/blue-green.yaml
        connections:
          target: { http: "${env:DEMO_TARGET_URL}" }  # both sites' maintenance switches
          green: { http: "${env:GREEN_URL}" }
        checks:
          green_health: { http: "GET green:/health", expect: { status: 200 } }
          final_sync_validated: { http: "GET green:/sync/status", value: "$.mismatched_rows", pass: "== 0" }
        traffic:
          nginx:
            file: %2$s
            variable: $cutover_upstream
            key: "$request_id"
            new: green
            old: blue
        prerequisites: [green_health]
        stages:
          - name: go-no-go
            percent: 0
            gates: [green_health]
          - name: final-sync
            actions:
              - http: "POST target:/api/actions/blue-maintenance-on"
                expect: { status: 200 }
                undo: { http: "POST target:/api/actions/blue-maintenance-off", expect: { status: 200 } }
              - command: [%4$s, --to, green]
                timeout: 30s
                irreversible: true
              - wait: { check: final_sync_validated, timeout: 20s, every: 1s }
              - http: "POST target:/api/actions/green-maintenance-off"
                expect: { status: 200 }
                undo: { http: "POST target:/api/actions/green-maintenance-on", expect: { status: 200 } }
              - http: "POST target:/api/actions/blue-maintenance-off"
                expect: { status: 200 }
                undo: { http: "POST target:/api/actions/blue-maintenance-off", expect: { status: 200 } }
              - command: [%5$s, --stage, "${stage}"]
                timeout: 30s
                undo: { command: [%5$s, --cleanup] }
            gates: [green_health]
          - { name: shift-10, percent: 10, soak: 3s, every: 1s, gates: [green_health], approval: true }
          - { name: shift-50, percent: 50, soak: 3s, every: 1s, gates: [green_health], approval: true }
          - { name: full, percent: 100, soak: 2s, every: 1s, gates: [green_health] }
        watch:
          - { check: green_health, every: 1s }
        rollback:
          percent: 0
          actions:
            - { http: "POST target:/api/actions/blue-maintenance-off", expect: { status: 200 } }
          then: hold
          afterPointOfNoReturn: hold
        """
        .formatted(name, nginx.splitFile, nginx.config, sync, smoke);
  }

  /**
   * Blue or green: answers its name on /, and green reports the final sync's validation on
   * /sync/status.
   */
  static HttpServer site(String name, Path syncMarker, ExecutorService threads) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.createContext("/", exchange -> answer(exchange, 200, name));
    server.createContext("/health", exchange -> answer(exchange, 200, "{\"status\": \"ok\"}"));
    server.createContext(
        "/sync/status",
        exchange -> {
          // A validation job that needs a moment after the sync: nothing to judge until it is done.
          long age =
              Files.exists(syncMarker)
                  ? System.currentTimeMillis() - Files.getLastModifiedTime(syncMarker).toMillis()
                  : -1;
          answer(
              exchange,
              200,
              age < 0
                  ? "{}"
                  : age < 1_500
                      ? "{\"validating\": true}"
                      : "{\"mismatched_rows\": 0, \"rows\": "
                          + Files.readString(syncMarker).strip()
                          + "}");
        });
    server.setExecutor(threads);
    server.start();
    return server;
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private Path script(String name, String body) throws IOException {
    Path p = Files.createDirectories(dir.resolve("bin")).resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void theCutoverDayRunsAsActionsAfterAnApprovalAndShiftsRealTrafficThroughNginx()
      throws Exception {
    String address = Services.temporalAddress();
    String name = "bg-" + UUID.randomUUID().toString().substring(0, 8);
    String id = "cutover-" + name;
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Path synced = dir.resolve("green-data/synced");
    Files.createDirectories(synced.getParent());
    Path sync =
        script(
            "final-sync",
            """
        echo "$(date +%%s%%3N) $CUTOVER_IDEMPOTENCY_KEY $*" >> %1$s/final-sync.log
        echo 1200 > %2$s
        echo "final sync: 1200 rows copied to $2"
        """
                .formatted(logs, synced));
    Path smoke =
        script(
            "smoke-tests",
            """
        echo "$(date +%%s%%3N) $CUTOVER_IDEMPOTENCY_KEY $*" >> %1$s/smoke-tests.log
        echo "smoke tests: 5 of 5 passed"
        """
                .formatted(logs));
    ExecutorService threads = Executors.newFixedThreadPool(16);
    HttpServer blue = site("blue", synced, threads);
    HttpServer green = site("green", synced, threads);
    try (DemoTarget target = DemoTarget.start(0);
        Nginx nginx =
            Nginx.start(
                TestServices.nginxBin(),
                dir.resolve("nginx"),
                blue.getAddress().getPort(),
                green.getAddress().getPort(),
                Nginx.allBlue("$request_id"));
        WorkerProcess worker =
            Workers.start(
                address,
                "e2e-" + name,
                Map.of(
                    "DEMO_TARGET_URL", target.baseUrl(),
                    "GREEN_URL", "http://127.0.0.1:" + green.getAddress().getPort(),
                    "CUTOVER_NGINX_DIRS", nginx.splitDir.toString(),
                    "CUTOVER_NGINX_BIN", TestServices.nginxBin(),
                    "CUTOVER_NGINX_CONFIG", nginx.config.toString(),
                    // Each script with exactly the arguments the plan gives it, and no other.
                    "CUTOVER_ALLOWED_COMMANDS",
                        sync
                            + " --to green, "
                            + smoke
                            + " --stage ${stage}, "
                            + smoke
                            + " --cleanup"),
                dir)) {
      Cutover cutover = new Cutover(address, id);
      long started = System.nanoTime();
      Path planFile = Plans.write(dir, name, plan(name, nginx, sync, smoke));
      assertThat(
              Main.execute(
                  "start",
                  planFile.toString(),
                  "--by",
                  "carol",
                  "--address",
                  address,
                  "--task-queue",
                  "e2e-" + name))
          .isZero();

      // The final sync cannot be undone: its stage waits for an approval before anything runs.
      Status waiting =
          cutover.await(
              "final-sync to await its approval",
              Duration.ofSeconds(60),
              s ->
                  s.state().equals("AWAITING_APPROVAL")
                      && s.pendingApproval() != null
                      && s.pendingApproval().stage().equals("final-sync"));
      assertThat(waiting.percent()).isZero();
      assertThat(target.changes()).isEmpty();
      assertThat(logs.resolve("final-sync.log")).doesNotExist();
      assertThat(nginx.send(200)).isEqualTo(Nginx.Counts.of(200, 0));

      approve(cutover, "final-sync");
      Status canary = awaitApproval(cutover, "shift-10");
      Nginx.Counts at10 = nginx.send(2_000);
      System.out.printf(
          "blue-green IT 10%%: %d of 2000 to green (%.1f%%)%n", at10.green(), at10.greenPercent());
      assertThat(canary.percent()).isEqualTo(10);
      assertThat(at10.failed()).isZero();
      assertThat(at10.green()).isBetween(140, 260);

      approve(cutover, "shift-10");
      awaitApproval(cutover, "shift-50");
      Nginx.Counts at50 = nginx.send(2_000);
      System.out.printf(
          "blue-green IT 50%%: %d of 2000 to green (%.1f%%)%n", at50.green(), at50.greenPercent());
      assertThat(at50.failed()).isZero();
      assertThat(at50.green()).isBetween(900, 1_100);

      approve(cutover, "shift-50");
      Status done = cutover.awaitState("COMPLETED", Duration.ofSeconds(60));
      Nginx.Counts at100 = nginx.send(2_000);
      System.out.printf(
          "blue-green IT 100%%: %d of 2000 to green; whole run %ds%n",
          at100.green(), Duration.ofNanos(System.nanoTime() - started).toSeconds());
      assertThat(done.percent()).isEqualTo(100);
      assertThat(at100).isEqualTo(Nginx.Counts.of(0, 2_000));

      // Each cutover-day action ran once, in the runbook's order, with its own idempotency key.
      List<Change> actions =
          target.changes().stream().filter(c -> c.kind().equals(Change.ACTION)).toList();
      assertThat(actions)
          .extracting(c -> c.name() + " " + c.idempotencyKey())
          .containsExactly(
              "blue-maintenance-on " + id + "/final-sync/actions/0",
              "green-maintenance-off " + id + "/final-sync/actions/3",
              "blue-maintenance-off " + id + "/final-sync/actions/4");
      List<String> syncRuns = Files.readAllLines(logs.resolve("final-sync.log"));
      List<String> smokeRuns = Files.readAllLines(logs.resolve("smoke-tests.log"));
      assertThat(syncRuns).hasSize(1);
      assertThat(syncRuns.get(0)).endsWith(" " + id + "/final-sync/actions/1 --to green");
      assertThat(smokeRuns).hasSize(1);
      assertThat(smokeRuns.get(0)).endsWith(" " + id + "/final-sync/actions/5 --stage final-sync");
      long syncAt = Long.parseLong(syncRuns.get(0).split(" ")[0]);
      long smokeAt = Long.parseLong(smokeRuns.get(0).split(" ")[0]);
      assertThat(actions.get(0).atMillis()).isLessThanOrEqualTo(syncAt);
      assertThat(syncAt).isLessThanOrEqualTo(actions.get(1).atMillis());
      assertThat(actions.get(2).atMillis()).isLessThanOrEqualTo(smokeAt);
      long maintenance = actions.get(2).atMillis() - actions.get(0).atMillis();
      System.out.printf("blue-green IT: blue in maintenance for %d ms%n", maintenance);
      assertThat(maintenance).isLessThan(60_000);
      cutover.close();
    } finally {
      blue.stop(0);
      green.stop(0);
      threads.shutdownNow();
    }
  }

  private static void approve(Cutover cutover, String stage) {
    cutover
        .client
        .newUntypedWorkflowStub(cutover.id)
        .signal("approve", new SignalPayload(stage, "alice", "go", null, null));
  }

  private static Status awaitApproval(Cutover cutover, String stage) {
    return cutover.await(
        stage + " to await approval",
        Duration.ofSeconds(60),
        s ->
            s.state().equals("AWAITING_APPROVAL")
                && s.stage() != null
                && s.stage().name().equals(stage));
  }
}
