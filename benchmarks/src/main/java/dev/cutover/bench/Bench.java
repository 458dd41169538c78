package dev.cutover.bench;

import dev.cutover.testing.WorkerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./bench}: the performance figures of BENCHMARKS.md, measured against the Temporal dev
 * server (address from {@code CUTOVER_TEST_TEMPORAL_ADDRESS}) with the real worker as its own
 * process and the demo target as the flag API and application, plus the in-memory time-skipping
 * server and the pure engine for the simulated figures. The report goes to stdout (markdown, or
 * JSON with {@code --output json}); progress goes to stderr.
 *
 * <p>Exit codes: 0 every measured goal met, 1 a goal missed or a figure could not be measured, 2
 * bad arguments.
 */
public final class Bench {
  static final String USAGE =
      """
      usage: ./bench [all|latency|breach|events|simulate|scale ...] [options]
        latency    approve -> next stage applied, abort -> rollback applied and read back (dev server)
        breach     a `for: 5s` rule's breach -> rollback applied (dev server)
        events     events per run of a 6-week plan; the seed-001 plan in time-skipping (in-memory server)
        simulate   the seed-001 plan through the pure engine in virtual time
        scale      N concurrent cutovers on one worker process: schedule-to-start, RSS, CPU (dev server)
        all        every one of the above (the default)
      options:
        --cutovers N     cutovers in the scale run (default 500)
        --seconds S      steady window of the scale run, after all cutovers soak (default 300)
        --samples M      cutovers in the latency run, one approve and one abort each (default 20)
        --breaches B     breach cycles (default 8)
        --events-budget S  wall seconds the 6-week time-skipping cutover may take (default: to the end
                         with `events` alone, 240 within `all`, which then counts the runs that closed)
        --worker-jvm "OPTS"  JVM options of the worker process (default "-Xmx384m")
        --output text|json
      environment: CUTOVER_TEST_TEMPORAL_ADDRESS (./bench sets it up through ./run-tests --env-only)
      """;

  private Bench() {}

  @SuppressWarnings("try") // the worker process only has to run while the live figures are measured
  public static void main(String[] args) throws Exception {
    Set<String> what = new LinkedHashSet<>();
    int cutovers = 500;
    int seconds = 300;
    int samples = 20;
    int breaches = 8;
    long eventsBudget = 0;
    String output = "text";
    List<String> workerJvm = List.of("-Xmx384m");
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "all", "latency", "breach", "events", "simulate", "scale" -> what.add(a);
          case "--cutovers" -> cutovers = positive(a, value(args, ++i, a));
          case "--seconds" -> seconds = positive(a, value(args, ++i, a));
          case "--samples" -> samples = positive(a, value(args, ++i, a));
          case "--breaches" -> breaches = positive(a, value(args, ++i, a));
          case "--events-budget" -> eventsBudget = positive(a, value(args, ++i, a));
          case "--worker-jvm" ->
              workerJvm =
                  Arrays.stream(value(args, ++i, a).trim().split("\\s+"))
                      .filter(s -> !s.isEmpty())
                      .toList();
          case "--output" -> {
            output = value(args, ++i, a);
            if (!output.equals("text") && !output.equals("json")) {
              throw new IllegalArgumentException("--output is text or json");
            }
          }
          case "-h", "--help" -> {
            System.out.print(USAGE);
            return;
          }
          default -> throw new IllegalArgumentException("unknown argument: " + a);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
    }
    if (what.isEmpty() || what.contains("all")) {
      what = new LinkedHashSet<>(List.of("latency", "breach", "scale", "simulate", "events"));
    }

    String address = blankToNull(System.getenv("CUTOVER_TEST_TEMPORAL_ADDRESS"));
    Path repo = Path.of(System.getProperty("cutover.repo", ".")).toAbsolutePath().normalize();
    Path jar =
        Path.of(
            System.getProperty(
                "cutover.jar", repo.resolve("starter/target/cutover.jar").toString()));
    Path logDir = repo.resolve("target").resolve("bench");
    String run = Long.toString(System.currentTimeMillis(), 36);
    long t0 = System.nanoTime();

    Report report = new Report();
    Machine.describe(
        report,
        what.stream().anyMatch(w -> !w.equals("simulate") && !w.equals("events")) ? address : null);
    report.machine(
        "worker",
        "`java "
            + String.join(" ", workerJvm)
            + " -jar starter/target/cutover.jar worker`, its own "
            + "process (one per figure group), task queue bench-"
            + run
            + "-*, CUTOVER_ALLOWED_HOSTS=127.0.0.1");
    report.machine(
        "bench run",
        "bench-"
            + run
            + ": "
            + String.join(", ", what)
            + " (--cutovers "
            + cutovers
            + " --seconds "
            + seconds
            + " --samples "
            + samples
            + " --breaches "
            + breaches
            + ")");

