package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/cutover-dashboard.json: valid JSON, its Prometheus data source a variable every
 * panel and query uses, a panel for each of the worker's product metrics (docs/operations.md), and
 * every query one Prometheus parses (Debian's promtool checks them as recording rules, with
 * Grafana's variables filled in).
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD =
      ComposeSetupTest.ROOT.resolve("deploy/grafana/cutover-dashboard.json");

  static final List<String> PRODUCT_METRICS =
      List.of(
          "cutover_cutovers",
          "cutover_state_entered_total",
          "cutover_rollbacks_total",
          "cutover_measurements_total",
          "cutover_signal_decision_latency_seconds_bucket");

  static JsonNode dashboard() throws Exception {
    return new ObjectMapper().readTree(Files.readString(DASHBOARD));
  }

  static List<String> expressions(JsonNode d) {
    List<String> exprs = new ArrayList<>();
    d.path("panels")
        .forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
    return exprs;
  }

  @Test
  void everyPanelAndQueryReadsTheDataSourceVariable() throws Exception {
    JsonNode d = dashboard();
    JsonNode variable = null;
    for (JsonNode v : d.path("templating").path("list")) {
      if (v.path("name").asText().equals("datasource")) {
        variable = v;
      }
    }
    assertThat(variable).as("a datasource variable").isNotNull();
    assertThat(variable.path("type").asText()).isEqualTo("datasource");
    assertThat(variable.path("query").asText()).isEqualTo("prometheus");
    assertThat(d.path("panels").size()).isGreaterThanOrEqualTo(PRODUCT_METRICS.size());
    d.path("panels")
        .forEach(
            p -> {
              assertThat(p.path("datasource").path("uid").asText())
                  .as(p.path("title").asText())
                  .isEqualTo("${datasource}");
              assertThat(p.path("targets").size()).as(p.path("title").asText()).isPositive();
              p.path("targets")
                  .forEach(
                      t ->
                          assertThat(t.path("datasource").path("uid").asText())
                              .as(p.path("title").asText())
                              .isEqualTo("${datasource}"));
            });
    assertThat(d.toString()).doesNotContain("\"uid\":\"prometheus\"");
  }

  @Test
  void thereIsAPanelForEachProductMetricAndTheSdksOwn() throws Exception {
    String all = String.join("\n", expressions(dashboard()));
    for (String metric : PRODUCT_METRICS) {
      assertThat(all).as(metric).contains(metric);
    }
    assertThat(all).contains("temporal_workflow_task_schedule_to_start_latency_seconds");
  }

  @Test
  void promtoolParsesEveryQuery(@TempDir Path dir) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (String expr : expressions(dashboard())) {
      String filled =
          expr.replace("$__rate_interval", "1m")
              .replace("$__range", "1h")
              .replace("$plan", ".*")
              .replace("$job", ".*");
      assertThat(filled).as("a variable the test does not fill: " + expr).doesNotContain("$");
      rules
          .append("      - record: dashboard:query")
          .append(i++)
          .append("\n        expr: '")
          .append(filled.replace("'", "''"))
          .append("'\n");
    }
    Path file = dir.resolve("dashboard-rules.yml");
    Files.writeString(file, rules.toString());
    Path promtool =
        Path.of(TestServices.require("CUTOVER_TEST_PROMETHEUS_BIN")).resolveSibling("promtool");
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "rules", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS: " + i + " rules found");
  }
}
