package dev.cutover.bench;

import static dev.cutover.bench.Server.activityType;
import static dev.cutover.bench.Server.time;

import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.plan.PlanReader;
import dev.cutover.testing.WorkerProcess;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Figure 4: N concurrent cutovers on one worker process (its own JVM), each with a 1-minute watch
 * on an HTTP check against the demo target and a 30-day soak. After all of them are soaking, a
 * steady window of {@code seconds}: the worker's RSS and CPU are sampled from /proc, and afterwards
 * every execution's history gives the schedule-to-start latency of each workflow task
 * (WorkflowTaskScheduled → WorkflowTaskStarted) and each activity (ActivityTaskScheduled →
 * ActivityTaskStarted) scheduled inside the window. Everything started is terminated at the end.
 */
final class ScaleBench {
  static final long SAMPLE_EVERY_MS = 2_000;

  /** Cutovers started per second during the ramp (a burst of N starts would measure the burst). */
  static final int STARTS_PER_SECOND = 25;

  private final Report report;
  private final String address;
  private final Path jar;
  private final List<String> jvm;
  private final Path logDir;
  private final String run;

  ScaleBench(Report report, String address, Path jar, List<String> jvm, Path logDir, String run) {
    this.report = report;
    this.address = address;
    this.jar = jar;
    this.jvm = jvm;
    this.logDir = logDir;
    this.run = run;
  }

  static String plan(String targetUrl, String flag) {
    return """
        version: 1
        name: bench-scale
        description: bench - many concurrent cutovers on one worker
        connections:
          target: { http: "%s" }
        checks:
          health:
            http: GET target:/health
            expect: { status: 200, json: { "$.status": healthy } }
        traffic:
          set: { http: "PUT target:/api/flags/%s", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/%s", value: "$.value" }
        stages:
          - { name: canary, percent: 10, soak: 30d, every: 1h, gates: [health] }
        watch:
          - { check: health, every: 1m }
        rollback:
          percent: 0
          then: hold
        """
        .formatted(targetUrl, flag, flag);
  }

  @SuppressWarnings("ArrayRecordComponent") // a sample is read, never compared or hashed
  private record Sample(long at, double rssMb, long cpuTicks, long[] machine, int threads) {}

