package dev.cutover.bench;

import static dev.cutover.bench.Server.activityEvent;
import static dev.cutover.bench.Server.activityType;
import static dev.cutover.bench.Server.firstAfter;
import static dev.cutover.bench.Server.is;
import static dev.cutover.bench.Server.lastBefore;
import static dev.cutover.bench.Server.time;
import static io.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;
import static io.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED;
import static io.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED;
import static io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;
import static io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.SignalPayload;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Figures 1 and 2 against the real dev server and the real worker process: signal latency (approve,
 * abort) and breach-to-rollback, with the demo target as the flag API and application. Cutovers run
 * one at a time so each sample sees an otherwise idle worker.
 */
final class LiveBench {
  static final String STARTER = "bench";
  static final String APPROVER = "alice";

  /** The breach rule: {@code every: 1s, for: 5s} on the new path's error rate. */
  static final int BREACH_FOR_SECONDS = 5;

  private final Server server;
  private final String taskQueue;
  private final String run;
  private final Report report;

  LiveBench(Server server, String taskQueue, String run, Report report) {
    this.server = server;
    this.taskQueue = taskQueue;
    this.run = run;
    this.report = report;
  }

  // ------------------------------------------------------------------ latency

  static String latencyPlan(String targetUrl, String flag) {
    return """
        version: 1
        name: bench-latency
        description: bench - approve and abort latency
        connections:
          target: { http: "%s" }
        checks:
          health:
            http: GET target:/health
            expect: { status: 200 }
        traffic:
          set: { http: "PUT target:/api/flags/%s", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/%s", value: "$.value" }
        stages:
          - { name: canary, percent: 10, soak: 2s, every: 1s, gates: [health], approval: true }
          - { name: half, percent: 50, soak: 30d, every: 1h, gates: [health] }
        watch:
          - { check: health, every: 1m }
        rollback:
          percent: 0
          then: hold
        approvals:
          approvers: [alice]
          fourEyes: true
        """
        .formatted(targetUrl, flag, flag);
  }

  /** One phase of a signal's way to the target, per sample. */
  private record Phases(
      double clientToSignaled,
      double signaledToTaskStarted,
      double taskToActivityScheduled,
      double activityScheduleToStart,
      double activityStartToWrite,
      double writeToActivityCompleted) {
    double[] all() {
      return new double[] {
        clientToSignaled,
        signaledToTaskStarted,
        taskToActivityScheduled,
        activityScheduleToStart,
        activityStartToWrite,
        writeToActivityCompleted
      };
    }
  }

