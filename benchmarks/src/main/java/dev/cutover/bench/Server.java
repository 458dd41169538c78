package dev.cutover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.cutover.workflows.CutoverInput;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The bench's connection to a Temporal server (the dev server, or the in-memory test server for the
 * time-skipping figures): starts cutovers under bench- ids, reads their histories, and terminates
 * whatever it started and is still running. Thread-safe.
 */
final class Server implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NAMESPACE = "default";

  final WorkflowServiceStubs service;
  final WorkflowClient client;
  private final boolean owns;
  private final Set<String> started = ConcurrentHashMap.newKeySet();

  private Server(WorkflowServiceStubs service, WorkflowClient client, boolean owns) {
    this.service = service;
    this.client = client;
    this.owns = owns;
  }

  static Server connect(String address) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newConnectedServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build(),
            Duration.ofSeconds(15));
    return new Server(
        service,
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build()),
        true);
  }

  static Server of(WorkflowClient client) {
    return new Server(client.getWorkflowServiceStubs(), client, false);
  }

  /**
   * Starts a cutover of {@code plan} as {@code workflowId}, which must be {@code cutover-<name>}. A
   * cutover's workflow id is its plan's, and a benchmark starts many cutovers of one plan, so the
   * plan is renamed {@code <name>}.
   */
  WorkflowStub start(String workflowId, String taskQueue, JsonNode plan, String startedBy) {
    if (!workflowId.startsWith("cutover-")) {
      throw new IllegalArgumentException(
          "a cutover's workflow id is cutover-<plan name>, not " + workflowId);
    }
    com.fasterxml.jackson.databind.node.ObjectNode named =
        (com.fasterxml.jackson.databind.node.ObjectNode) plan.deepCopy();
    named.put("name", workflowId.substring("cutover-".length()));
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            "CutoverWorkflow",
            WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(taskQueue).build());
    started.add(workflowId);
    stub.start(CutoverInput.start(named, startedBy));
    return stub;
  }

  WorkflowStub stub(String workflowId) {
    return client.newUntypedWorkflowStub(workflowId);
  }

  /**
   * The status query as JSON (the fields of docs/plan-format.md, "The workflow contract"), or null
   * before the workflow has state.
   */
  JsonNode status(String workflowId) {
    return stub(workflowId).query("status", JsonNode.class);
  }

  /** The run id of {@code workflowId}'s current (latest) run. */
  String currentRunId(String workflowId) {
    return service
        .blockingStub()
        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
        .describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(NAMESPACE)
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
        .getWorkflowExecutionInfo()
        .getExecution()
        .getRunId();
  }

  /** Polls the status query until {@code test} holds; returns the status that satisfied it. */
  JsonNode awaitStatus(
      String workflowId, Predicate<JsonNode> test, Duration timeout, long pollMillis, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = status(workflowId);
      } catch (RuntimeException e) {
        last = null; // not started yet, or the worker is busy: try again
      }
      if (last != null && test.test(last)) {
        return last;
      }
      Bench.sleep(pollMillis);
    }
    throw new IllegalStateException(
        workflowId
            + ": "
            + what
            + " not reached within "
            + timeout
            + "; last status state: "
            + (last == null ? "none" : last.path("state").asText()));
  }

  /** Every event of one run (runId null: the latest run), all pages. */
  List<HistoryEvent> history(String workflowId, String runId) {
    List<HistoryEvent> out = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      WorkflowExecution.Builder exec = WorkflowExecution.newBuilder().setWorkflowId(workflowId);
      if (runId != null) {
        exec.setRunId(runId);
      }
      GetWorkflowExecutionHistoryResponse r =
          service
              .blockingStub()
              .getWorkflowExecutionHistory(
                  GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(NAMESPACE)
                      .setExecution(exec)
                      .setNextPageToken(token)
                      .build());
      out.addAll(r.getHistory().getEventsList());
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  /**
   * Terminates every cutover this bench started that still runs; returns how many it terminated.
   */
  int terminateStarted(String reason) {
    int n = 0;
    for (String id : List.copyOf(started)) {
      try {
        stub(id).terminate(reason);
        n++;
      } catch (RuntimeException e) {
        // already closed (completed, abandoned) or never started
      }
      started.remove(id);
    }
    return n;
  }

  void forget(String workflowId) {
    started.remove(workflowId);
  }

  @Override
  public void close() {
    if (owns) {
      service.shutdown();
    }
  }

  // ------------------------------------------------------------------ history helpers

  static double millis(Timestamp t) {
    return t.getSeconds() * 1000.0 + t.getNanos() / 1_000_000.0;
  }

  static double time(HistoryEvent e) {
    return millis(e.getEventTime());
  }

  static boolean is(HistoryEvent e, EventType type) {
    return e.getEventType() == type;
  }

  /**
   * The activity type of an ActivityTaskScheduled event, lower case ("apply", "measure",
   * "notifypeople").
   */
  /**
   * Whether {@code scheduled} starts an effect: {@code applyEffect} for cutovers started since
   * typed requests, {@code apply} before.
   */
  static boolean isApply(HistoryEvent scheduled) {
    String type = activityType(scheduled);
    return type.equals("apply") || type.equals("applyeffect");
  }

  /**
   * Whether {@code e} records a local activity that applied an effect: traffic and flag steps of
   * cutovers started since the workflow's {@code latency-local-effects} change.
   */
  static boolean isApplyMarker(HistoryEvent e) {
    if (e.getEventType() != EventType.EVENT_TYPE_MARKER_RECORDED
        || !e.getMarkerRecordedEventAttributes().getMarkerName().equals("LocalActivity")) {
      return false;
    }
    var type = e.getMarkerRecordedEventAttributes().getDetailsMap().get("type");
    return type != null
        && type.getPayloadsCount() > 0
        && payload(type.getPayloads(0).getData()).asText().equalsIgnoreCase("applyEffect");
  }

  static String activityType(HistoryEvent scheduled) {
    return scheduled
        .getActivityTaskScheduledEventAttributes()
        .getActivityType()
        .getName()
        .toLowerCase(Locale.ROOT);
  }

  /** The first payload of an activity's input, as JSON. */
  static JsonNode input(HistoryEvent scheduled) {
    return payload(
        scheduled.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0).getData());
  }

  /** The first payload of an activity's result, as JSON (null for a void result). */
  static JsonNode result(HistoryEvent completed) {
    var r = completed.getActivityTaskCompletedEventAttributes().getResult();
    return r.getPayloadsCount() == 0 ? null : payload(r.getPayloads(0).getData());
  }

  static JsonNode payload(ByteString data) {
    try {
      return JSON.readTree(data.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("payload is not JSON", e);
    }
  }

  static HistoryEvent firstAfter(List<HistoryEvent> h, long afterId, Predicate<HistoryEvent> p) {
    for (HistoryEvent e : h) {
      if (e.getEventId() > afterId && p.test(e)) {
        return e;
      }
    }
    return null;
  }

  static HistoryEvent lastBefore(List<HistoryEvent> h, long beforeId, Predicate<HistoryEvent> p) {
    HistoryEvent found = null;
    for (HistoryEvent e : h) {
      if (e.getEventId() >= beforeId) {
        break;
      }
      if (p.test(e)) {
        found = e;
      }
    }
    return found;
  }

  /** The Started (or Completed) event of the activity scheduled as {@code scheduled}. */
  static HistoryEvent activityEvent(List<HistoryEvent> h, HistoryEvent scheduled, EventType type) {
    long id = scheduled.getEventId();
    return firstAfter(
        h,
        id,
        e ->
            e.getEventType() == type
                && switch (type) {
                  case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
                      e.getActivityTaskStartedEventAttributes().getScheduledEventId() == id;
                  case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
                      e.getActivityTaskCompletedEventAttributes().getScheduledEventId() == id;
                  default -> false;
                });
  }
}
