package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.plan.PlanReader;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.FailureTypes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.ContinueAsNewOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged and malformed starts against a real worker process on the Temporal dev server, sent as an
 * attacker with access to the namespace would: with the `temporal` CLI (raw JSON, a non-JSON
 * payload), and with the Java client (a cron schedule, another workflow continuing as new into a
 * cutover). Each fails its workflow at once, non-retryably, naming what is wrong; no workflow task
 * fails; the target's flags never change.
 */
class ForgedStartsIT {
  static final String INVALID =
      "invalid input (a new cutover's input is {\"plan\": <the plan as JSON>, \"startedBy\":"
          + " \"<person>\"}):\n  ";
  static final String CARRIED =
      ": carried only by continue-as-new from a running cutover; a new cutover starts at"
          + " its first stage, reads its plan by the newest rules and asks the worker's admission itself";

  @TempDir Path dir;

  /** Someone else's workflow, on their own task queue, continuing as new into a cutover on ours. */
  @WorkflowInterface
  public interface Foreign {
    @WorkflowMethod
    void run(String taskQueue, JsonNode handover);
  }

  public static class ForeignImpl implements Foreign {
    @Override
    public void run(String taskQueue, JsonNode handover) {
      Workflow.continueAsNew(
          "CutoverWorkflow",
          ContinueAsNewOptions.newBuilder().setTaskQueue(taskQueue).build(),
          handover);
    }
  }

  record Tried(String what, String type, String message) {}