  void latency(int cutovers) {
    List<Double> approve = new ArrayList<>();
    List<Double> abort = new ArrayList<>();
    List<Double> abortReadBack = new ArrayList<>();
    List<Phases> approvePhases = new ArrayList<>();
    List<Phases> abortPhases = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (DemoTarget target = DemoTarget.start(0)) {
      for (int i = 0; i < cutovers; i++) {
        String id = "cutover-bench-" + run + "-latency-" + i;
        String flag = "bench-" + run + "-latency-" + i;
        try {
          WorkflowStub stub =
              server.start(
                  id,
                  taskQueue,
                  PlanReader.parseTree(latencyPlan(target.baseUrl(), flag)),
                  STARTER);
          server.awaitStatus(
              id,
              s -> "AWAITING_APPROVAL".equals(s.path("state").asText()),
              Duration.ofSeconds(60),
              50,
              "AWAITING_APPROVAL");
          Bench.sleep(200); // let the worker go idle: the sample measures the signal, not a queue
          long tApprove = System.currentTimeMillis();
          stub.signal("approve", new SignalPayload("canary", APPROVER, "bench", null, null));
          Change c50 = awaitChange(target, flag, "50", tApprove, Duration.ofSeconds(30));

          server.awaitStatus(
              id,
              s ->
                  "SOAKING".equals(s.path("state").asText())
                      && s.path("percent").asInt() == 50
                      && allRulesMeasured(s),
              Duration.ofSeconds(60),
              50,
              "SOAKING at 50%");
          Bench.sleep(300);
          long tAbort = System.currentTimeMillis();
          stub.signal("abort", new SignalPayload(null, "bob", null, "bench: abort latency", null));
          Change c0 = awaitChange(target, flag, "0", tAbort, Duration.ofSeconds(30));
          server.awaitStatus(
              id,
              s -> "ROLLED_BACK".equals(s.path("state").asText()),
              Duration.ofSeconds(60),
              50,
              "ROLLED_BACK");
          stub.signal("abandon", new SignalPayload(null, STARTER, null, "bench done", null));
          awaitEnd(stub);
          server.forget(id);

          List<HistoryEvent> h = server.history(id, null);
          Phases pa = phases(h, "approve", tApprove, c50.atMillis());
          Phases pb = phases(h, "abort", tAbort, c0.atMillis());
          approve.add((double) (c50.atMillis() - tApprove));
          abort.add((double) (c0.atMillis() - tAbort));
          approvePhases.add(pa);
          abortPhases.add(pb);
          abortReadBack.add(Arrays2.sum(pb.all()));
          Bench.progress(
              "latency %d/%d: approve -> 50%% written %d ms; abort -> 0%% written %d ms, read back %.0f ms",
              i + 1,
              cutovers,
              c50.atMillis() - tApprove,
              c0.atMillis() - tAbort,
              Arrays2.sum(pb.all()));
        } catch (RuntimeException e) {
          failures.add(id + ": " + e.getMessage());
          Bench.progress("latency %d/%d failed: %s", i + 1, cutovers, e.getMessage());
          server.terminateStarted("bench: sample failed");
        }
      }
    }
    String section = "1. Signal latency (dev server, real worker process)";
    report.judged(
        section,
        "`approve` signal sent → next stage's traffic written at the target",
        "p95 ≤ 100 ms",
        "ms",
        Stats.of(approve),
        100,
        "p95",
        "client clock before `signal(approve)` to the demo target's record of the 50% write (Change.atMillis)");
    report.judged(
        section,
        "`abort` signal sent → traffic at rollback percent, read back",
        "p95 ≤ 100 ms",
        "ms",
        Stats.of(abortReadBack),
        100,
        "p95",
        "client clock before `signal(abort)` to the ActivityTaskCompleted event of the rollback's traffic step, "
            + "which completes only after the activity read the flag back");
    report.info(
        section,
        "`abort` signal sent → rollback percent written at the target",
        "ms",
        Stats.of(abort),
        "to the demo target's record of the 0% write; the read-back follows");
    phaseTable(
        "Where the time goes: `approve` → next stage applied (median of "
            + approvePhases.size()
            + ")",
        approvePhases);
    phaseTable(
        "Where the time goes: `abort` → rollback applied and read back (median of "
            + abortPhases.size()
            + ")",
        abortPhases);
    if (!failures.isEmpty()) {
      report.note(
          "latency: "
              + failures.size()
              + " of "
              + cutovers
              + " cutovers gave no sample: "
              + String.join("; ", failures));
    }
  }