    boolean live = what.contains("latency") || what.contains("breach");
    if (live) {
      if (address == null) {
        String why =
            "CUTOVER_TEST_TEMPORAL_ADDRESS is not set (run through ./bench, which starts the dev server)";
        if (what.contains("latency")) {
          report.notMeasured(
              "1. Signal latency", "approve / abort latency", "p95 ≤ 100 ms / ≤ 100 ms", why);
        }
        if (what.contains("breach")) {
          report.notMeasured("2. Breach → rollback", "breach → rollback", "≤ for + 200 ms", why);
        }
      } else {
        String queue = "bench-" + run + "-live";
        try (Server server = Server.connect(address);
            WorkerProcess worker = startWorker(jar, workerJvm, address, queue, logDir)) {
          Runtime.getRuntime()
              .addShutdownHook(new Thread(() -> server.terminateStarted("bench interrupted")));
          LiveBench bench = new LiveBench(server, queue, run, report);
          if (what.contains("latency")) {
            step("latency");
            bench.latency(samples);
          }
          if (what.contains("breach")) {
            step("breach");
            bench.breach(breaches);
          }
          int left = server.terminateStarted("bench done");
          if (left > 0) {
            progress("terminated %d cutovers left running", left);
          }
        } catch (RuntimeException | java.io.IOException e) {
          report.note("latency/breach aborted: " + e);
          progress("latency/breach aborted: %s", e);
        }
      }
    }
    if (what.contains("scale")) {
      step("scale");
      if (address == null) {
        report.notMeasured(
            "4. Scale",
            "concurrent cutovers on one worker",
            "≥ 5,000, p99 ≤ 150 ms, RSS ≤ 1 GB",
            "CUTOVER_TEST_TEMPORAL_ADDRESS is not set");
      } else {
        try {
          new ScaleBench(report, address, jar, workerJvm, logDir, run).run(cutovers, seconds);
        } catch (Exception e) {
          report.notMeasured(
              "4. Scale",
              "concurrent cutovers on one worker",
              "≥ 5,000, p99 ≤ 150 ms, RSS ≤ 1 GB",
              "the scale run failed: " + e);
          progress("scale failed: %s", e);
        }
      }
    }
    // The simulated figures last: the live ones are the production figures, and the time-skipping
    // runs take longest.
    if (what.contains("simulate")) {
      step("simulate");
      SimulateBench.seed001(report, repo);
    }
    if (what.contains("events")) {
      step("events");
      // `./bench events` runs the 6-week cutover to its end; within `all` it gets a budget, because
      // the in-memory server slows down as the run goes on (it takes 15-25 minutes on 2 cores).
      long budget =
          eventsBudget > 0
              ? eventsBudget
              : what.contains("latency") || what.contains("scale") ? 240 : 3600;
      new EventsBench(report, repo, budget).both();
    }
    report.machine("load average at end", Machine.loadAverage());
    report.machine("other busy processes at end (> 10% of a core)", Machine.busyProcesses());
    report.machine(
        "bench wall time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - t0) / 1e9));
    report.note(
        "Worker logs: "
            + logDir
            + ". Timestamps: the demo target's Change.atMillis and the client's clock are "
            + "this machine's wall clock; history event times come from the dev server on the same machine.");
    System.out.print(output.equals("json") ? report.json() : report.markdown());
    System.out.flush();
    boolean incomplete =
        report.figures().stream().anyMatch(f -> f.verdict() == Report.Verdict.NOT_MEASURED);
    System.exit(report.anyFailed() || incomplete ? 1 : 0);
  }

  private static void step(String name) {
    progress("=== %s ===", name);
  }

  /**
   * The real worker as its own JVM: {@code java <jvm options> -jar starter/target/cutover.jar
   * worker} on a dedicated task queue, with {@code CUTOVER_ALLOWED_HOSTS=127.0.0.1} (the demo
   * target listens on loopback, which workers refuse unless allowed). Its output goes to {@code
   * worker-QUEUE.log}.
   */
  static WorkerProcess startWorker(
      Path jar, List<String> jvmOptions, String address, String taskQueue, Path logDir)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1");
    env.put("CUTOVER_LOG_LEVEL", System.getenv().getOrDefault("CUTOVER_LOG_LEVEL", "WARN"));
    return WorkerProcess.start(
        jar,
        jvmOptions,
        List.of("worker", "--address", address, "--task-queue", taskQueue),
        env,
        logDir.resolve("worker-" + taskQueue + ".log"),
        Duration.ofSeconds(90));
  }

  static void progress(String format, Object... args) {
    System.err.println(
        "[bench "
            + java.time.LocalTime.now(java.time.ZoneId.systemDefault()).withNano(0)
            + "] "
            + String.format(Locale.ROOT, format, args));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int positive(String option, String v) {
    try {
      int n = Integer.parseInt(v);
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a positive whole number: " + v);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
