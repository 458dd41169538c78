package dev.cutover.worker;

import java.util.Map;
import java.util.Objects;

/**
 * Where the Temporal service is and which task queue cutovers run on, read the same way by the
 * worker and the CLI: {@code TEMPORAL_ADDRESS} (default {@value #DEFAULT_ADDRESS}), {@code
 * TEMPORAL_NAMESPACE} ({@value #DEFAULT_NAMESPACE}) and {@code CUTOVER_TASK_QUEUE} ({@value
 * #DEFAULT_TASK_QUEUE}). A blank value is unset.
 */
public record TemporalSettings(String address, String namespace, String taskQueue) {
  public static final String ADDRESS_VARIABLE = "TEMPORAL_ADDRESS";
  public static final String NAMESPACE_VARIABLE = "TEMPORAL_NAMESPACE";
  public static final String TASK_QUEUE_VARIABLE = "CUTOVER_TASK_QUEUE";
  public static final String DEFAULT_ADDRESS = "localhost:7233";
  public static final String DEFAULT_NAMESPACE = "default";
  /** The task queue workers poll and cutovers start on, unless the operator names another. */
  public static final String DEFAULT_TASK_QUEUE = "cutover";

  public TemporalSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(taskQueue, "taskQueue");
  }

  /** The settings {@code environment} gives, each variable defaulted when unset or blank. */
  public static TemporalSettings fromEnvironment(Map<String, String> environment) {
    return new TemporalSettings(orDefault(environment.get(ADDRESS_VARIABLE), DEFAULT_ADDRESS),
        orDefault(environment.get(NAMESPACE_VARIABLE), DEFAULT_NAMESPACE),
        orDefault(environment.get(TASK_QUEUE_VARIABLE), DEFAULT_TASK_QUEUE));
  }

  /** These settings with whichever of the given values are set (command-line flags) in their place. */
  public TemporalSettings overriddenBy(String address, String namespace, String taskQueue) {
    return new TemporalSettings(orDefault(address, this.address), orDefault(namespace, this.namespace),
        orDefault(taskQueue, this.taskQueue));
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.strip();
  }
}
