package dev.cutover.worker;

import dev.cutover.activities.CutoverActivitiesImpl;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The worker's configuration, read once from the environment: {@code TEMPORAL_ADDRESS} (default
 * {@code localhost:7233}), {@code TEMPORAL_NAMESPACE} ({@code default}), {@code CUTOVER_TASK_QUEUE}
 * ({@code cutover}) and {@code CUTOVER_HEALTH_PORT} (unset: no health endpoint). The whole
 * environment is kept for the activities, which read what plans may use from it ({@code
 * CUTOVER_ALLOWED_SECRETS}, {@code CUTOVER_ALLOWED_HOSTS}, {@code CUTOVER_ALLOWED_COMMANDS}, {@code
 * CUTOVER_NGINX_*}, the approver keyring {@code CUTOVER_APPROVER_KEYS} and {@code
 * CUTOVER_REQUIRE_SIGNED_SIGNALS}) and resolve the allowed {@code ${env:NAME}} references from it.
 * {@link #fromEnvironment} checks every one of them without connecting anywhere, so a malformed
 * setting stops a worker before it reaches for Temporal, reachable or not.
 */
public record WorkerConfig(String address, String namespace, String taskQueue, Integer healthPort,
    Map<String, String> environment) {
  public static final String DEFAULT_ADDRESS = "localhost:7233";
  public static final String DEFAULT_NAMESPACE = "default";
  public static final String DEFAULT_TASK_QUEUE = "cutover";

  public WorkerConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(taskQueue, "taskQueue");
    environment = Map.copyOf(environment);
  }

  /** Log levels {@code CUTOVER_LOG_LEVEL} may name (logback would read any other word as DEBUG). */
  static final Set<String> LOG_LEVELS = Set.of("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
  /** {@code host:port}, the host a name, an IPv4 address or a bracketed IPv6 address. */
  private static final Pattern HOST_PORT = Pattern.compile("(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]):([0-9]{1,5})");

  /**
   * Reads the configuration and checks every worker setting; a malformed value fails with a message
   * naming the variable (and the entry, or the keyring's line).
   */
  public static WorkerConfig fromEnvironment(Map<String, String> env) {
    Integer health = null;
    String hp = env.get("CUTOVER_HEALTH_PORT");
    if (hp != null && !hp.isBlank()) {
      try {
        health = Integer.parseInt(hp.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("CUTOVER_HEALTH_PORT=" + hp + " is not a port number");
      }
      if (health < 0 || health > 65535) {
        throw new IllegalArgumentException("CUTOVER_HEALTH_PORT=" + hp + " is not a port number");
      }
    }
    checkAddress(orDefault(env, "TEMPORAL_ADDRESS", DEFAULT_ADDRESS));
    String level = env.get("CUTOVER_LOG_LEVEL");
    if (level != null && !level.isBlank() && !LOG_LEVELS.contains(level.strip().toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException("CUTOVER_LOG_LEVEL=" + level.strip() + " is not a log level (one of "
          + String.join(", ", new TreeSet<>(LOG_LEVELS)) + ")");
    }
    CutoverActivitiesImpl.validate(env);
    return new WorkerConfig(orDefault(env, "TEMPORAL_ADDRESS", DEFAULT_ADDRESS),
        orDefault(env, "TEMPORAL_NAMESPACE", DEFAULT_NAMESPACE),
        orDefault(env, "CUTOVER_TASK_QUEUE", DEFAULT_TASK_QUEUE), health, env);
  }

  /**
   * A Temporal address is {@code host:port}; a gRPC target with a scheme ({@code dns:///host:port},
   * {@code unix:/path}) is passed on as it is.
   */
  private static void checkAddress(String address) {
    if (address.contains("://") || address.startsWith("dns:") || address.startsWith("unix:")) {
      return;
    }
    Matcher m = HOST_PORT.matcher(address);
    if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 65535) {
      throw new IllegalArgumentException("TEMPORAL_ADDRESS=" + address + " is not host:port (such as localhost:7233 or"
          + " temporal.internal:7233)");
    }
  }

  private static String orDefault(Map<String, String> env, String key, String fallback) {
    String v = env.get(key);
    return v == null || v.isBlank() ? fallback : v.trim();
  }
}
