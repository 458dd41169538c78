package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.demo.DemoTarget;
import dev.cutover.plan.PlanReader;
import dev.cutover.testing.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator drives a cutover with the Temporal CLI alone (the commands the README documents):
 * start, query, list by search attribute, signal an approval, and the search attributes follow.
 */
class OperatorPathIT {
  @TempDir Path dir;

  @Test
  void theTemporalCliAloneStartsQueriesListsAndApprovesACutover() throws Exception {
    String address = Services.temporalAddress();
    TemporalCli temporal = new TemporalCli(Services.temporalBin().toString(), address);
    String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    String id = "cutover-" + name;
    String queue = "e2e-" + name;
    try (DemoTarget target = DemoTarget.start(0);
        WorkerProcess w =
            Workers.start(address, queue, Map.of("DEMO_TARGET_URL", target.baseUrl()), dir)) {
      ObjectNode input = TemporalCli.JSON.createObjectNode();
      input.set("plan", PlanReader.parseTree(Plans.canary(name)));
      input.put("startedBy", "bob");
      temporal.run(
          "workflow",
          "start",
          "--type",
          "CutoverWorkflow",
          "--task-queue",
          queue,
          "--workflow-id",
          id,
          "--input",
          input.toString());

      JsonNode status = awaitStatus(temporal, id, "AWAITING_APPROVAL", Duration.ofSeconds(60));
      assertThat(status.path("stage").path("name").asText()).isEqualTo("half");
      assertThat(status.path("percent").asInt()).isEqualTo(50);
      assertThat(status.path("pendingApproval").path("approvers").toString())
          .isEqualTo("[\"alice\",\"bob\"]");

      assertThat(listed(temporal, "CutoverState=\"AWAITING_APPROVAL\"")).contains(id);
      assertThat(listed(temporal, "CutoverPlan=\"" + name + "\" AND CutoverPercent=50"))
          .contains(id);
      assertThat(listed(temporal, "CutoverState=\"ROLLED_BACK\"")).doesNotContain(id);

      temporal.run(
          "workflow",
          "signal",
          "--workflow-id",
          id,
          "--name",
          "approve",
          "--input",
          "{\"stage\":\"half\",\"by\":\"bob\"}");
      JsonNode rejected = awaitStatus(temporal, id, "AWAITING_APPROVAL", Duration.ofSeconds(10));
      JsonNode decisions = rejected.path("decisions");
      assertThat(decisions.get(decisions.size() - 1).path("text").asText())
          .isEqualTo("rejected: four eyes: bob started this cutover and may not approve it");

      temporal.run(
          "workflow",
          "signal",
          "--workflow-id",
          id,
          "--name",
          "approve",
          "--input",
          "{\"stage\":\"half\",\"by\":\"alice\",\"comment\":\"graphs are flat\"}");
      String result = temporal.run("workflow", "result", "--workflow-id", id, "-o", "json");
      assertThat(result).contains("\"state\": \"COMPLETED\"");
      WorkerProcess.sleep(1_500); // visibility is eventually consistent
      assertThat(listed(temporal, "CutoverState=\"COMPLETED\" AND CutoverPercent=100"))
          .contains(id);
    }
  }

  static JsonNode awaitStatus(TemporalCli temporal, String id, String state, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last =
            temporal
                .json("workflow", "query", "--workflow-id", id, "--name", "status", "-o", "json")
                .path("queryResult")
                .path(0);
        if (state.equals(last.path("state").asText())) {
          return last;
        }
      } catch (IllegalStateException notYet) {
        // the first workflow task may not have run yet
      }
      WorkerProcess.sleep(500);
    }
    throw new AssertionError("not " + state + " within " + timeout + ": " + last);
  }

  static List<String> listed(TemporalCli temporal, String query) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode e : temporal.json("workflow", "list", "--query", query, "-o", "json")) {
      ids.add(e.path("execution").path("workflowId").asText());
    }
    return ids;
  }
}
