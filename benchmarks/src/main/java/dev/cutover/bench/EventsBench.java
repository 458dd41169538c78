package dev.cutover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.plan.PlanReader;
import dev.cutover.testing.TimeSkippingServer;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.CutoverActivities;
import dev.cutover.workflows.CutoverWorkflowImpl;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.EffectResult;
import dev.cutover.workflows.MeasureChecksRequest;
import dev.cutover.workflows.MeasureRequest;
import dev.cutover.workflows.NotifyRequest;
import dev.cutover.workflows.SignalPayload;
import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figure 3: whole cutovers in the in-memory time-skipping test server with the real workflow and a
 * hand-written fake world that answers every measurement at once with a passing reading, applies
 * every effect, and approves a stage as soon as the cutover says it awaits an approval (from the
 * notification activity, before it returns, so no simulated time passes in between).
 */
final class EventsBench {
  static final String QUEUE = "bench-events";
  private final Report report;
  private final Path repo;
  private final long sixWeeksBudgetSeconds;

  /** {@code sixWeeksBudgetSeconds}: wall time the 6-week cutover may take before it is stopped. */
  EventsBench(Report report, Path repo, long sixWeeksBudgetSeconds) {
    this.report = report;
    this.repo = repo;
    this.sixWeeksBudgetSeconds = sixWeeksBudgetSeconds;
  }

  /** The fake world. Thread-safe: activities run on worker threads. */
  static final class FakeWorld implements CutoverActivities {
    final AtomicInteger measures = new AtomicInteger();
    final AtomicInteger effects = new AtomicInteger();
    final AtomicInteger notes = new AtomicInteger();
    final AtomicInteger approvals = new AtomicInteger();
    private final WorkflowClient client;

    FakeWorld(WorkflowClient client) {
      this.client = client;
    }

    @Override
    public List<Reading> measureChecks(MeasureChecksRequest request) {
      measures.incrementAndGet();
      return request.checks().stream().map(c -> Plans.passing(c.check().name())).toList();
    }

    @Override
    public String applyEffect(ApplyEffectRequest request) {
      effects.incrementAndGet();
      return "done";
    }

    @Override
    public EffectResult applyEffectWithOutputs(ApplyEffectRequest request) {
      return new EffectResult(applyEffect(request), Map.of());
    }

    @Override
    public List<Reading> measure(MeasureRequest request) {
      measures.incrementAndGet();
      return request.checks().stream().map(c -> Plans.passing(c.name())).toList();
    }

    @Override
    public String apply(EffectRequest request) {
      effects.incrementAndGet();
      return "done";
    }

    @Override
    public dev.cutover.workflows.Admission admit(dev.cutover.workflows.AdmitRequest request) {
      return new dev.cutover.workflows.Admission(List.of(), false);
    }

    @Override
    public dev.cutover.workflows.SignatureVerdict verifySignature(
        dev.cutover.workflows.SignatureRequest request) {
      return new dev.cutover.workflows.SignatureVerdict(false, "no keyring in this benchmark");
    }

    /**
     * Approves as soon as a stage says it waits for an approval, from the notification itself: the
     * stage is the event's subject, so the activity needs no query, which would need a workflow
     * task while this activity holds the test server's clock. A signal is only a call to the
     * server.
     */
    @Override
    public void notifyPeople(NotifyRequest request) {
      notes.incrementAndGet();
      String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
      for (NotifyRequest.Event e : request.events()) {
        if (!"waiting".equals(e.kind()) || e.subject() == null || !e.text().contains("approv")) {
          continue;
        }
        client
            .newUntypedWorkflowStub(workflowId)
            .signal(
                "approve",
                new SignalPayload(
                    e.subject(), "alice", "bench: approved as soon as awaited", null, null));
        approvals.incrementAndGet();
      }
    }
  }

  /**
   * One cutover's chain of runs. {@code eventsPerRun} counts the runs that closed by continuing as
   * new or by completing; a run the bench stopped at its wall-time budget is left out, and then
   * {@code state} is STOPPED and {@code virtualDays} says how far it got.
   */
  record Outcome(
      String state,
      double wallMillis,
      double virtualDays,
      List<Integer> eventsPerRun,
      int measures,
      int effects,
      int notes,
      int approvals,
      int clockHoldsReleased) {}