  void run(int n, int seconds) throws Exception {
    String section = "4. Scale: " + n + " concurrent cutovers on one worker process (dev server)";
    String queue = "bench-" + run + "-scale";
    String prefix = "bench-" + run + "-scale-";
    List<String> ids = new ArrayList<>();
    boolean cleaned = false;
    for (int i = 0; i < n; i++) {
      ids.add("cutover-" + prefix + i);
    }
    try (DemoTarget target = DemoTarget.start(0);
        Server server = Server.connect(address);
        WorkerProcess worker = Bench.startWorker(jar, jvm, address, queue, logDir)) {
      long pid = worker.pid();
      double idleRss = Machine.rssMb(pid);
      Bench.progress(
          "scale: worker pid %d (%s), RSS %.0f MB before any cutover; starting %d cutovers at %d/s",
          pid, String.join(" ", jvm), idleRss, n, STARTS_PER_SECOND);
      long serverPid = Machine.devServerPid(address);
      long[] rampCpu = {Machine.cpuTicks(pid), Machine.cpuTicks(serverPid)};
      long[] rampMachine = Machine.machineTicks();
      long rampStart = System.currentTimeMillis();
      for (int i = 0; i < n; i++) {
        long due = rampStart + (long) i * 1000 / STARTS_PER_SECOND;
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          Bench.sleep(wait);
        }
        String flag = prefix + i;
        server.start(
            ids.get(i), queue, PlanReader.parseTree(plan(target.baseUrl(), flag)), "bench");
      }
      // All soaking: every cutover wrote its flag, and the server lists each as SOAKING.
      long deadline = System.currentTimeMillis() + Math.max(120_000, n * 200L);
      long soaking = 0;
      while (System.currentTimeMillis() < deadline) {
        Set<String> written = new HashSet<>();
        for (Change c : target.changes()) {
          if (c.name().startsWith(prefix)) {
            written.add(c.name());
          }
        }
        soaking =
            count(
                server,
                "TaskQueue = '"
                    + queue
                    + "' AND CutoverState = 'SOAKING' AND ExecutionStatus = 'Running'");
        if (written.size() >= n && soaking >= n) {
          break;
        }
        Bench.sleep(1000);
      }
      long rampEnd = System.currentTimeMillis();
      String rampLoad =
          cpuLine(pid, serverPid, rampCpu, rampMachine, (rampEnd - rampStart) / 1000.0);
      Bench.progress(
          "scale: %d of %d cutovers soaking after %.0f s of ramp; RSS %.0f MB; steady window of %d s starts",
          soaking, n, (rampEnd - rampStart) / 1000.0, Machine.rssMb(pid), seconds);

      // The steady window: sample the worker process.
      List<Sample> samples = new ArrayList<>();
      long[] windowCpu = {Machine.cpuTicks(pid), Machine.cpuTicks(serverPid)};
      long[] windowMachine = Machine.machineTicks();
      long windowStart = System.currentTimeMillis();
      long windowEnd = windowStart + seconds * 1000L;
      while (System.currentTimeMillis() < windowEnd) {
        samples.add(
            new Sample(
                System.currentTimeMillis(),
                Machine.rssMb(pid),
                Machine.cpuTicks(pid),
                Machine.machineTicks(),
                Machine.threads(pid)));
        if (!worker.isAlive()) {
          throw new IllegalStateException(
              "the worker process died during the steady window; see " + worker.logFile());
        }
        Bench.sleep(Math.min(SAMPLE_EVERY_MS, Math.max(1, windowEnd - System.currentTimeMillis())));
      }
      samples.add(
          new Sample(
              System.currentTimeMillis(),
              Machine.rssMb(pid),
              Machine.cpuTicks(pid),
              Machine.machineTicks(),
              Machine.threads(pid)));
      double peak = Machine.peakRssMb(pid);
      String windowLoad = cpuLine(pid, serverPid, windowCpu, windowMachine, seconds);
      long stillSoaking =
          count(
              server,
              "TaskQueue = '"
                  + queue
                  + "' AND CutoverState = 'SOAKING' AND ExecutionStatus = 'Running'");
      Bench.progress("scale: window over; reading %d histories", n);

      // Schedule-to-start from every history.
      List<Double> wft = Collections.synchronizedList(new ArrayList<>());
      List<Double> wftRamp = Collections.synchronizedList(new ArrayList<>());
      // Steady-window workflow tasks: (scheduled at, schedule-to-start, what made the task).
      List<Object[]> wftDetail = Collections.synchronizedList(new ArrayList<>());
      List<Double> act = Collections.synchronizedList(new ArrayList<>());
      List<Double> actRamp = Collections.synchronizedList(new ArrayList<>());
      Map<String, Integer> activities = Collections.synchronizedMap(new HashMap<>());
      Map<String, Integer> inWindow = Collections.synchronizedMap(new HashMap<>());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> futures = new ArrayList<>();
      for (String id : ids) {
        futures.add(
            pool.submit(
                () -> {
                  List<HistoryEvent> h = server.history(id, null);
                  Map<Long, HistoryEvent> scheduled = new HashMap<>();
                  Map<Long, String> cause = new HashMap<>();
                  EventType previous = null;
                  for (HistoryEvent e : h) {
                    EventType t = e.getEventType();
                    if (time(e) >= windowStart && time(e) < windowEnd) {
                      inWindow.merge(t.name().replace("EVENT_TYPE_", ""), 1, Integer::sum);
                    }
                    if (t == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
                        || t == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                      scheduled.put(e.getEventId(), e);
                      if (t == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && previous != null) {
                        cause.put(
                            e.getEventId(),
                            previous.name().replace("EVENT_TYPE_", "").toLowerCase(Locale.ROOT));
                      }
                    } else if (t == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
                      HistoryEvent s =
                          scheduled.get(
                              e.getWorkflowTaskStartedEventAttributes().getScheduledEventId());
                      if (s != null) {
                        boolean in = time(s) >= windowStart && time(s) < windowEnd;
                        (in ? wft : wftRamp).add(time(e) - time(s));
                        if (in) {
                          wftDetail.add(
                              new Object[] {
                                time(s), time(e) - time(s), cause.getOrDefault(s.getEventId(), "?")
                              });
                        }
                      }
                    } else if (t == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
                      HistoryEvent s =
                          scheduled.get(
                              e.getActivityTaskStartedEventAttributes().getScheduledEventId());
                      if (s != null) {
                        boolean in = time(s) >= windowStart && time(s) < windowEnd;
                        (in ? act : actRamp).add(time(e) - time(s));
                        if (in) {
                          activities.merge(activityType(s), 1, Integer::sum);
                        }
                      }
                    }
                    if (t != EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
                      previous = t;
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(5, TimeUnit.MINUTES);
      }
      pool.shutdown();

      Bench.progress("scale: terminating %d cutovers", n);
      int terminated = terminateAll(server, ids);
      cleaned = true;
      report.detail("scaleTerminated", terminated);

      // Figures.
      Stats rss = Stats.of(samples.stream().mapToDouble(Sample::rssMb).toArray());
      Sample first = samples.get(0);
      Sample last = samples.get(samples.size() - 1);
      double secondsSampled = (last.at() - first.at()) / 1000.0;
      double workerCpu =
          (last.cpuTicks() - first.cpuTicks())
              / Machine.CLOCK_TICKS_PER_SECOND
              / secondsSampled
              * 100;
      double machineBusy =
          100.0
              * (last.machine()[0] - first.machine()[0])
              / Math.max(1, last.machine()[1] - first.machine()[1]);
      List<Double> cpuPerSample = new ArrayList<>();
      for (int i = 1; i < samples.size(); i++) {
        double dt = (samples.get(i).at() - samples.get(i - 1).at()) / 1000.0;
        if (dt > 0) {
          cpuPerSample.add(
              (samples.get(i).cpuTicks() - samples.get(i - 1).cpuTicks())
                  / Machine.CLOCK_TICKS_PER_SECOND
                  / dt
                  * 100);
        }
      }
      report.atLeast(
          section,
          "cutovers soaking at once on the worker (all cached)",
          "≥ 500",
          "",
          Stats.of((double) stillSoaking),
          500,
          "min",
          "of "
              + n
              + " started, counted by the server's visibility (CutoverState = SOAKING, running) at the end "
              + "of the window; the SDK's default workflow cache (600) and workflow thread pool (600) hold them all");
      report.judged(
          section,
          "workflow task schedule-to-start (steady window)",
          "p99 ≤ 150 ms",
          "ms",
          Stats.of(wft),
          150,
          "p99",
          "WorkflowTaskScheduled → WorkflowTaskStarted over every execution's history, tasks scheduled inside the "
              + seconds
              + " s window");
      report.judged(
          section,
          "activity schedule-to-start (steady window)",
          "p99 ≤ 150 ms",
          "ms",
          Stats.of(act),
          150,
          "p99",
          "ActivityTaskScheduled → ActivityTaskStarted, activities scheduled inside the window: "
              + activities
              + "; most start in the call that schedules them (the SDK's eager activity dispatch), hence ~0 ms");
      int measures = activities.getOrDefault("measure", 0);
      if (measures > 0) {
        report.info(
            section,
            "workflow tasks per measurement (steady window)",
            "",
            Stats.of(inWindow.getOrDefault("WORKFLOW_TASK_STARTED", 0) / (double) measures),
            String.format(
                Locale.ROOT,
                "in the window: %d measure activities, %d workflow tasks, %d history events (%.1f per measurement), "
                    + "%d timers started, %d fired, %d cancelled",
                measures,
                inWindow.getOrDefault("WORKFLOW_TASK_STARTED", 0),
                inWindow.values().stream().mapToInt(Integer::intValue).sum(),
                inWindow.values().stream().mapToInt(Integer::intValue).sum() / (double) measures,
                inWindow.getOrDefault("TIMER_STARTED", 0),
                inWindow.getOrDefault("TIMER_FIRED", 0),
                inWindow.getOrDefault("TIMER_CANCELED", 0)));
      }
      report.detail("scaleEventsInWindow", Map.copyOf(inWindow));
      wftBreakdown(wftDetail);
      report.info(
          section,
          "workflow task schedule-to-start during the ramp (starts at " + STARTS_PER_SECOND + "/s)",
          "ms",
          Stats.of(wftRamp),
          "tasks scheduled before the window (starting, applying traffic, first measurements)");
      report.info(
          section, "activity schedule-to-start during the ramp", "ms", Stats.of(actRamp), null);
      report.note(
          String.format(
              Locale.ROOT,
              "scale: the ramp (%d starts at %d/s, until all %d soaked) took %.0f s; CPU "
                  + "during the ramp: %s. During the steady window: %s.",
              n,
              STARTS_PER_SECOND,
              n,
              (rampEnd - rampStart) / 1000.0,
              rampLoad,
              windowLoad));
      report.judged(
          section,
          "worker RSS with the cutovers cached (sampled every 2 s)",
          "≤ 1 GB (max)",
          "MB",
          rss,
          1024,
          "max",
          String.format(
              Locale.ROOT,
              "VmRSS of the worker process (JVM options: %s); %.0f MB before any cutover; "
                  + "peak (VmHWM) over the whole run %.0f MB; %d threads at the end",
              String.join(" ", jvm),
              idleRss,
              peak,
              last.threads()));
      report.info(
          section,
          "worker CPU (% of one core, per 2 s sample)",
          "%",
          Stats.of(cpuPerSample),
          String.format(
              Locale.ROOT,
              "average %.1f %% of one core over the window (%d cores); the whole machine was %.1f %% busy "
                  + "(dev server, this bench, the demo target and anything else running)",
              workerCpu,
              Runtime.getRuntime().availableProcessors(),
              machineBusy));
      report.detail(
          "scale",
          Map.of(
              "cutovers",
              n,
              "seconds",
              seconds,
              "rampSeconds",
              (rampEnd - rampStart) / 1000.0,
              "workerJvm",
              jvm,
              "idleRssMb",
              idleRss,
              "peakRssMb",
              peak,
              "workerCpuPercentOfOneCore",
              workerCpu,
              "machineBusyPercent",
              machineBusy,
              "activitiesInWindow",
              Map.copyOf(activities)));
    } finally {
      // If anything above failed, the cutovers still run on the server: end them.
      if (!cleaned) {
        try (Server s = Server.connect(address)) {
          int left = terminateAll(s, ids);
          if (left > 0) {
            Bench.progress("scale: terminated %d cutovers left running", left);
          }
        } catch (RuntimeException e) {
          Bench.progress("scale: could not terminate leftover cutovers: %s", e.getMessage());
        }
      }
    }
  }

  /**
   * Where the slow workflow tasks are: by what made the task (a timer firing, an activity
   * completing, a signal), and by how many tasks the server had to hand out in the same second.
   */
  private void wftBreakdown(List<Object[]> detail) {
    if (detail.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<Double>> byCause = new java.util.TreeMap<>();
    for (Object[] d : detail) {
      byCause.computeIfAbsent((String) d[2], k -> new ArrayList<>()).add((Double) d[1]);
    }
    byCause.forEach((c, v) -> rows.add(row("task made by " + c, Stats.of(v))));
    Map<Long, Integer> perSecond = new HashMap<>();
    for (Object[] d : detail) {
      perSecond.merge((long) ((Double) d[0] / 1000), 1, Integer::sum);
    }
    Stats load = Stats.of(perSecond.values().stream().map(Integer::doubleValue).toList());
    double busy =
        Stats.percentile(
            perSecond.values().stream().mapToDouble(Integer::doubleValue).sorted().toArray(), 90);
    List<Double> inBusy = new ArrayList<>();
    List<Double> inQuiet = new ArrayList<>();
    for (Object[] d : detail) {
      (perSecond.get((long) ((Double) d[0] / 1000)) >= busy ? inBusy : inQuiet).add((Double) d[1]);
    }
    rows.add(
        row(
            String.format(
                Locale.ROOT,
                "scheduled in the busiest seconds (>= %.0f tasks/s, the top 10%%)",
                busy),
            Stats.of(inBusy)));
    rows.add(row("scheduled in the other seconds", Stats.of(inQuiet)));
    report.table(
        String.format(
            Locale.ROOT,
            "Where the time goes: workflow task schedule-to-start in the steady window "
                + "(%d tasks; %.0f tasks/s median, %.0f max)",
            detail.size(),
            load.median(),
            load.max()),
        List.of("tasks", "n", "median", "p95", "p99", "max"),
        rows);
  }

  private static List<String> row(String name, Stats s) {
    return List.of(
        name,
        Integer.toString(s.n()),
        Report.fmt(s.median(), "ms"),
        Report.fmt(s.p95(), "ms"),
        Report.fmt(s.p99(), "ms"),
        Report.fmt(s.max(), "ms"));
  }

  /** "worker W%, dev server D% of one core, machine M% busy" since the given readings. */
  private static String cpuLine(
      long worker, long server, long[] cpuBefore, long[] machineBefore, double seconds) {
    long[] m = Machine.machineTicks();
    double w =
        (Machine.cpuTicks(worker) - cpuBefore[0]) / Machine.CLOCK_TICKS_PER_SECOND / seconds * 100;
    String d =
        server < 0 || cpuBefore[1] < 0
            ? "dev server not found"
            : String.format(
                Locale.ROOT,
                "dev server %.0f%%",
                (Machine.cpuTicks(server) - cpuBefore[1])
                    / Machine.CLOCK_TICKS_PER_SECOND
                    / seconds
                    * 100);
    return String.format(
        Locale.ROOT,
        "worker %.0f%%, %s of one core; the machine %.0f%% busy",
        w,
        d,
        100.0 * (m[0] - machineBefore[0]) / Math.max(1, m[1] - machineBefore[1]));
  }

  private static long count(Server server, String query) {
    try {
      return server
          .service
          .blockingStub()
          .countWorkflowExecutions(
              CountWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(Server.NAMESPACE)
                  .setQuery(query)
                  .build())
          .getCount();
    } catch (RuntimeException e) {
      Bench.progress("scale: visibility count failed: %s", e.getMessage());
      return -1;
    }
  }

  /** Terminates every listed cutover still running, four at a time; returns how many it ended. */
  static int terminateAll(Server server, List<String> ids) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Boolean>> done = new ArrayList<>();
    for (String id : ids) {
      done.add(
          pool.submit(
              () -> {
                try {
                  server.stub(id).terminate("bench done");
                  return true;
                } catch (RuntimeException e) {
                  return false; // already closed
                }
              }));
    }
    int n = 0;
    for (Future<Boolean> f : done) {
      try {
        n += f.get(2, TimeUnit.MINUTES) ? 1 : 0;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // counted as not terminated
      }
    }
    pool.shutdown();
    return n;
  }
}
