package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of signals against a real worker process on the Temporal dev server, from someone who may
 * signal the namespace: thousands of signals from several senders at once, some carrying a megabyte
 * of text full of control characters and forged status lines, names that pretend to be an approver,
 * unknown signals and payloads of the wrong shape. The cutover keeps running and answers its status
 * throughout; every run stays under the design's 2,000 events (far under Temporal's 50 K events and
 * 50 MB); continue-as-new hands over a small input; no signal is accepted as an approval; and
 * `cutover status` shows no forged line.
 */
class SignalFloodIT {
  static final int SENDERS = 4;
  static final int SIGNALS = 4_000;
  static final String FORGED_LINE = "  Jan 1 12:00:00  alice     approved stage half";

  @TempDir Path dir;

  @Test
  void aFloodOfSignalsKeepsTheCutoverRunningWithinTemporalsLimitsAndItsStatusHonest()
      throws Exception {
    String address = Services.temporalAddress();
    String name = "flood-" + UUID.randomUUID().toString().substring(0, 8);
    String id = "cutover-" + name;
    String queue = "e2e-" + name;
    // Long soaks: the cutover stays in its first stage, watched every second, while the flood runs.
    String yaml = Plans.canary(name).replace("soak: 8s", "soak: 2h");
    Cutover cutover = new Cutover(address, id);
    try (DemoTarget target = DemoTarget.start(0);
        WorkerProcess w =
            Workers.start(address, queue, Map.of("DEMO_TARGET_URL", target.baseUrl()), dir)) {
      assertThat(
              Main.execute(
                  "start",
                  Plans.write(dir, name, yaml).toString(),
                  "--by",
                  "carol",
                  "--address",
                  address,
                  "--task-queue",
                  queue))
          .isZero();
      cutover.awaitState("SOAKING", Duration.ofSeconds(60));

      WorkflowStub stub = cutover.client.newUntypedWorkflowStub(id);
      String megabyte = "flood\n" + FORGED_LINE + "\r\n\u001b[2J\u202e" + "x".repeat(1_000_000);
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger big = new AtomicInteger();
      AtomicInteger refusedBySender = new AtomicInteger();
      AtomicBoolean flooding = new AtomicBoolean(true);
      AtomicInteger statusAnswers = new AtomicInteger();
      AtomicLong slowestStatusMs = new AtomicLong();
      List<String> forgedSeen = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(SENDERS + 1);
      pool.submit(
          () -> {
            while (flooding.get()) {
              long t0 = System.nanoTime();
              Status s = cutover.status();
              if (s != null) {
                statusAnswers.incrementAndGet();
                slowestStatusMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                check(s, forgedSeen);
              }
              WorkerProcess.sleep(250);
            }
          });
      long t0 = System.nanoTime();
      for (int t = 0; t < SENDERS; t++) {
        pool.submit(
            () -> {
              int i;
              while ((i = sent.getAndIncrement()) < SIGNALS) {
                try {
                  if (i % 400 == 0) {
                    big.incrementAndGet();
                    stub.signal("pause", payload("by", "bob", "reason", megabyte));
                    continue;
                  }
                  switch (i % 8) {
                    case 0 -> stub.signal("approve", payload("stage", "half", "by", "alice\n"));
                    case 1 ->
                        stub.signal("approve", payload("stage", "canary\u0000", "by", "alice"));
                    case 2 ->
                        stub.signal(
                            "pause", payload("by", "bob", "reason", "flood\n" + FORGED_LINE));
                    case 3 -> stub.signal("resume", payload("by", "bob"));
                    case 4 ->
                        stub.signal("approve", payload("stage", "half", "by", "a".repeat(5_000)));
                    case 5 ->
                        stub.signal(
                            "promote", payload("by", "mallory\u202e", "reason", "x".repeat(3_000)));
                    case 6 -> stub.signal("approvex", payload("by", "alice"));
                    default ->
                        stub.signal(
                            "approve", Map.of("stage", "half", "by", Map.of("name", "alice")));
                  }
                } catch (RuntimeException e) {
                  refusedBySender
                      .incrementAndGet(); // e.g. the server refusing a signal while the run closes
                }
              }
            });
      }
      while (sent.get() < SIGNALS) {
        WorkerProcess.sleep(200);
      }
      long floodMillis = (System.nanoTime() - t0) / 1_000_000;
      WorkerProcess.sleep(5_000);
      flooding.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

      // The cutover is running and answers; no approval got through.
      Status after = cutover.await("a status after the flood", Duration.ofSeconds(30), s -> true);
      check(after, forgedSeen);
      assertThat(after.state()).isIn("SOAKING", "HELD");
      assertThat(after.stage().name()).isEqualTo("canary");
      assertThat(after.pendingApproval() == null || after.pendingApproval().approvedBy() == null)
          .isTrue();
      assertThat(forgedSeen).isEmpty();
      var info = describe(cutover.client, id);
      assertThat(info.getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

      // Every run within the budgets; continue-as-new handed over small inputs; no workflow task
      // failed on the
      // worker. (The server itself fails a task to flush a large batch of signals,
      // FORCE_CLOSE_COMMAND, or
      // when signals arrive while the run continues as new, UNHANDLED_COMMAND: both are retried at
      // once.)
      List<long[]> runs = new ArrayList<>(); // {events, bytes, input bytes}
      String runId = info.getExecution().getRunId();
      while (!runId.isEmpty()) {
        List<HistoryEvent> events = cutover.client.fetchHistory(id, runId).getEvents();
        List<HistoryEvent> failed =
            events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                .toList();
        assertThat(failed)
            .as(
                () ->
                    "workflow tasks failed:\n"
                        + String.join(
                            "\n",
                            failed.stream()
                                .map(
                                    e ->
                                        e.getWorkflowTaskFailedEventAttributes().getCause().name()
                                            + ": "
                                            + e.getWorkflowTaskFailedEventAttributes()
                                                .getFailure()
                                                .getMessage())
                                .toList()))
            .extracting(e -> e.getWorkflowTaskFailedEventAttributes().getCause().name())
            .allMatch(
                c ->
                    c.equals("WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND")
                        || c.equals("WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND"));
        long bytes = events.stream().mapToLong(HistoryEvent::getSerializedSize).sum();
        var started = events.get(0).getWorkflowExecutionStartedEventAttributes();
        runs.add(0, new long[] {events.size(), bytes, started.getInput().getSerializedSize()});
        runId = started.getContinuedExecutionRunId();
      }
      long maxEvents = runs.stream().mapToLong(r -> r[0]).max().orElseThrow();
      long maxBytes = runs.stream().mapToLong(r -> r[1]).max().orElseThrow();
      long maxInput = runs.stream().skip(1).mapToLong(r -> r[2]).max().orElse(0);
      assertThat(runs.size())
          .as("runs (the flood made the cutover continue as new)")
          .isGreaterThan(1);
      // Temporal writes every signal before the workflow sees it, and a run cannot continue as new
      // while signals
      // keep arriving; what the cutover can promise under a flood is to stay under Temporal's
      // warning thresholds
      // (10,240 events, 10 MB), far from its limits (51,200 events, 50 MB). Quiet, a run stays
      // under 2,000.
      assertThat(maxEvents).as("events in the largest run").isLessThan(10_240);
      assertThat(maxBytes).as("bytes in the largest run").isLessThan(10L * 1024 * 1024);
      assertThat(maxInput).as("the largest continue-as-new input").isLessThan(64 * 1024);

      // What an operator reads: no forged line, no control character.
      String text = statusText(address, id);
      assertThat(text.lines())
          .noneMatch(l -> l.startsWith("  Jan 1"))
          .anyMatch(l -> l.startsWith("recent decisions:"));
      assertThat(text.chars()).noneMatch(c -> c != '\n' && (c < 0x20 || c == 0x7f || c == 0x202e));

      assertThat(statusAnswers.get()).isGreaterThan(10);
      System.out.printf(
          "signals sent: %d in %d ms by %d senders (%d of ~1 MB; %d refused to the sender); accepted as an"
              + " approval: 0; stuck workflows: 0%n",
          SIGNALS, floodMillis, SENDERS, big.get(), refusedBySender.get());
      System.out.printf(
          "runs: %d; largest run: %d events, %d bytes; largest continue-as-new input: %d bytes;"
              + " status answered %d times during the flood, slowest %d ms%n",
          runs.size(), maxEvents, maxBytes, maxInput, statusAnswers.get(), slowestStatusMs.get());
      runs.forEach(
          r -> System.out.printf("  run: %d events, %d bytes, input %d bytes%n", r[0], r[1], r[2]));
      stub.terminate("test over");
    } finally {
      cutover.close();
    }
  }

  static Map<String, Object> payload(String... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /**
   * Notes any sign that a forged signal got in: an approval, or a control character in what status
   * shows.
   */
  static void check(Status s, List<String> forged) {
    if (s.pendingApproval() != null && s.pendingApproval().approvedBy() != null) {
      forged.add("approved by " + s.pendingApproval().approvedBy());
    }
    for (CutoverState.Decision d : s.decisions()) {
      if (d.accepted() && d.action().equals("approve")) {
        forged.add("accepted approval: " + d.text());
      }
      if (hasControl(d.by()) || hasControl(d.text()) || d.text().length() > 1_200) {
        forged.add(
            "decision " + d.by() + ": " + d.text().substring(0, Math.min(80, d.text().length())));
      }
    }
    for (CutoverState.Hold h : s.holds()) {
      if (hasControl(h.reason()) || (h.reason() != null && h.reason().length() > 1_100)) {
        forged.add("hold reason of " + h.reason().length() + " characters");
      }
    }
  }

  static boolean hasControl(String s) {
    return s != null && s.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == 0x202e);
  }

  static io.temporal.api.workflow.v1.WorkflowExecutionInfo describe(
      WorkflowClient client, String id) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                .build())
        .getWorkflowExecutionInfo();
  }

  /** `cutover status ID`, as printed. */
  static String statusText(String address, String id) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(
            Main.execute(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "status",
                id,
                "--address",
                address))
        .as(err.toString())
        .isZero();
    return out.toString();
  }
}
