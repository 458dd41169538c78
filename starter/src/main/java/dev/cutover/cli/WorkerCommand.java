package dev.cutover.cli;

import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.TemporalSettings;
import dev.cutover.worker.WorkerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", description = {"Run a cutover worker (configuration from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,"
    + " CUTOVER_TASK_QUEUE, CUTOVER_HEALTH_PORT, CUTOVER_LOG_LEVEL; what plans may use from CUTOVER_ALLOWED_SECRETS,"
    + " CUTOVER_ALLOWED_HOSTS, CUTOVER_ALLOWED_COMMANDS, CUTOVER_NGINX_DIRS, CUTOVER_NGINX_CONFIG, CUTOVER_NGINX_BIN;"
    + " signed approvals from CUTOVER_APPROVER_KEYS, CUTOVER_REQUIRE_SIGNED_SIGNALS).",
    "Every setting is checked before the worker connects: a malformed one stops it with exit code 2, naming it."})
final class WorkerCommand implements Callable<Integer> {
  @Option(names = "--address", description = "overrides TEMPORAL_ADDRESS")
  String address;

  @Option(names = "--namespace", description = "overrides TEMPORAL_NAMESPACE")
  String namespace;

  @Option(names = "--task-queue", description = "overrides CUTOVER_TASK_QUEUE")
  String taskQueue;

  @Override
  public Integer call() throws InterruptedException {
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
    WorkerConfig config;
    try {
      // Every setting, before connecting: a bad one is named even when Temporal cannot be reached.
      config = WorkerConfig.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
    }
    CutoverWorker worker;
    try {
      worker = CutoverWorker.start(config);
    } catch (RuntimeException e) {
      throw new CliException(ExitCodes.FAILURE, "cannot start the worker against " + config.address() + ": "
          + TemporalOptions.rootMessage(e), e);
    }
    System.err.println("cutover worker: task queue " + config.taskQueue() + " on " + config.address()
        + " (namespace " + config.namespace() + "); stop with Ctrl-C or SIGTERM");
    worker.runUntilStopped();
    return ExitCodes.OK;
  }
}
