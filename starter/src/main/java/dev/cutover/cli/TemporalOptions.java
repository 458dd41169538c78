package dev.cutover.cli;

import dev.cutover.worker.TemporalSettings;
import dev.cutover.worker.WorkerMain;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where the Temporal service is and the cutovers' task queue: flags, else the environment variables
 * the worker reads, parsed the same way ({@link TemporalSettings}), once per command.
 */
final class TemporalOptions {
  @Option(
      names = "--address",
      description = "Temporal frontend host:port (env TEMPORAL_ADDRESS; default localhost:7233)")
  String address;

  @Option(
      names = "--namespace",
      description = "Temporal namespace (env TEMPORAL_NAMESPACE; default default)")
  String namespace;

  /** The environment's settings, read when first needed; tests set them. */
  TemporalSettings environment;

  /**
   * The settings in force: the flags given, else the environment's.
   *
   * @throws CliException exit 2 for a malformed address (flag or {@code TEMPORAL_ADDRESS}) or
   *     connection setting (TLS, API key, the profile file), naming it
   */
  TemporalSettings settings() {
    return settings(address, namespace, null);
  }

  private TemporalSettings settings(String address, String namespace, String taskQueue) {
    try {
      if (environment == null) {
        environment = TemporalSettings.fromEnvironment(System.getenv());
      }
      return environment.overriddenBy(address, namespace, taskQueue);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
    }
  }

  String address() {
    return settings().address();
  }

  String namespace() {
    return settings().namespace();
  }

  /**
   * The task queue cutovers start on: {@code flag} if given, else the environment's, else the
   * default.
   */
  String taskQueue(String flag) {
    return settings(null, null, flag).taskQueue();
  }

  /** A connected client; an unreachable server is a clear failure, not a stack trace. */
  WorkflowClient connect() {
    TemporalSettings settings = settings(); // bad settings: exit 2, before connecting
    WorkflowServiceStubs service;
    try {
      service =
          WorkflowServiceStubs.newConnectedServiceStubs(
              settings.connection().stubsOptions(settings.address()).build(),
              Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          "cannot reach Temporal at "
              + address()
              + ": "
              + rootMessage(e)
              + " (start one with ./cutover dev, or set --address / TEMPORAL_ADDRESS)",
          e);
    }
    return WorkflowClient.newInstance(
        service, WorkflowClientOptions.newBuilder().setNamespace(namespace()).build());
  }

  static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  static String rootMessage(Throwable e) {
    return WorkerMain.rootMessage(e);
  }
}
