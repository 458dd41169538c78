package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.plan.PlanReader;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.sdk.v1.WorkflowInteractionDefinition;
import io.temporal.api.sdk.v1.WorkflowMetadata;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the Temporal UI shows of a cutover, on the time-skipping test server: the static summary a
 * starter gives, the current details the workflow keeps (answered by the SDK's metadata query, as
 * the UI asks), the summaries on its timers and activities in the event history, and the
 * descriptions of its signals, query and update.
 */
class ConsoleWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test/secret-path" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        errors: { sql: db, query: "SELECT 0.001 AS value FROM hidden_table", pass: "< 0.01" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      approvals: { approvers: [alice, bob] }
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [errors], approval: true }
        - { name: full, percent: 100, soak: 30m, every: 10m, gates: [errors] }
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void showsTheCutoverAndHowToApproveItAndTheHistoryTellsItsStory() throws Exception {
    FakeWorld world = new FakeWorld().value("errors", 0.002);
    try (Tw tw = new Tw(world)) {
      var plan = Tw.plan(PLAN);
      var parsed = PlanReader.read(PLAN);
      CutoverWorkflow started =
          tw.client.newWorkflowStub(
              CutoverWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(Tw.QUEUE)
                  .setWorkflowId("cutover-shop")
                  .setStaticSummary(StartSummary.summary(parsed, "carol"))
                  .setStaticDetails(StartSummary.details(parsed, "carol"))
                  .build());
      WorkflowClient.start(started::run, CutoverInput.start(plan, "carol"));
      WorkflowStub stub = tw.client.newUntypedWorkflowStub("cutover-shop");
      tw.sleep(Duration.ofMinutes(70));

      var description = stub.describe();
      assertThat(description.getStaticSummary())
          .isEqualTo("cutover shop by carol: canary 10% 1h, full 100% 30m");
      assertThat(description.getStaticDetails())
          .contains("| 1 | canary | 10% | 1h | yes |", "| 2 | full | 100% | 30m | no |");

      WorkflowMetadata metadata =
          stub.query(WorkflowClient.QUERY_TYPE_WORKFLOW_METADATA, WorkflowMetadata.class);
      String details = metadata.getCurrentDetails();
      assertThat(details)
          .startsWith("### shop: AWAITING_APPROVAL")
          .contains(
              "**Stage 1 of 2: canary**: 10% of traffic",
              "**Soak:** 1h, met",
              "| stages\\[0\\].gates\\[0\\] (gate) | errors | 0.002 | \\< 0.01 [critical] | PASS |",
              "**Waiting for approval** of stage canary from alice or bob.",
              "`cutover approve shop --stage canary --by NAME`",
              "`temporal workflow signal --workflow-id cutover-shop --name approve --input"
                  + " '{\"by\":\"NAME\",\"stage\":\"canary\"}'`")
          .doesNotContain("hidden_table", "secret-path", "jdbc");

      Map<String, String> signals =
          metadata.getDefinition().getSignalDefinitionsList().stream()
              .collect(
                  Collectors.toMap(
                      WorkflowInteractionDefinition::getName,
                      WorkflowInteractionDefinition::getDescription));
      assertThat(signals.keySet())
          .contains(
              "approve",
              "abort",
              "pause",
              "resume",
              "promote",
              "acknowledge",
              "retry",
              "abandon",
              "confirm");
      assertThat(signals).allSatisfy((name, text) -> assertThat(text).contains("\"by\""));
      assertThat(metadata.getDefinition().getQueryDefinitionsList())
          .filteredOn(q -> q.getName().equals("status"))
          .singleElement()
          .satisfies(q -> assertThat(q.getDescription()).startsWith("The whole picture"));
      assertThat(metadata.getDefinition().getUpdateDefinitionsList())
          .filteredOn(u -> u.getName().equals("operate"))
          .singleElement()
          .satisfies(u -> assertThat(u.getDescription()).startsWith("Any of the signals"));

      // The input the details give, sent as a person would paste it, moves the cutover on.
      stub.signal(
          "approve",
          JSON.readValue("{\"by\":\"alice\",\"stage\":\"canary\"}", SignalPayload.class));
      tw.sleep(Duration.ofMinutes(45));
      assertThat(tw.result(started).state()).isEqualTo("COMPLETED");

      List<HistoryEvent> events = tw.client.fetchHistory("cutover-shop").getEvents();
      List<String> timers = summaries(events, EventType.EVENT_TYPE_TIMER_STARTED);
      assertThat(timers)
          .contains("measure errors (soak canary 1h)", "measure errors (soak full 30m)")
          .allSatisfy(s -> assertThat(s).isNotEmpty());
      List<String> activities = summaries(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      assertThat(activities)
          .contains("admit the plan", "measure errors", "set traffic to 10%", "set traffic to 100%")
          .allSatisfy(s -> assertThat(s).isNotEmpty());
      assertThat(String.join("\n", activities) + String.join("\n", timers))
          .doesNotContain("hidden_table", "secret-path", "flags.test");
    }
  }

  private static List<String> summaries(List<HistoryEvent> events, EventType type) {
    return events.stream()
        .filter(e -> e.getEventType() == type)
        .map(e -> e.getUserMetadata().getSummary())
        .map(ConsoleWorkflowTest::text)
        .toList();
  }

  private static String text(Payload p) {
    return p.getData().isEmpty()
        ? ""
        : DefaultDataConverter.newDefaultInstance().fromPayload(p, String.class, String.class);
  }
}
