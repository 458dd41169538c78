package dev.cutover.worker;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the Temporal service is, how to connect to it and which task queue cutovers run on, read
 * the same way by the worker and the CLI: {@code TEMPORAL_ADDRESS} (default {@value
 * #DEFAULT_ADDRESS}), {@code TEMPORAL_NAMESPACE} ({@value #DEFAULT_NAMESPACE}), and TLS and API key
 * settings, each from the variables or Temporal's client profile file ({@link TemporalConnection});
 * and {@code CUTOVER_TASK_QUEUE} ({@value #DEFAULT_TASK_QUEUE}). A blank value is unset.
 */
public record TemporalSettings(
    String address, String namespace, String taskQueue, TemporalConnection connection) {
  public static final String ADDRESS_VARIABLE = "TEMPORAL_ADDRESS";
  public static final String NAMESPACE_VARIABLE = "TEMPORAL_NAMESPACE";
  public static final String TASK_QUEUE_VARIABLE = "CUTOVER_TASK_QUEUE";
  public static final String DEFAULT_ADDRESS = "localhost:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  /** The task queue workers poll and cutovers start on, unless the operator names another. */
  public static final String DEFAULT_TASK_QUEUE = "cutover";

  /** {@code host:port}, the host a name, an IPv4 address or a bracketed IPv6 address. */
  private static final Pattern HOST_PORT =
      Pattern.compile("(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]):([0-9]{1,5})");

  public TemporalSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(taskQueue, "taskQueue");
    Objects.requireNonNull(connection, "connection");
    checkAddress(address);
  }

  /** Settings for a plain connection (no TLS, no API key). */
  public TemporalSettings(String address, String namespace, String taskQueue) {
    this(address, namespace, taskQueue, TemporalConnection.PLAIN);
  }

  /**
   * A Temporal address is {@code host:port}; a gRPC target with a scheme ({@code dns:///host:port},
   * {@code unix:/path}) is passed on as it is.
   *
   * @throws IllegalArgumentException naming {@value #ADDRESS_VARIABLE}
   */
  private static void checkAddress(String address) {
    if (address.contains("://") || address.startsWith("dns:") || address.startsWith("unix:")) {
      return;
    }
    Matcher m = HOST_PORT.matcher(address);
    if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 65535) {
      throw new IllegalArgumentException(
          ADDRESS_VARIABLE
              + "="
              + address
              + " is not host:port (such as localhost:7233 or"
              + " temporal.internal:7233)");
    }
  }

  /**
   * The settings {@code environment} gives (and the profile file it points to), each defaulted when
   * unset or blank.
   *
   * @throws IllegalArgumentException naming the variable whose value is wrong
   */
  public static TemporalSettings fromEnvironment(Map<String, String> environment) {
    TemporalConnection connection = TemporalConnection.fromEnvironment(environment);
    return new TemporalSettings(
        orDefault(connection.address(), DEFAULT_ADDRESS),
        orDefault(connection.namespace(), DEFAULT_NAMESPACE),
        orDefault(environment.get(TASK_QUEUE_VARIABLE), DEFAULT_TASK_QUEUE),
        connection);
  }

  /**
   * These settings with whichever of the given values are set (command-line flags) in their place.
   */
  public TemporalSettings overriddenBy(String address, String namespace, String taskQueue) {
    return new TemporalSettings(
        orDefault(address, this.address),
        orDefault(namespace, this.namespace),
        orDefault(taskQueue, this.taskQueue),
        connection);
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.strip();
  }
}
