package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.cli.Main;
import dev.cutover.demo.DemoTarget;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a real worker's {@code /metrics} (its health port) while a cutover
 * rolls back on a breach; the product's metrics are queried back from Prometheus: the states the
 * cutover entered, its one automatic rollback, measurements by source and outcome, the latency from
 * a signal to its decision, the running cutovers by state, and the Temporal SDK's own metrics.
 * Nothing a signaller wrote becomes a label.
 */
class WorkerMetricsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  private static JsonNode query(String prometheus, String promql) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        prometheus
                            + "/api/v1/query?query="
                            + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body()).path("data").path("result");
  }

  /** Waits until {@code promql} has exactly one series, and returns its value. */
  private static double value(String prometheus, String promql, double atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = query(prometheus, promql);
      if (last.size() == 1) {
        double v = Double.parseDouble(last.get(0).path("value").get(1).asText());
        if (v >= atLeast) {
          return v;
        }
      }
      WorkerProcess.sleep(500);
    }
    throw new AssertionError(promql + " did not reach " + atLeast + " within 30 s: " + last);
  }

  @Test
  void prometheusScrapesTheWorkerAndReadsBackTheStatesRollbackMeasurementsAndSignalLatency()
      throws Exception {
    String bin = Services.require("CUTOVER_TEST_PROMETHEUS_BIN");
    String address = Services.temporalAddress();
    String name = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
    String queue = "e2e-" + name;
    int health = Services.freePort();
    int port = Services.freePort();
    String prometheus = "http://127.0.0.1:" + port;
    Files.writeString(
        dir.resolve("prometheus.yml"),
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
        scrape_configs:
          - job_name: cutover-worker
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(health));
    Process prom =
        new ProcessBuilder(
                bin,
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try (DemoTarget target = DemoTarget.start(0)) {
      Map<String, String> env = new HashMap<>();
      env.put("DEMO_TARGET_URL", target.baseUrl());
      env.put("CUTOVER_HEALTH_PORT", Integer.toString(health));
      Cutover cutover = new Cutover(address, "cutover-" + name);
      try (WorkerProcess w = Workers.start(address, queue, env, dir)) {
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
            "the canary to soak",
            Duration.ofSeconds(60),
            s -> "SOAKING".equals(s.phase()) && s.stage().name().equals("canary"));
        // An approval before one is due: refused, and still a decision on a signal. Its reason is
        // a signaller's text, which no label may carry.
        cutover
            .client
            .newUntypedWorkflowStub(cutover.id)
            .signal(
                "approve",
                new SignalPayload("canary", "mallory", "label-injection-7f3e\"}", null, null));
        assertThat(value(prometheus, "max(cutover_cutovers{state=\"SOAKING\"})", 1)).isEqualTo(1);

        target.setErrorRate(0.5);
        cutover.awaitState("ROLLED_BACK", Duration.ofSeconds(60));
        String byPlan = "{plan=\"" + name + "\"";
        assertThat(
                value(
                    prometheus,
                    "cutover_state_entered_total" + byPlan + ",state=\"ROLLED_BACK\"}",
                    1))
            .isEqualTo(1);
        // At least once: a gate that fails for a moment shows the cutover HELD, and it enters
        // SOAKING again when the gate recovers, before the watch rule's breach rolls it back.
        assertThat(
                value(
                    prometheus, "cutover_state_entered_total" + byPlan + ",state=\"SOAKING\"}", 1))
            .isGreaterThanOrEqualTo(1);
        assertThat(
                value(prometheus, "cutover_rollbacks_total" + byPlan + ",cause=\"automatic\"}", 1))
            .isEqualTo(1);
        assertThat(
                value(
                    prometheus,
                    "sum(cutover_measurements_total{source=\"http\",outcome=\"FAIL\",role=\"watch\"})",
                    1))
            .isGreaterThanOrEqualTo(1);
        assertThat(
                value(
                    prometheus,
                    "sum(cutover_measurements_total{source=\"http\",outcome=\"PASS\"})",
                    1))
            .isGreaterThanOrEqualTo(1);
        assertThat(
                value(
                    prometheus,
                    "cutover_signal_decision_latency_seconds_count{signal=\"approve\"}",
                    1))
            .isEqualTo(1);
        // The latency is real (a worker decides within seconds) and has buckets for quantiles.
        assertThat(
                value(
                    prometheus,
                    "cutover_signal_decision_latency_seconds_bucket{signal=\"approve\",le=\"10.0\"}",
                    1))
            .isEqualTo(1);
        // The SDK's own metrics, through its Micrometer reporter.
        assertThat(
                value(
                    prometheus,
                    "sum(temporal_workflow_completed_total{task_queue=\""
                        + queue
                        + "\"}) or"
                        + " sum(temporal_workflow_task_queue_poll_succeed_total{task_queue=\""
                        + queue
                        + "\"})",
                    1))
            .isGreaterThanOrEqualTo(1);

        String scraped =
            HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(scraped)
            .contains("cutover_state_entered_total")
            .doesNotContain("label-injection");
        // The SDK's names as the dashboard (deploy/grafana) and docs/operations.md use them.
        assertThat(scraped)
            .contains("temporal_workflow_task_schedule_to_start_latency_seconds_count{")
            .contains("temporal_activity_schedule_to_start_latency_seconds_count{")
            .contains("temporal_worker_task_slots_available{");
        assertThat(scraped).doesNotContain("mallory");
        assertThat(w.isAlive()).as("the worker served every scrape and still runs").isTrue();
      }
      cutover.close();
    } finally {
      prom.destroy();
      if (!prom.waitFor(10, TimeUnit.SECONDS)) {
        prom.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
