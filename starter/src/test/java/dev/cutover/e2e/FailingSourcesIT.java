package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * the reliability bar: "a dependency down or hanging": on the Temporal dev server with a real
 * worker process. A gate whose database or Prometheus is down measures ERROR, holds the cutover
 * (inconclusive) after errorLimit and never promotes it, even once the source is back, until {@code
 * resume} measures again. A flag API failing or hanging while a stage applies is retried with
 * backoff and {@code status} says so; a rollback whose flag API is down shows ROLLBACK_FAILED,
 * pages, keeps retrying and completes when the API returns.
 */
class FailingSourcesIT {
  private static final String GATE = "stages[0].gates[0]";

  @TempDir Path dir;

  /**
   * The plan's common part: traffic through the demo target's flag API, notifications to its
   * recorder.
   */
  private static String plan(
      String name, String connections, String checks, String stages, String watch) {
    return """
        version: 1
        name: %s
        connections:
          target: { http: "${env:DEMO_TARGET_URL}" }
        %s
        checks:
          v2_error_rate: { http: "GET target:/stats", value: "$.error_rate", pass: "< 0.05" }
        %s
        traffic:
          set: { http: "PUT target:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/v2-rollout", value: "$.value" }
        stages:
        %s
        %s
        rollback: { percent: 0 }
        notify: { webhook: "${env:HOOK_URL}" }
        """
        .formatted(
            name,
            connections.indent(2).stripTrailing(),
            checks.indent(2).stripTrailing(),
            stages.indent(2).stripTrailing(),
            watch);
  }

  /** One cutover on its own task queue, with its demo target and worker. */
  private final class Run implements AutoCloseable {
    final String address = Services.temporalAddress();
    final String name;
    final String queue;
    final DemoTarget target = DemoTarget.start(0);
    final Cutover cutover;
    final Map<String, String> env = new HashMap<>();
    WorkerProcess worker;

    Run(String prefix) {
      name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
      queue = "e2e-" + name;
      cutover = new Cutover(address, "cutover-" + name);
      env.put("DEMO_TARGET_URL", target.baseUrl());
      env.put("HOOK_URL", target.baseUrl() + "/api/actions/webhook");
    }

    void start(String yaml) throws Exception {
      worker = Workers.start(address, queue, env, dir);
      Path plan = Plans.write(dir, name, yaml);
      assertThat(Main.execute("lint", plan.toString())).as("the plan lints").isZero();
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
    }

    int resume(String by) {
      return Main.execute(
          "resume", cutover.id, "--by", by, "--reason", "source is back", "--address", address);
    }

    /** The values the rollout flag was set to by this cutover, in order. */
    List<String> rollout() {
      return target.changes().stream()
          .filter(c -> c.kind().equals(Change.FLAG) && c.name().equals(DemoTarget.ROLLOUT_FLAG))
          .map(Change::value)
          .toList();
    }

    /** Texts the webhook received. */
    List<String> notifications() {
      return target.changes().stream()
          .filter(c -> c.kind().equals(Change.ACTION) && c.name().equals("webhook"))
          .map(Change::value)
          .toList();
    }

    @Override
    public void close() throws Exception {
      if (worker != null) {
        worker.close();
      }
      cutover.close();
      target.close();
    }
  }

