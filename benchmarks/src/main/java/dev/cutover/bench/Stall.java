package dev.cutover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.testing.TimeSkippingServer;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a cutover that stopped making progress was doing: the status query's answer (asked with a
 * deadline: a workflow whose tasks fail cannot answer it), the service's pending activities and
 * workflow task, the timers it still waits for, and the last workflow task failure in its history.
 * A benchmark that stops advancing fails with this text instead of waiting until it is killed.
 */
final class Stall {
  private Stall() {}

  /** A one-paragraph account of {@code workflowId}'s current run, for a report and a log. */
  static String describe(Server server, String workflowId) {
    List<String> parts = new ArrayList<>();
    parts.add("status query: " + status(server, workflowId));
    try {
      DescribeWorkflowExecutionResponse d =
          server
              .service
              .blockingStub()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(Server.NAMESPACE)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
      var info = d.getWorkflowExecutionInfo();
      parts.add(
          "run "
              + info.getExecution().getRunId()
              + " "
              + info.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "")
              + ", "
              + info.getHistoryLength()
              + " events");
      List<String> acts = new ArrayList<>();
      for (PendingActivityInfo a : d.getPendingActivitiesList()) {
        acts.add(
            a.getActivityType().getName()
                + " "
                + a.getState().name().replace("PENDING_ACTIVITY_STATE_", "")
                + " attempt "
                + a.getAttempt()
                + (a.hasLastFailure() ? " last failure: " + a.getLastFailure().getMessage() : ""));
      }
      parts.add("pending activities: " + (acts.isEmpty() ? "none" : String.join("; ", acts)));
      parts.add(
          "pending workflow task: "
              + (d.hasPendingWorkflowTask()
                  ? d.getPendingWorkflowTask()
                          .getState()
                          .name()
                          .replace("PENDING_WORKFLOW_TASK_STATE_", "")
                      + " attempt "
                      + d.getPendingWorkflowTask().getAttempt()
                  : "none"));
      List<HistoryEvent> h = server.history(workflowId, info.getExecution().getRunId());
      parts.addAll(fromHistory(h));
      String previous =
          h.isEmpty()
              ? ""
              : h.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (!previous.isEmpty()) {
        List<HistoryEvent> before = server.history(workflowId, previous);
        List<String> open = TimeSkippingServer.activitiesOpenAtEnd(before);
        fromHistory(before).stream()
            .filter(line -> line.startsWith("last workflow task failure"))
            .forEach(line -> parts.add("previous run's " + line));
        parts.add(
            "activities the previous run "
                + previous
                + " left open when it continued as new: "
                + (open.isEmpty() ? "none" : String.join(", ", open)));
      }
    } catch (RuntimeException e) {
      parts.add("describe failed: " + e.getMessage());
    }
    return String.join("; ", parts);
  }

  /** The timers still running and the last workflow task failure, from one run's history. */
  static List<String> fromHistory(List<HistoryEvent> h) {
    Set<String> timers = new java.util.LinkedHashSet<>();
    Set<String> closed = new HashSet<>();
    HistoryEvent lastFailure = null;
    for (HistoryEvent e : h) {
      switch (e.getEventType()) {
        case EVENT_TYPE_TIMER_STARTED ->
            timers.add(
                e.getTimerStartedEventAttributes().getTimerId()
                    + " ("
                    + e.getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds()
                    + " s)");
        case EVENT_TYPE_TIMER_FIRED -> closed.add(e.getTimerFiredEventAttributes().getTimerId());
        case EVENT_TYPE_TIMER_CANCELED ->
            closed.add(e.getTimerCanceledEventAttributes().getTimerId());
        case EVENT_TYPE_WORKFLOW_TASK_FAILED, EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT -> lastFailure = e;
        default -> {}
      }
    }
    timers.removeIf(t -> closed.contains(t.substring(0, t.indexOf(' '))));
    List<String> out = new ArrayList<>();
    out.add("timers running: " + (timers.isEmpty() ? "none" : String.join(", ", timers)));
    if (lastFailure != null) {
      String what =
          lastFailure.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
              ? lastFailure.getWorkflowTaskFailedEventAttributes().getCause().name()
                  + ": "
                  + firstLine(
                      lastFailure.getWorkflowTaskFailedEventAttributes().getFailure().getMessage())
              : "timed out";
      out.add("last workflow task failure (event " + lastFailure.getEventId() + "): " + what);
    }
    HistoryEvent last = h.isEmpty() ? null : h.get(h.size() - 1);
    if (last != null) {
      out.add(
          "last event: "
              + last.getEventId()
              + " "
              + last.getEventType().name().replace("EVENT_TYPE_", ""));
    }
    return out;
  }

  private static String status(Server server, String workflowId) {
    try {
      JsonNode s =
          CompletableFuture.supplyAsync(() -> server.status(workflowId)).get(10, TimeUnit.SECONDS);
      if (s == null) {
        return "no state yet";
      }
      return String.format(
          Locale.ROOT,
          "%s in stage %s at %s%%, asOf %d, pending approval %s",
          s.path("state").asText(),
          s.path("stage").path("name").asText(),
          s.path("percent").asText(),
          s.path("asOf").asLong(),
          s.path("pendingApproval").isMissingNode() ? "none" : s.path("pendingApproval"));
    } catch (java.util.concurrent.TimeoutException e) {
      return "no answer within 10 s";
    } catch (java.util.concurrent.ExecutionException e) {
      return "failed: " + firstLine(String.valueOf(e.getCause().getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