  /**
   * Runs one cutover to its end. A cutover that runs past {@code virtualLimitDays} of workflow time
   * (say, an approval that never arrives) is terminated and reported, and so is one that takes more
   * than {@code wallLimitSeconds}.
   */
  Outcome runToEnd(String name, String yaml, double virtualLimitDays, long wallLimitSeconds) {
    long t0 = System.nanoTime();
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    TimeSkippingServer.keepUnlocksCheap(env);
    try {
      for (String sa : List.of("CutoverPlan", "CutoverStage", "CutoverState")) {
        env.registerSearchAttribute(sa, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      }
      env.registerSearchAttribute("CutoverPercent", IndexedValueType.INDEXED_VALUE_TYPE_INT);
      WorkflowClient client = env.getWorkflowClient();
      FakeWorld world = new FakeWorld(client);
      Worker worker = env.newWorker(QUEUE);
      CutoverWorkflowImpl.register(worker, env.getWorkflowClient().getWorkflowServiceStubs());
      worker.registerActivitiesImplementations(world);
      env.start();
      Bench.progress("%s: test environment up in %.1f s", name, (System.nanoTime() - t0) / 1e9);
      Server server = Server.of(client);
      String id = "cutover-bench-" + name;
      long start = System.nanoTime();
      WorkflowStub stub = server.start(id, QUEUE, PlanReader.parseTree(yaml), "carol");
      String firstRun = stub.getExecution().getRunId();
      JsonNode end;
      java.util.concurrent.atomic.AtomicReference<String> overrun =
          new java.util.concurrent.atomic.AtomicReference<>();
      TestServerClock clock = new TestServerClock(server);
      Thread watcher =
          new Thread(
              () -> watch(server, id, name, world, virtualLimitDays, start, clock, overrun),
              "bench-events-progress");
      watcher.setDaemon(true);
      watcher.start();
      try {
        end = awaitEnd(stub, start, wallLimitSeconds, overrun);
        watcher.interrupt();
      } catch (io.temporal.client.WorkflowFailedException e) {
        watcher.interrupt();
        throw new IllegalStateException(
            overrun.get() != null ? overrun.get() : name + " failed: " + e.getMessage(), e);
      }
      if (end == null) {
        // The wall-time budget is spent: stop here and count the runs that closed.
        watcher.interrupt();
      }
      double wall = (System.nanoTime() - start) / 1e6;
      double days = Double.NaN;
      if (end == null) {
        try {
          JsonNode s =
              java.util.concurrent.CompletableFuture.supplyAsync(() -> server.status(id))
                  .get(10, TimeUnit.SECONDS);
          if (s != null) {
            days = (s.path("asOf").asLong() - s.path("startedAt").asLong()) / 86_400_000.0;
          }
        } catch (Exception e) {
          Bench.progress(
              "%s: no status at the end of its budget: %s", name, Stall.describe(server, id));
        }
        server.terminateStarted("bench: its wall-time budget is spent");
        Bench.progress(
            "%s: stopped after %.0f s (its budget), %.1f virtual days in", name, wall / 1000, days);
      } else {
        days = (end.path("asOf").asLong() - end.path("startedAt").asLong()) / 86_400_000.0;
      }
      server.forget(id);
      List<Integer> perRun = new ArrayList<>();
      String runId = firstRun;
      while (runId != null) {
        List<HistoryEvent> h = server.history(id, runId);
        HistoryEvent last = h.get(h.size() - 1);
        if (last.getEventType() != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED) {
          perRun.add(h.size());
        }
        runId =
            last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                : null;
      }
      return new Outcome(
          end == null ? "STOPPED" : end.path("state").asText(),
          wall,
          days,
          perRun,
          world.measures.get(),
          world.effects.get(),
          world.notes.get(),
          world.approvals.get(),
          clock.released());
    } finally {
      env.close();
    }
  }

  /**
   * The window over which progress is judged: a cutover whose workflow clock moved less than {@link
   * #STALL_MIN_VIRTUAL} in this much wall time has stopped skipping time.
   */
  static final long STALL_SECONDS = 60;

  /**
   * Workflow time a time-skipping run covers in {@link #STALL_SECONDS} at the very least (at
   * wall-clock pace it would cover one minute; a healthy run covers hours).
   */
  static final java.time.Duration STALL_MIN_VIRTUAL = java.time.Duration.ofMinutes(10);

  /**
   * Reports progress every 15 s, gives back the test server's clock holds ({@link
   * TestServerClock}), and stops the cutover (terminates it, with {@code overrun} saying why) once
   * it runs past {@code virtualLimitDays} of workflow time or stalls: its workflow clock moved less
   * than {@link #STALL_MIN_VIRTUAL} in {@link #STALL_SECONDS} of wall time (or it did not answer
   * the status query for that long). A stall is reported with what the cutover was doing ({@link
   * Stall#describe}), so the benchmark fails loudly instead of waiting for its wall-time budget.
   */
  private static void watch(
      Server server,
      String id,
      String name,
      FakeWorld world,
      double virtualLimitDays,
      long start,
      TestServerClock clock,
      java.util.concurrent.atomic.AtomicReference<String> overrun) {
    long startedAt = -1;
    long windowAsOf = -1;
    long windowAt = System.nanoTime();
    long printedAt = System.nanoTime();
    for (long tick = 1; !Thread.currentThread().isInterrupted(); tick++) {
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        return;
      }
      try {
        int n = clock.releaseLeftOpen(id, server.currentRunId(id));
        if (n > 0) {
          Bench.progress(
              "%s: gave back %d test-server clock hold(s) left by activities open at"
                  + " continue-as-new (%d so far)",
              name, n, clock.released());
        }
      } catch (RuntimeException e) {
        // the run is closing: next time
      }
      if (tick % 5 != 0) {
        continue;
      }
      JsonNode s = null;
      try {
        s = server.status(id);
      } catch (RuntimeException e) {
        // a query can fail while the run continues as new; a stall is judged below either way
      }
      long asOf = s == null ? -1 : s.path("asOf").asLong();
      if (windowAsOf < 0 && asOf >= 0) {
        // the first answer opens the window (until then, a silent minute counts as a stall)
        windowAsOf = asOf;
        windowAt = System.nanoTime();
      }
      if (s != null) {
        startedAt = startedAt < 0 ? s.path("startedAt").asLong() : startedAt;
        double days = (asOf - startedAt) / 86_400_000.0;
        if (days > virtualLimitDays) {
          overrun.set(
              String.format(
                  java.util.Locale.ROOT,
                  "%s was still %s in stage %s after %.1f virtual days (limit %.0f): terminated",
                  name,
                  s.path("state").asText(),
                  s.path("stage").path("name").asText(),
                  days,
                  virtualLimitDays));
          terminate(server, id, "bench: past its virtual-time limit");
          return;
        }
        if (System.nanoTime() - printedAt >= 15_000_000_000L) {
          printedAt = System.nanoTime();
          Bench.progress(
              "%s: %.1f virtual days in %.0f s wall, %s, stage %s, %d measure activities so far",
              name,
              days,
              (System.nanoTime() - start) / 1e9,
              s.path("state").asText(),
              s.path("stage").path("name").asText(),
              world.measures.get());
        }
      }
      long window = (System.nanoTime() - windowAt) / 1_000_000_000L;
      if (window >= STALL_SECONDS) {
        long moved = asOf < 0 || windowAsOf < 0 ? 0 : asOf - windowAsOf;
        if (moved >= STALL_MIN_VIRTUAL.toMillis()) {
          windowAsOf = asOf;
          windowAt = System.nanoTime();
          continue;
        }
        String why =
            String.format(
                java.util.Locale.ROOT,
                "%s STALLED: its workflow clock moved %d s in the last %d s of wall time (%d"
                    + " measure activities, %d effects, %d notifications so far); %s",
                name,
                moved / 1000,
                window,
                world.measures.get(),
                world.effects.get(),
                world.notes.get(),
                Stall.describe(server, id));
        Bench.progress("%s", why);
        overrun.set(why);
        terminate(server, id, "bench: stalled");
        return;
      }
    }
  }