  private static Status.RuleView rule(Status s, String id) {
    return s.rules().stream()
        .filter(r -> r.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no rule " + id + " in " + s.rules()));
  }

  private static boolean inconclusiveHold(Status s) {
    return "HELD".equals(s.state())
        && s.holds().stream().anyMatch(h -> h.kind() == CutoverState.Hold.Kind.INCONCLUSIVE);
  }

  /** A stage that, held or not, would long have been promoted had the hold not stopped it. */
  private static void assertNeverPromoted(Run run, Status s) {
    assertThat(s.stage().name()).isEqualTo("canary");
    assertThat(s.percent()).isEqualTo(10);
    assertThat(run.rollout()).containsExactly("10");
  }

  private static final String TWO_STAGES_ON =
      """
      - { name: canary, percent: 10, soak: 4s, every: 1s, gates: [%1$s] }
      - { name: full, percent: 100, soak: 2s, every: 1s, gates: [%1$s] }
      """;

  // ------------------------------------------------------------------ a database that is down

  @Test
  void aGateWhoseDatabaseIsDownHoldsTheCutoverUntilResumeMeasuresAgain() throws Exception {
    URI pg = URI.create(Services.require("CUTOVER_TEST_PG_URL").substring("jdbc:".length()));
    // A worker refuses to check as a superuser (the test server's own user is one): a plain role.
    String role = "gate_" + UUID.randomUUID().toString().substring(0, 8);
    String password = "pw-" + UUID.randomUUID();
    admin("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
    try (Run run = new Run("db-down");
        TcpForwarder db = new TcpForwarder(pg.getHost(), pg.getPort())) {
      run.env.put("GATE_DB_USER", role);
      run.env.put("GATE_DB_PASSWORD", password);
      // The URL is written literally: a worker refuses ${...} in a JDBC URL.
      run.start(
          plan(
              run.name,
              "appdb: { postgres: \"jdbc:postgresql://127.0.0.1:"
                  + db.port()
                  + pg.getPath()
                  + "\", user: \"${env:GATE_DB_USER}\", password: \"${env:GATE_DB_PASSWORD}\" }",
              "db_gate: { sql: appdb, query: \"SELECT 1 AS value\", pass: \"== 1\", timeout: 2s }",
              TWO_STAGES_ON.formatted("db_gate"),
              ""));

      // Nothing listens where the database should be: ERROR, three times, then held.
      Status held =
          run.cutover.await(
              "the cutover to hold", Duration.ofSeconds(60), FailingSourcesIT::inconclusiveHold);
      Status.RuleView gate = rule(held, GATE);
      assertThat(gate.outcome()).isEqualTo("ERROR");
      assertThat(gate.reason())
          .startsWith("cannot connect: ")
          .contains("refused")
          .endsWith("(SQLSTATE 08001)");
      assertThat(gate.inconclusive()).isTrue();
      assertThat(held.holds()).extracting(CutoverState.Hold::subject).containsExactly(GATE);
      // Each ERROR came within the check's bound (2s + 5s to connect): three of them well inside
      // 30s.
      assertThat(held.asOf() - held.stage().startedAt()).isLessThan(30_000);
      assertNeverPromoted(run, held);

      WorkerProcess.sleep(6_000);
      Status still = run.cutover.status();
      assertThat(still.state()).isEqualTo("HELD");
      assertThat(still.soak().passedMillis()).isZero();
      assertNeverPromoted(run, still);

      // The database returns: the gate passes again, but the hold stays until a person resumes.
      db.up();
      Status passing =
          run.cutover.await(
              "the gate to pass while held",
              Duration.ofSeconds(30),
              s -> "PASS".equals(rule(s, GATE).outcome()));
      assertThat(passing.state()).isEqualTo("HELD");
      assertNeverPromoted(run, passing);

      assertThat(run.resume("alice")).isZero();
      Status done = run.cutover.awaitState("COMPLETED", Duration.ofSeconds(60));
      assertThat(done.percent()).isEqualTo(100);
      assertThat(done.decisions())
          .anyMatch(d -> d.action().equals("resume") && d.accepted() && d.by().equals("alice"));
      assertThat(run.rollout()).containsExactly("10", "100");
      assertThat(run.notifications())
          .anyMatch(
              t -> t.contains("inconclusive") || t.contains("holding until someone sends resume"));
    } finally {
      admin("DROP ROLE IF EXISTS " + role);
    }
  }

  /** Runs {@code sql} on the test PostgreSQL as its superuser. */
  private static void admin(String sql) throws java.sql.SQLException {
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                Services.require("CUTOVER_TEST_PG_URL"),
                Services.require("CUTOVER_TEST_PG_USER"),
                Services.require("CUTOVER_TEST_PG_PASSWORD"));
        java.sql.Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  // ------------------------------------------------------------------ Prometheus that is down

  @Test
  void aGateWhosePrometheusIsDownHoldsAndResumeMeasuresAgain() throws Exception {
    String bin = Services.require("CUTOVER_TEST_PROMETHEUS_BIN");
    int port = Services.freePort();
    Process prometheus = null;
    try (Run run = new Run("prom-down")) {
      run.env.put("PROM_URL", "http://127.0.0.1:" + port);
      run.start(
          plan(
              run.name,
              "prom: { prometheus: \"${env:PROM_URL}\" }",
              "prom_gate: { prometheus: prom, query: \"vector(1)\", pass: \"== 1\", timeout: 2s }",
              TWO_STAGES_ON.formatted("prom_gate"),
              ""));

      Status held =
          run.cutover.await(
              "the cutover to hold", Duration.ofSeconds(60), FailingSourcesIT::inconclusiveHold);
      assertThat(rule(held, GATE).outcome()).isEqualTo("ERROR");
      assertThat(rule(held, GATE).reason())
          .isEqualTo("prometheus prom: ConnectException: Failed to connect to /127.0.0.1:" + port);
      assertNeverPromoted(run, held);

      // Resume while Prometheus is still down: the gate is measured again, and holds again.
      long resumedAt = System.currentTimeMillis();
      assertThat(run.resume("bob")).isZero();
      Status again =
          run.cutover.await(
              "a fresh measurement after resume",
              Duration.ofSeconds(30),
              s -> rule(s, GATE).measuredAt() != null && rule(s, GATE).measuredAt() > resumedAt);
      assertThat(rule(again, GATE).outcome()).isEqualTo("ERROR");
      Status heldAgain =
          run.cutover.await(
              "the cutover to hold again",
              Duration.ofSeconds(30),
              s -> inconclusiveHold(s) && s.holds().get(0).since() > resumedAt);
      assertNeverPromoted(run, heldAgain);

      // A real Prometheus comes up on that address: the gate passes, the hold stays until resume.
      prometheus = startPrometheus(bin, port);
      Status passing =
          run.cutover.await(
              "the gate to pass while held",
              Duration.ofSeconds(30),
              s -> "PASS".equals(rule(s, GATE).outcome()));
      assertThat(passing.state()).isEqualTo("HELD");
      assertThat(rule(passing, GATE).reason()).isEqualTo("1 meets == 1");

      assertThat(run.resume("bob")).isZero();
      assertThat(run.cutover.awaitState("COMPLETED", Duration.ofSeconds(60)).percent())
          .isEqualTo(100);
      assertThat(run.rollout()).containsExactly("10", "100");
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
    }
  }

  private Process startPrometheus(String bin, int port) throws Exception {
    Path home = Files.createDirectories(dir.resolve("prometheus"));
    Path config = home.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 15s\n");
    Process p =
        new ProcessBuilder(
                bin,
                "--config.file=" + config,
                "--storage.tsdb.path=" + home.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("prometheus.log").toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return p;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      WorkerProcess.sleep(200);
    }
    throw new AssertionError(
        "prometheus not ready: " + Files.readString(home.resolve("prometheus.log")));
  }

  // ------------------------------------------------------------------ a flag API failing while
  // applying

  @Test
  void aFlagApiAnswering500WhileApplyingIsRetriedWithBackoffAndStatusSaysSo() throws Exception {
    try (Run run = new Run("flags-500")) {
      run.target.setFlagFailure(500);
      run.start(plan(run.name, "", "", TWO_STAGES_ON.formatted("v2_error_rate"), ""));

      Status first =
          run.cutover.await(
              "the first failed attempt",
              Duration.ofSeconds(60),
              s -> s.step() != null && s.step().error() != null);
      assertThat(first.state()).isEqualTo("APPLYING");
      assertThat(first.stage().name()).isEqualTo("canary");
      assertThat(first.step().attempt()).isEqualTo(1);
      assertThat(first.step().error())
          .contains(
              "PUT target:/api/flags/v2-rollout answered 500: {\"error\":\"flag service unavailable (injected)\"}");
      // The next attempt is announced, 5 s after the failure.
      assertThat(first.step().retryAt()).isBetween(first.asOf(), first.asOf() + 5_000);
      assertThat(run.notifications())
          .anyMatch(
              t -> t.contains("applying stage canary: ") && t.contains("retrying with backoff"));

      Status second =
          run.cutover.await(
              "the second failed attempt",
              Duration.ofSeconds(40),
              s -> s.step() != null && s.step().attempt() == 2);
      assertThat(second.state()).isEqualTo("APPLYING");
      // Backoff grows: 5 s after the first failure, 10 s after the second (plus the attempt
      // itself).
      assertThat(second.step().retryAt() - first.step().retryAt()).isGreaterThanOrEqualTo(10_000);
      // Each attempt is an activity the worker itself retries a few times: the API saw them all.
      assertThat(run.target.flagRequests()).isGreaterThanOrEqualTo(6);
      assertThat(run.rollout()).isEmpty();

      run.target.setFlagFailure(0);
      Status done = run.cutover.awaitState("COMPLETED", Duration.ofSeconds(60));
      assertThat(done.percent()).isEqualTo(100);
      assertThat(run.rollout()).containsExactly("10", "100");
    }
  }

  @Test
  void aHangingFlagApiWhileApplyingIsCutOffByTheTimeoutAndRetried() throws Exception {
    try (Run run = new Run("flags-hang")) {
      run.target.setFlagHang(Duration.ofMinutes(5));
      run.start(plan(run.name, "", "", TWO_STAGES_ON.formatted("v2_error_rate"), ""));

      // Each request is given up after 10 s; the worker's activity tries three times.
      Status failed =
          run.cutover.await(
              "a failed attempt",
              Duration.ofSeconds(80),
              s -> s.step() != null && s.step().error() != null);
      assertThat(failed.state()).isEqualTo("APPLYING");
      assertThat(failed.step().error())
          .contains("PUT target:/api/flags/v2-rollout: no answer within 10s");
      assertThat(failed.step().retryAt()).isGreaterThan(failed.asOf());
      assertThat(run.rollout()).isEmpty();

      run.target.setFlagHang(Duration.ZERO);
      assertThat(run.cutover.awaitState("COMPLETED", Duration.ofSeconds(60)).percent())
          .isEqualTo(100);
      assertThat(run.rollout()).containsExactly("10", "100");
    }
  }

  // ------------------------------------------------------------------ a rollback whose flag API is
  // down

  @Test
  void aRollbackWhoseFlagApiIsDownShowsRollbackFailedPagesAndCompletesWhenItReturns()
      throws Exception {
    try (Run run = new Run("rb-down")) {
      run.start(
          plan(
              run.name,
              "",
              "",
              "- { name: canary, percent: 10, soak: 5m, every: 1s, gates: [v2_error_rate] }",
              "watch:\n  - { check: v2_error_rate, every: 1s, for: 2s }"));
      run.cutover.await(
          "the canary to soak", Duration.ofSeconds(60), s -> "SOAKING".equals(s.phase()));

      run.target.setFlagFailure(503);
      run.target.setErrorRate(0.5);

      Status failing = run.cutover.awaitState("ROLLBACK_FAILED", Duration.ofSeconds(60));
      assertThat(failing.phase()).isEqualTo("ROLLING_BACK");
      assertThat(failing.step().error()).contains("PUT target:/api/flags/v2-rollout answered 503");
      assertThat(failing.rollback().failures()).isGreaterThanOrEqualTo(1);
      assertThat(failing.rollback().lastError()).contains("answered 503");
      // It never claims what it did not do: traffic is still where it was.
      assertThat(failing.percent()).isEqualTo(10);
      run.cutover.await(
          "the page to arrive",
          Duration.ofSeconds(20),
          s ->
              run.notifications().stream()
                  .anyMatch(t -> t.contains("ROLLBACK FAILING (attempt 1): ")));
      assertThat(run.worker.log())
          .contains(
              "notify [PAGE] "
                  + run.cutover.id
                  + ": ["
                  + run.name
                  + "] ROLLBACK FAILING (attempt 1)");

      Status stillFailing =
          run.cutover.await(
              "a second failed attempt",
              Duration.ofSeconds(40),
              s -> s.rollback() != null && s.rollback().failures() >= 2);
      assertThat(stillFailing.state()).isEqualTo("ROLLBACK_FAILED");
      assertThat(stillFailing.percent()).isEqualTo(10);

      run.target.setFlagFailure(0);
      Status done = run.cutover.awaitState("ROLLED_BACK", Duration.ofSeconds(60));
      assertThat(done.percent()).isZero();
      assertThat(done.rollback().completedAt()).isNotNull();
      assertThat(run.rollout()).containsExactly("10", "0");
      run.cutover.await(
          "the recovery to be announced",
          Duration.ofSeconds(20),
          s -> run.notifications().stream().anyMatch(t -> t.contains("rollback recovered: ")));
    }
  }
}
