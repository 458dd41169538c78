package dev.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.activities.ActivitySettings;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.TemporalSettings;
import dev.cutover.worker.WorkerConfig;
import dev.cutover.workflows.CutoverInput;
import dev.cutover.workflows.CutoverWorkflow;
import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import dev.cutover.workflows.SignalPayload;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A real cutover end to end with nothing installed: an in-process Temporal service, the real worker
 * and activities, and the bundled demo service (a flag API and an application whose v2 path takes
 * the rollout percent of simulated traffic). The plan is {@code examples/demo.yaml}.
 */
@Command(
    name = "demo",
    description =
        "Run a real cutover 10%% -> 50%% -> 100%% against a bundled demo service, in about a minute. --fail makes the new path fail half-way and shows the automatic rollback.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static final String APPROVER = "demo-approver";

  @Option(
      names = "--fail",
      description = "make the new path's error rate rise during the 50%% stage")
  boolean fail;

  @Option(names = "--timeout", description = "give up after this many seconds (default 180)")
  int timeoutSeconds = 180;

  private final long t0 = System.currentTimeMillis();

  @Override
  @SuppressWarnings("try") // the worker only has to run (and stop) around the cutover
  public Integer call() throws Exception {
    JsonNode plan = bundledPlan();
    say("starting the demo service, an in-process Temporal service and a cutover worker");
    try (DemoTarget target = DemoTarget.start(0);
        TestWorkflowEnvironment temporal =
            TestWorkflowEnvironment.newInstance(
                TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build())) {
      for (String sa : List.of("CutoverPlan", "CutoverStage", "CutoverState")) {
        temporal.registerSearchAttribute(sa, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      }
      temporal.registerSearchAttribute("CutoverPercent", IndexedValueType.INDEXED_VALUE_TYPE_INT);
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("DEMO_TARGET_URL", target.baseUrl());
      // The demo service listens on loopback, which workers refuse unless allowed, and the plan
      // finds it through ${env:DEMO_TARGET_URL}, which a worker resolves only when allowed.
      env.put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1");
      env.put("CUTOVER_ALLOWED_SECRETS", "DEMO_TARGET_URL");
      WorkflowClient client = temporal.getWorkflowClient();
      WorkerConfig config =
          new WorkerConfig(
              new TemporalSettings(
                  // Not dialled (the worker uses the in-process client); a host:port that the
                  // settings accept and that can never resolve (.invalid is reserved).
                  "in-process.invalid:7233",
                  TemporalSettings.DEFAULT_NAMESPACE,
                  TemporalSettings.DEFAULT_TASK_QUEUE),
              ActivitySettings.fromEnvironment(env));
      Path scratch = Files.createTempDirectory("cutover-demo-");
      try (EmbeddedLedger ledger =
              EmbeddedLedger.start(
                  env, scratch.resolve("ledger"), scratch.resolve("ledger-outbox"), this::say);
          CutoverWorker worker = CutoverWorker.start(config, client, ledger.settings())) {
        say(
            "demo service at "
                + target.baseUrl()
                + " (flag v2-rollout, /health, /stats, /metrics)");
        CutoverWorkflow wf =
            client.newWorkflowStub(
                CutoverWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("cutover-demo")
                    .setTaskQueue(config.taskQueue())
                    .build());
        WorkflowClient.start(wf::run, CutoverInput.start(plan, "demo-operator"));
        say(
            "started cutover-demo (plan examples/demo.yaml) as demo-operator"
                + (fail ? "; errors will be injected at 50%" : ""));
        Status end = follow(client, target);
        int code = report(end, target);
        writeLedgerReport(worker, ledger);
        return code;
      }
    }
  }

  /** Where the demo's report goes (default: the system's temporary directory). */
  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "write the cutover's report here (default: cutover-demo-report.html in the temporary directory)")
  Path reportFile;

  /** The demo's last word: the report from its ledger, and where it is. */
  private void writeLedgerReport(CutoverWorker worker, EmbeddedLedger ledger)
      throws InterruptedException {
    if (ledger.settings() == null) {
      return;
    }
    if (!worker.awaitLedger(30_000)) {
      say("the ledger has not caught up; the report may miss the last records");
    }
    Path file =
        reportFile != null
            ? reportFile
            : Path.of(System.getProperty("java.io.tmpdir"), "cutover-demo-report.html");
    Path written =
        ReportCommand.write(
            org.jdbi.v3.core.Jdbi.create(
                dev.cutover.ledger.LedgerWriter.dataSource(ledger.settings())),
            "cutover-demo",
            file);
    out().println("report: " + written.toAbsolutePath());
  }

  private Status follow(WorkflowClient client, DemoTarget target) throws InterruptedException {
    Set<String> seen = new HashSet<>();
    String lastState = "";
    boolean injected = false;
    long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      Status s;
      try {
        s = Cutovers.status(client, "cutover-demo");
      } catch (CliException e) {
        Thread.sleep(200);
        continue;
      }
      for (CutoverState.Decision d : s.decisions()) {
        if (seen.add(d.at() + d.by() + d.action() + d.text())) {
          say(
              (d.accepted() ? "" : "REJECTED ")
                  + d.text()
                  + ("cutover".equals(d.by()) ? "" : "  [" + d.by() + "]"));
        }
      }
      if (!s.state().equals(lastState)) {
        lastState = s.state();
        say(
            "state "
                + s.state()
                + (s.stage() == null ? "" : ", stage " + s.stage().name())
                + (s.percent() == null ? "" : ", traffic " + s.percent() + "%"));
      }
      if (fail
          && !injected
          && s.stage() != null
          && s.stage().name().equals("half")
          && "SOAKING".equals(s.phase())) {
        injected = true;
        target.setErrorRate(0.3);
        say("injecting a fault: the v2 path now fails 30% of its requests");
      }
      if ("AWAITING_APPROVAL".equals(s.state())) {
        say(
            "a person approves stage "
                + s.stage().name()
                + " (here: "
                + APPROVER
                + " via cutover approve)");
        OperationResult r =
            Cutovers.operate(
                client,
                "cutover-demo",
                new Operation(
                    "approve", new SignalPayload(s.stage().name(), APPROVER, "demo", null, null)));
        if (!r.accepted()) {
          say("approval rejected: " + r.text());
        }
      }
      if ("ROLLED_BACK".equals(s.state())) {
        say("the cutover holds after its rollback; the operator ends it (cutover abandon)");
        Cutovers.operate(
            client,
            "cutover-demo",
            new Operation(
                "abandon", new SignalPayload(null, "demo-operator", null, "demo over", null)));
      }
      if (s.state().equals("COMPLETED") || s.state().equals("ABANDONED")) {
        return s;
      }
      Thread.sleep(250);
    }
    throw new CliException(
        ExitCodes.FAILURE, "the demo did not finish within " + timeoutSeconds + "s");
  }

  private int report(Status end, DemoTarget target) {
    StringBuilder percents = new StringBuilder();
    for (Change c : target.changes()) {
      if (c.kind().equals("flag") && c.name().equals(DemoTarget.ROLLOUT_FLAG)) {
        percents.append(percents.length() == 0 ? "" : " -> ").append(c.value()).append('%');
      }
    }
    out().println();
    out()
        .println("cutover-demo ended " + end.state() + "; traffic on the v2 path went " + percents);
    boolean ok =
        fail
            ? end.state().equals("ABANDONED") && Integer.valueOf(0).equals(end.percent())
            : end.state().equals("COMPLETED") && Integer.valueOf(100).equals(end.percent());
    if (!ok) {
      spec.commandLine()
          .getErr()
          .println("cutover demo: unexpected ending; status:\n" + StatusText.render(end));
      return ExitCodes.FAILURE;
    }
    out()
        .println(
            fail
                ? "The breach was caught and rolled back automatically, with no one at the keyboard."
                : "All three stages soaked with their gates passing; the 50% stage waited for an approval.");
    return ExitCodes.OK;
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private void say(String text) {
    out().printf("%6.1fs  %s%n", (System.currentTimeMillis() - t0) / 1000.0, text);
    out().flush();
  }

  static JsonNode bundledPlan() {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo.yaml")) {
      if (in == null) {
        throw new CliException(ExitCodes.FAILURE, "demo.yaml is missing from the build");
      }
      JsonNode tree = PlanReader.parseTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      PlanReader.fromTree(tree);
      return tree;
    } catch (IOException | PlanException e) {
      throw new CliException(
          ExitCodes.FAILURE, "the bundled demo plan is broken: " + e.getMessage(), e);
    }
  }
}