  /**
   * The cutover's result, waited for in short steps so that a stall the watcher reported ends the
   * wait at once (even if the test server is slow to tell the client of the termination); null once
   * {@code wallLimitSeconds} have passed since {@code start}.
   */
  private static JsonNode awaitEnd(
      WorkflowStub stub,
      long start,
      long wallLimitSeconds,
      java.util.concurrent.atomic.AtomicReference<String> overrun) {
    while (true) {
      try {
        return stub.getResult(5, TimeUnit.SECONDS, JsonNode.class);
      } catch (java.util.concurrent.TimeoutException e) {
        if (overrun.get() != null) {
          throw new IllegalStateException(overrun.get());
        }
        if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(wallLimitSeconds)) {
          return null;
        }
      }
    }
  }

  private static void terminate(Server server, String id, String reason) {
    try {
      server.stub(id).terminate(reason);
    } catch (RuntimeException e) {
      Bench.progress("could not terminate %s: %s", id, e.getMessage());
    }
  }

  static final String SECTION =
      "3. Events per run and time-skipping simulation (in-memory test server, fake activities)";

  /**
   * Runs the seed-001 cutover, then the 6-week one, each in its own in-memory server. One after the
   * other: run together on two cores they took as long in total and slowed each other down.
   */
  void both() {
    Object seed = attempt(() -> runToEnd("seed-001", Plans.seed001(repo), 30, 3600));
    seed001(seed);
    Object six = attempt(() -> runToEnd("six-weeks", Plans.SIX_WEEKS, 60, sixWeeksBudgetSeconds));
    sixWeeks(six);
  }

  private static Object attempt(java.util.function.Supplier<Outcome> run) {
    try {
      return run.get();
    } catch (RuntimeException e) {
      return e;
    }
  }

  void sixWeeks(Object result) {
    String section = SECTION;
    try {
      if (result instanceof RuntimeException e) {
        throw e;
      }
      Outcome o = (Outcome) result;
      Bench.progress(
          "six-weeks: %s in %.1f s wall, %d runs, max %d events per run",
          o.state(),
          o.wallMillis() / 1000,
          o.eventsPerRun().size(),
          o.eventsPerRun().stream().mapToInt(Integer::intValue).max().orElse(0));
      String ok;
      if ("COMPLETED".equals(o.state())) {
        ok = "; ran to COMPLETED";
      } else if ("STOPPED".equals(o.state())) {
        ok =
            String.format(
                java.util.Locale.ROOT,
                "; **stopped at its wall-time budget (%d s) after %.1f of 42 virtual days**: "
                    + "the runs that closed are counted; `./bench events` runs it to COMPLETED",
                sixWeeksBudgetSeconds,
                o.virtualDays());
      } else {
        ok = "; **ended " + o.state() + ", not COMPLETED**";
      }
      report.judged(
          section,
          "events per workflow run, 6-week plan, 1-minute watch",
          "≤ 2,000 (max)",
          "",
          Stats.of(o.eventsPerRun()),
          2000,
          "max",
          o.eventsPerRun().size()
              + " runs closed (continue-as-new), "
              + o.measures()
              + " measure activities, "
              + o.approvals()
              + " approvals; the workflow continues as new past 1,500 events; "
              + o.clockHoldsReleased()
              + " test-server clock holds given back (activities open at continue-as-new)"
              + ok);
      report.info(
          section,
          "runs (continue-as-new chain) of the 6-week cutover",
          "",
          Stats.of((double) o.eventsPerRun().size()),
          "STOPPED".equals(o.state()) ? "runs closed before the budget ran out" : null);
      report.info(
          section,
          "wall time of the 6-week cutover in time-skipping",
          "s",
          Stats.of(o.wallMillis() / 1000),
          String.format(
              java.util.Locale.ROOT,
              "%.1f virtual days in that time (%s)",
              o.virtualDays(),
              o.state()));
      report.detail("sixWeeks", o);
    } catch (RuntimeException e) {
      report.notMeasured(
          section,
          "events per workflow run, 6-week plan, 1-minute watch",
          "≤ 2,000",
          e.getMessage());
    }
  }

  void seed001(Object result) {
    String section = SECTION;
    try {
      if (result instanceof RuntimeException e) {
        throw e;
      }
      Outcome o = (Outcome) result;
      Bench.progress(
          "seed-001: %s in %.1f s wall, %d runs",
          o.state(), o.wallMillis() / 1000, o.eventsPerRun().size());
      String ok =
          "COMPLETED".equals(o.state()) ? "" : " **ended " + o.state() + ", not COMPLETED**";
      report.judged(
          section,
          "seed-001 plan (examples/full-pass-v2.yaml, ~17 days of soaks) in time-skipping",
          "≤ 30 s wall",
          "s",
          Stats.of(o.wallMillis() / 1000),
          30,
          "max",
          "start to result; "
              + o.eventsPerRun().size()
              + " runs, max "
              + o.eventsPerRun().stream().mapToInt(Integer::intValue).max().orElse(0)
              + " events per run, "
              + o.measures()
              + " measure activities, "
              + o.approvals()
              + " approvals sent as soon as awaited, "
              + o.clockHoldsReleased()
              + " test-server clock holds given back"
              + ok);
      report.detail("seed001TimeSkipping", o);
    } catch (RuntimeException e) {
      report.notMeasured(section, "seed-001 plan in time-skipping", "≤ 30 s wall", e.getMessage());
    }
  }
}