  private static boolean allRulesMeasured(JsonNode status) {
    for (JsonNode r : status.path("rules")) {
      if (r.path("measuredAt").isNull() || r.path("measuredAt").isMissingNode()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Splits the way from the client's send to the read-back into the phases the history shows. The
   * workflow task that handles the signal is the first one started after the Signaled event.
   */
  private static Phases phases(List<HistoryEvent> h, String signal, long sentAt, long writtenAt) {
    HistoryEvent sig =
        firstAfter(
            h,
            0,
            e ->
                is(e, EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                    && e.getWorkflowExecutionSignaledEventAttributes()
                        .getSignalName()
                        .equals(signal));
    if (sig == null) {
      throw new IllegalStateException("no " + signal + " signal in history");
    }
    HistoryEvent wft =
        firstAfter(h, sig.getEventId(), e -> is(e, EVENT_TYPE_WORKFLOW_TASK_STARTED));
    HistoryEvent sched =
        firstAfter(
            h,
            sig.getEventId(),
            e ->
                (is(e, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) && Server.isApply(e))
                    || Server.isApplyMarker(e));
    if (wft == null || sched == null) {
      throw new IllegalStateException(
          "no workflow task or apply activity after the " + signal + " signal");
    }
    if (Server.isApplyMarker(sched)) {
      // A local activity: written and read back inside the workflow task, recorded as its marker
      // when the task completes. No scheduling and no poller in between.
      return new Phases(
          time(sig) - sentAt,
          time(wft) - time(sig),
          0,
          0,
          writtenAt - time(wft),
          time(sched) - writtenAt);
    }
    HistoryEvent started = activityEvent(h, sched, EVENT_TYPE_ACTIVITY_TASK_STARTED);
    HistoryEvent completed = activityEvent(h, sched, EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    if (started == null || completed == null) {
      throw new IllegalStateException(
          "the apply activity after the " + signal + " signal did not complete");
    }
    return new Phases(
        time(sig) - sentAt,
        time(wft) - time(sig),
        time(sched) - time(wft),
        time(started) - time(sched),
        writtenAt - time(started),
        time(completed) - writtenAt);
  }

  private void phaseTable(String title, List<Phases> samples) {
    if (samples.isEmpty()) {
      return;
    }
    String[] names = {
      "client send → Signaled event (server accepted the signal)",
      "Signaled → WorkflowTaskStarted (worker picked up the task)",
      "WorkflowTaskStarted → ActivityTaskScheduled (workflow decided; task completed; 0 for a"
          + " local activity)",
      "ActivityTaskScheduled → ActivityTaskStarted (activity schedule-to-start; 0 for a local"
          + " activity)",
      "ActivityTaskStarted (local: WorkflowTaskStarted) → write recorded at the target (HTTP PUT)",
      "write at the target → ActivityTaskCompleted (local: its marker) (read-back GET, completion)"
    };
    List<List<String>> rows = new ArrayList<>();
    double total = 0;
    for (int p = 0; p < names.length; p++) {
      int k = p;
      Stats s = Stats.of(samples.stream().mapToDouble(x -> x.all()[k]).toArray());
      total += s.median();
      rows.add(
          List.of(
              names[p],
              Report.fmt(s.median(), "ms"),
              Report.fmt(s.p95(), "ms"),
              Report.fmt(s.max(), "ms")));
    }
    rows.add(List.of("sum of medians", Report.fmt(total, "ms"), "", ""));
    report.table(title, List.of("phase", "median", "p95", "max"), rows);
  }

  // ------------------------------------------------------------------ breach

  static String breachPlan(String targetUrl) {
    return """
        version: 1
        name: bench-breach
        description: bench - breach to rollback
        connections:
          target: { http: "%s" }
        checks:
          v2_error_rate:
            http: GET target:/stats
            value: $.error_rate
            pass: "< 0.05"
        traffic:
          set: { http: "PUT target:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/v2-rollout", value: "$.value" }
        stages:
          - { name: canary, percent: 20, soak: 30d, every: 1h, gates: [v2_error_rate] }
        watch:
          - { check: v2_error_rate, every: 1s, for: %ds, severity: critical }
        rollback:
          percent: 0
          then: hold
        """
        .formatted(targetUrl, BREACH_FOR_SECONDS);
  }

  /**
   * One breach: measurement times are the engine's (the workflow task that took the reading in).
   */
  record BreachSample(
      long jumpAt, double firstFailAt, double detectedAt, long writtenAt, double readBackAt) {}

  void breach(int cycles) {
    List<BreachSample> samples = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < cycles; i++) {
      String id = "cutover-bench-" + run + "-breach-" + i;
      // A fresh demo target per cycle: its error rate is a 10 s sliding window, and the next cycle
      // must not start inside the last one's errors.
      try (DemoTarget target = DemoTarget.start(0)) {
        WorkflowStub stub =
            server.start(
                id, taskQueue, PlanReader.parseTree(breachPlan(target.baseUrl())), STARTER);
        server.awaitStatus(
            id,
            s -> "SOAKING".equals(s.path("state").asText()) && watchPassedTwice(s),
            Duration.ofSeconds(60),
            100,
            "SOAKING with passing watch measurements");
        Bench.sleep(
            ThreadLocalRandom.current()
                .nextLong(0, 1000)); // any phase of the 1 s measurement cycle
        long jump = System.currentTimeMillis();
        target.setErrorRate(0.5);
        Change c0 = awaitChange(target, DemoTarget.ROLLOUT_FLAG, "0", jump, Duration.ofSeconds(60));
        server.awaitStatus(
            id,
            s -> "ROLLED_BACK".equals(s.path("state").asText()),
            Duration.ofSeconds(60),
            100,
            "ROLLED_BACK");
        stub.signal("abandon", new SignalPayload(null, STARTER, null, "bench done", null));
        awaitEnd(stub);
        server.forget(id);
        BreachSample s = analyseBreach(server.history(id, null), jump, c0.atMillis());
        samples.add(s);
        Bench.progress(
            "breach %d/%d: first failing measurement %.0f ms after the jump, detected %.0f ms later, "
                + "rollback written %.0f ms after detection",
            i + 1,
            cycles,
            s.firstFailAt() - jump,
            s.detectedAt() - s.firstFailAt(),
            s.writtenAt() - s.detectedAt());
      } catch (RuntimeException e) {
        failures.add(id + ": " + e.getMessage());
        Bench.progress("breach %d/%d failed: %s", i + 1, cycles, e.getMessage());
        server.terminateStarted("bench: sample failed");
      }
    }
    String section =
        "2. Breach → rollback (rule `every: 1s, for: 5s`, critical; dev server, real worker process)";
    long windowMs = BREACH_FOR_SECONDS * 1000L;
    double limit = windowMs + 200;
    String goal = "≤ for + 200 ms = " + (windowMs + 200) + " ms";
    report.judged(
        section,
        "breach true (first failing measurement + `for`) → rollback written at the target",
        goal,
        "ms",
        Stats.of(
            samples.stream()
                .mapToDouble(s -> s.writtenAt() - (s.firstFailAt() + windowMs))
                .toArray()),
        limit,
        "max",
        "the brief's reading: the breach counts as true once the `for` window after the first failing measurement "
            + "is full. Negative values: the engine breaches on the measurement that completes the span, and with "
            + "1 s timer resolution a span one second short of `for` counts (docs/semantics.md)");
    report.judged(
        section,
        "first failing measurement → rollback written at the target (the stricter reading)",
        goal,
        "ms",
        Stats.of(samples.stream().mapToDouble(s -> s.writtenAt() - s.firstFailAt()).toArray()),
        limit,
        "max",
        "the whole detection window plus the reaction: what an operator sees from the first bad reading");
    report.judged(
        section,
        "breach detected → rollback written at the target",
        "≤ 200 ms",
        "ms",
        Stats.of(samples.stream().mapToDouble(s -> s.writtenAt() - s.detectedAt()).toArray()),
        200,
        "max",
        "from the workflow task that decided the rollback (engine time) to the 0% write");
    report.info(
        section,
        "breach detected → rollback read back (activity completed)",
        "ms",
        Stats.of(samples.stream().mapToDouble(s -> s.readBackAt() - s.detectedAt()).toArray()),
        null);
    report.info(
        section,
        "error rate raised → rollback written at the target",
        "ms",
        Stats.of(samples.stream().mapToDouble(s -> s.writtenAt() - s.jumpAt()).toArray()),
        "includes the demo target's 10 s sliding window climbing past 5% errors (about 1 s at 50% errors)");
    report.detail("breachSamples", samples);
    if (!failures.isEmpty()) {
      report.note(
          "breach: "
              + failures.size()
              + " of "
              + cycles
              + " cycles gave no sample: "
              + String.join("; ", failures));
    }
  }

  private static boolean watchPassedTwice(JsonNode status) {
    for (JsonNode r : status.path("rules")) {
      if ("watch".equals(r.path("role").asText())
          && "PASS".equals(r.path("outcome").asText())
          && r.path("measuredAt").asLong(0)
              > status.path("stage").path("startedAt").asLong(Long.MAX_VALUE) + 1500) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads the breach out of the history: each measure activity's readings, taken in by the next
   * workflow task (whose start time is the engine's measurement time), and the workflow task that
   * scheduled the rollback's traffic step (the detection).
   */
  static BreachSample analyseBreach(List<HistoryEvent> h, long jump, long writtenAt) {
    HistoryEvent rollback = null;
    for (HistoryEvent e : h) {
      if (Server.isApplyMarker(e) && time(e) >= jump) {
        // A local activity (the only effect after the jump is the rollback): decided by the task
        // it ran in, applied and read back when that task completed.
        HistoryEvent task =
            lastBefore(h, e.getEventId(), x -> is(x, EVENT_TYPE_WORKFLOW_TASK_STARTED));
        return new BreachSample(
            jump, firstFailingMeasurement(h, e, jump), time(task), writtenAt, time(e));
      }
      if (is(e, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) && Server.isApply(e)) {
        JsonNode in = Server.input(e);
        if (in.path("idempotencyKey").asText().contains("/rollback-")
            && in.path("step").path("kind").asText().equals("TRAFFIC")) {
          rollback = e;
          break;
        }
      }
    }
    if (rollback == null) {
      throw new IllegalStateException("no rollback traffic step in history");
    }
    HistoryEvent decided =
        lastBefore(h, rollback.getEventId(), e -> is(e, EVENT_TYPE_WORKFLOW_TASK_STARTED));
    HistoryEvent rolledBack = activityEvent(h, rollback, EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    return new BreachSample(
        jump,
        firstFailingMeasurement(h, rollback, jump),
        time(decided),
        writtenAt,
        rolledBack == null ? Double.NaN : time(rolledBack));
  }

  /**
   * When the engine took in the first failing measurement after the jump: the start of the workflow
   * task after its activity completed.
   */
  private static double firstFailingMeasurement(
      List<HistoryEvent> h, HistoryEvent rollback, long jump) {
    Double firstFail = null;
    for (HistoryEvent e : h) {
      if (e.getEventId() > rollback.getEventId()) {
        break;
      }
      if (!is(e, EVENT_TYPE_ACTIVITY_TASK_COMPLETED)) {
        continue;
      }
      long schedId = e.getActivityTaskCompletedEventAttributes().getScheduledEventId();
      HistoryEvent sched =
          h.stream().filter(x -> x.getEventId() == schedId).findFirst().orElseThrow();
      if (!activityType(sched).equals("measure") && !activityType(sched).equals("measurechecks")) {
        continue;
      }
      HistoryEvent takenIn =
          firstAfter(h, e.getEventId(), x -> is(x, EVENT_TYPE_WORKFLOW_TASK_STARTED));
      if (takenIn == null || time(takenIn) < jump) {
        continue;
      }
      JsonNode readings = Server.result(e);
      for (JsonNode r : readings) {
        if ("VALUE".equals(r.path("kind").asText())
            && r.path("value").isNumber()
            && r.path("value").asDouble() >= 0.05) {
          firstFail = time(takenIn);
        }
      }
      if (firstFail != null) {
        break;
      }
    }
    if (firstFail == null) {
      throw new IllegalStateException("no failing measurement after the error rate rose");
    }
    return firstFail;
  }

  private static void awaitEnd(WorkflowStub stub) {
    try {
      stub.getResult(60, TimeUnit.SECONDS, JsonNode.class);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the cutover did not end within 60 s of `abandon`", e);
    }
  }

  /** Waits for the target to record {@code flag = value} at or after {@code since}. */
  static Change awaitChange(
      DemoTarget target, String flag, String value, long since, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<Change> changes = target.changes();
      for (int i = changes.size() - 1; i >= 0; i--) {
        Change c = changes.get(i);
        if (c.atMillis() < since) {
          break;
        }
        if (c.kind().equals(Change.FLAG) && c.name().equals(flag) && c.value().equals(value)) {
          return c;
        }
      }
      Bench.sleep(5);
    }
    throw new IllegalStateException(
        String.format(Locale.ROOT, "flag %s was not set to %s within %s", flag, value, timeout));
  }

  /** Small array helpers. */
  static final class Arrays2 {
    private Arrays2() {}

    static double sum(double[] v) {
      double s = 0;
      for (double x : v) {
        s += x;
      }
      return s;
    }
  }
}