  @Test
  void forgedAndMalformedStartsFailAtOnceAndChangeNothing() throws Exception {
    String address = Services.temporalAddress();
    TemporalCli temporal = new TemporalCli(Services.temporalBin().toString(), address);
    String name = "forged-" + UUID.randomUUID().toString().substring(0, 8);
    String id = "cutover-" + name;
    String queue = "e2e-" + name;
    WorkflowClient client =
        WorkflowClient.newInstance(
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(address).build()));
    List<Tried> tried = new ArrayList<>();
    try (DemoTarget target = DemoTarget.start(0);
        WorkerProcess w =
            Workers.start(address, queue, Map.of("DEMO_TARGET_URL", target.baseUrl()), dir)) {
      JsonNode plan = PlanReader.parseTree(Plans.canary(name));
      JsonNode forged = forgedState(plan);

      // With the temporal CLI, as typed.
      String[][] cli = {
        {
          "a state at the last stage, approved by alice",
          id,
          input(plan, "mallory").set("state", forged).toString()
        },
        {
          "the first release's looser plan rules",
          id,
          input(plan, "mallory").put("planRules", "FIRST_RELEASE").toString()
        },
        {
          "admission's answer",
          id,
          input(plan, "mallory").put("signaturesRequired", false).toString()
        },
        {"another workflow id", "cutover-" + name + "-again", input(plan, "mallory").toString()},
        {"an array", id, "[1, 2]"},
        {"startedBy a number", id, input(plan, "x").put("startedBy", 7).toString()},
        {"an unknown field", id, input(plan, "mallory").put("priority", "high").toString()},
        {"a plan that is a string", id, "{\"plan\": \"shop.yaml\", \"startedBy\": \"mallory\"}"}
      };
      for (String[] c : cli) {
        temporal.run(
            "workflow",
            "start",
            "--type",
            "CutoverWorkflow",
            "--task-queue",
            queue,
            "--workflow-id",
            c[1],
            "--input",
            c[2]);
        tried.add(failure(client, c[0], c[1]));
      }
      temporal.run(
          "workflow",
          "start",
          "--type",
          "CutoverWorkflow",
          "--task-queue",
          queue,
          "--workflow-id",
          id,
          "--input-meta",
          "encoding=binary/plain",
          "--input",
          "not json at all");
      tried.add(failure(client, "bytes instead of JSON", id));

      // With the Java client: a cron schedule, whose later runs follow a run that failed.
      WorkflowStub cron =
          client.newUntypedWorkflowStub(
              "CutoverWorkflow",
              WorkflowOptions.newBuilder()
                  .setTaskQueue(queue)
                  .setWorkflowId(id)
                  .setCronSchedule("@every 3s")
                  .build());
      cron.start(input(plan, "mallory").set("state", forged));
      List<String> cronFailures = cronFailures(client, id, 3, Duration.ofSeconds(40));
      cron.terminate("test over");
      for (String f : cronFailures) {
        tried.add(new Tried("a cron schedule carrying a state", FailureTypes.INVALID_INPUT, f));
      }

      // Another workflow, on another task queue, continuing as new into a cutover on ours.
      String elsewhere = "elsewhere-" + name;
      WorkerFactory attacker = WorkerFactory.newInstance(client);
      attacker.newWorker(elsewhere).registerWorkflowImplementationTypes(ForeignImpl.class);
      attacker.start();
      try {
        ObjectNode handover = input(plan, "mallory").set("state", forged);
        handover.put("planRules", "HARDENED").put("signaturesRequired", false);
        WorkflowStub foreign =
            client.newUntypedWorkflowStub(
                "Foreign",
                WorkflowOptions.newBuilder().setTaskQueue(elsewhere).setWorkflowId(id).build());
        String previous = foreign.start(queue, handover).getRunId();
        Tried t = failure(client, "another workflow continuing as new into a cutover", id);
        tried.add(t);
        assertThat(t.message())
            .isEqualTo(
                "state, planRules and signaturesRequired are carried only by continue-as-new"
                    + " from a cutover; this run follows run "
                    + previous
                    + ", a \"Foreign\" run on task queue \""
                    + elsewhere
                    + "\" that ended CONTINUED_AS_NEW; a new cutover's input is {\"plan\": <the plan as JSON>, \"startedBy\": \"<person>\"}");
      } finally {
        attacker.shutdownNow();
      }

      assertThat(tried.subList(0, 9))
          .extracting(Tried::message)
          .containsExactly(
              INVALID + "state" + CARRIED,
              INVALID + "planRules" + CARRIED,
              INVALID + "signaturesRequired" + CARRIED,
              "the workflow id must be "
                  + id
                  + " (cutover-<plan name>), not \""
                  + id
                  + "-again\": one cutover per plan, so"
                  + " that two never drive one switch",
              INVALID + "input: an array, not an object",
              INVALID + "startedBy: a number, not a string",
              INVALID + "unknown field \"priority\"",
              INVALID + "plan: a string, not the plan as a JSON object",
              tried.get(8).message());
      assertThat(tried.get(8).type())
          .isEqualTo("io.temporal.common.converter.DataConverterException");
      assertThat(cronFailures).hasSizeGreaterThanOrEqualTo(2);
      assertThat(cronFailures.get(cronFailures.size() - 1)).isEqualTo(INVALID + "state" + CARRIED);
      assertThat(cronFailures.subList(0, cronFailures.size() - 1))
          .allSatisfy(
              m ->
                  assertThat(m)
                      .startsWith(
                          "state, planRules and signaturesRequired are carried only by continue-as-new from a cutover; this run follows run ")
                      .contains(
                          ", a \"CutoverWorkflow\" run on task queue \""
                              + queue
                              + "\" that ended FAILED;"));
      assertThat(target.changes()).as("the target's flags never changed").isEmpty();
      System.out.println(
          "forged starts tried: "
              + tried.size()
              + " (accepted: 0; flag changes: "
              + target.changes().size()
              + ")");
    } finally {
      client.getWorkflowServiceStubs().shutdownNow();
    }
  }

  static ObjectNode input(JsonNode plan, String startedBy) {
    ObjectNode o = TemporalCli.JSON.createObjectNode();
    o.set("plan", plan);
    o.put("startedBy", startedBy);
    return o;
  }

  /**
   * The state of a cutover at its last stage, "approved by alice", as a forger would hand it in.
   */
  static JsonNode forgedState(JsonNode plan) {
    CutoverState s = new Engine(PlanReader.fromTree(plan)).start("carol", 0).state();
    ObjectNode o = TemporalCli.JSON.valueToTree(s);
    o.put("stage", 2).put("phase", "SOAKING").put("percent", 100);
    o.set(
        "approval",
        TemporalCli.JSON.valueToTree(new CutoverState.Approval("full", "alice", 0, "lgtm")));
    return o;
  }

  /**
   * The failure of the workflow's latest run, which must have failed by its first workflow task.
   */
  static Tried failure(WorkflowClient client, String what, String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var info =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace("default")
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                      .build())
              .getWorkflowExecutionInfo();
      if (info.hasCloseTime()) {
        List<HistoryEvent> events =
            client.fetchHistory(id, info.getExecution().getRunId()).getEvents();
        assertThat(events)
            .as(what)
            .noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
        HistoryEvent last = events.get(events.size() - 1);
        assertThat(last.getEventType())
            .as(what)
            .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
        var f = last.getWorkflowExecutionFailedEventAttributes().getFailure();
        if (f.getApplicationFailureInfo().getType().equals(FailureTypes.INVALID_INPUT)) {
          assertThat(f.getApplicationFailureInfo().getNonRetryable()).as(what).isTrue();
        }
        return new Tried(what, f.getApplicationFailureInfo().getType(), f.getMessage());
      }
      Thread.sleep(100);
    }
    throw new AssertionError(what + ": the workflow " + id + " did not fail within 30 s");
  }

  /**
   * The failures of every finished run of a cron workflow, newest first, once at least {@code n}
   * have run.
   */
  static List<String> cronFailures(WorkflowClient client, String id, int n, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> failures = new ArrayList<>();
      String runId =
          client
              .fetchHistory(id)
              .getEvents()
              .get(0)
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      while (!runId.isEmpty()) {
        List<HistoryEvent> events = client.fetchHistory(id, runId).getEvents();
        assertThat(events)
            .noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
        HistoryEvent last = events.get(events.size() - 1);
        failures.add(last.getWorkflowExecutionFailedEventAttributes().getFailure().getMessage());
        runId =
            events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      }
      if (failures.size() >= n) {
        return failures;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the cron workflow " + id + " did not run " + n + " times within " + timeout);
  }
}
