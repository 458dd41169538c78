package dev.cutover.cli;

import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.TemporalSettings;
import dev.cutover.worker.WorkerMain;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "worker",
    description = {
      "Run a cutover worker, as java -jar cutover-worker.jar does (configuration"
          + " from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, CUTOVER_TASK_QUEUE, CUTOVER_HEALTH_PORT, CUTOVER_LOG_LEVEL; what plans"
          + " may use from CUTOVER_ALLOWED_SECRETS, CUTOVER_ALLOWED_HOSTS, CUTOVER_ALLOWED_COMMANDS, CUTOVER_NGINX_DIRS,"
          + " CUTOVER_NGINX_CONFIG, CUTOVER_NGINX_BIN; signed approvals from CUTOVER_APPROVER_KEYS,"
          + " CUTOVER_REQUIRE_SIGNED_SIGNALS).",
      "Every setting is checked before the worker connects: a malformed one stops it with exit code 2, naming it."
    })
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--address", description = "overrides TEMPORAL_ADDRESS")
  String address;

  @Option(names = "--namespace", description = "overrides TEMPORAL_NAMESPACE")
  String namespace;

  @Option(names = "--task-queue", description = "overrides CUTOVER_TASK_QUEUE")
  String taskQueue;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> env = new HashMap<>(System.getenv());
    if (address != null) {
      env.put(TemporalSettings.ADDRESS_VARIABLE, address);
    }
    if (namespace != null) {
      env.put(TemporalSettings.NAMESPACE_VARIABLE, namespace);
    }
    if (taskQueue != null) {
      env.put(TemporalSettings.TASK_QUEUE_VARIABLE, taskQueue);
    }
    CutoverWorker worker;
    try {
      worker = WorkerMain.start(env);
    } catch (WorkerMain.StartFailure e) {
      throw new CliException(e.exitCode(), e.getMessage(), e.getCause());
    }
    err.println(WorkerMain.startedLine(worker.config()));
    worker.runUntilStopped();
    return ExitCodes.OK;
  }
}
