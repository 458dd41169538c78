package dev.cutover.worker;

import dev.cutover.activities.ActivitySettings;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The worker's configuration, read once from the environment at its start ({@link
 * #fromEnvironment}, the one place a worker parses its settings) and passed down typed: where
 * Temporal is and the task queue ({@link TemporalSettings}: {@code TEMPORAL_ADDRESS}, {@code
 * TEMPORAL_NAMESPACE}, {@code CUTOVER_TASK_QUEUE}), {@code CUTOVER_HEALTH_PORT} (unset: no health
 * endpoint), and what plans may use ({@link ActivitySettings}: {@code CUTOVER_ALLOWED_SECRETS},
 * {@code CUTOVER_ALLOWED_HOSTS}, {@code CUTOVER_ALLOWED_COMMANDS}, {@code CUTOVER_NGINX_*}, {@code
 * CUTOVER_APPROVER_KEYS}, {@code CUTOVER_REQUIRE_SIGNED_SIGNALS}, with the environment the allowed
 * {@code ${env:NAME}} references resolve against).
 */
public record WorkerConfig(
    String address,
    String namespace,
    String taskQueue,
    Integer healthPort,
    ActivitySettings activities,
    TemporalConnection connection) {
  public static final String HEALTH_PORT_VARIABLE = "CUTOVER_HEALTH_PORT";
  public static final String DEFAULT_ADDRESS = TemporalSettings.DEFAULT_ADDRESS;
  public static final String DEFAULT_NAMESPACE = TemporalSettings.DEFAULT_NAMESPACE;
  public static final String DEFAULT_TASK_QUEUE = TemporalSettings.DEFAULT_TASK_QUEUE;

  public WorkerConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(taskQueue, "taskQueue");
    Objects.requireNonNull(activities, "activities");
    Objects.requireNonNull(connection, "connection");
  }

  /** As the canonical constructor, on a plain connection (no TLS, no API key). */
  public WorkerConfig(
      String address,
      String namespace,
      String taskQueue,
      Integer healthPort,
      ActivitySettings activities) {
    this(address, namespace, taskQueue, healthPort, activities, TemporalConnection.PLAIN);
  }

  /** A worker on {@code temporal} with {@code activities}, without a health endpoint. */
  public WorkerConfig(TemporalSettings temporal, ActivitySettings activities) {
    this(
        temporal.address(),
        temporal.namespace(),
        temporal.taskQueue(),
        null,
        activities,
        temporal.connection());
  }

  /**
   * Reads and checks every setting; nothing is connected or started.
   *
   * @throws IllegalArgumentException for a malformed value, its message naming the variable and the
   *     entry (or the line of the approver keyring)
   */
  public static WorkerConfig fromEnvironment(Map<String, String> env) {
    Integer health = healthPort(env.get(HEALTH_PORT_VARIABLE));
    checkLogLevel(env.get(LOG_LEVEL_VARIABLE));
    ActivitySettings activities = ActivitySettings.fromEnvironment(env);
    TemporalSettings temporal = TemporalSettings.fromEnvironment(env);
    return new WorkerConfig(
        temporal.address(),
        temporal.namespace(),
        temporal.taskQueue(),
        health,
        activities,
        temporal.connection());
  }

  /** Log levels {@code CUTOVER_LOG_LEVEL} may name (logback would read any other word as DEBUG). */
  static final Set<String> LOG_LEVELS =
      Set.of("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  public static final String LOG_LEVEL_VARIABLE = "CUTOVER_LOG_LEVEL";

  private static void checkLogLevel(String level) {
    if (level != null
        && !level.isBlank()
        && !LOG_LEVELS.contains(level.strip().toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          LOG_LEVEL_VARIABLE
              + "="
              + level.strip()
              + " is not a log level (one of "
              + String.join(", ", new TreeSet<>(LOG_LEVELS))
              + ")");
    }
  }

  private static Integer healthPort(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          HEALTH_PORT_VARIABLE + "=" + value + " is not a port number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          HEALTH_PORT_VARIABLE + "=" + value + " is not a port number");
    }
    return port;
  }
}
