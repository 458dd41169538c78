package dev.cutover.worker;

import dev.cutover.activities.CutoverActivitiesImpl;
import java.util.Map;
import java.util.Objects;

/**
 * The worker's configuration, read once from the environment: {@code TEMPORAL_ADDRESS} (default
 * {@code localhost:7233}), {@code TEMPORAL_NAMESPACE} ({@code default}), {@code CUTOVER_TASK_QUEUE}
 * ({@code cutover}) and {@code CUTOVER_HEALTH_PORT} (unset: no health endpoint). The whole
 * environment is kept for the activities, which read what plans may use from it ({@code
 * CUTOVER_ALLOWED_SECRETS}, {@code CUTOVER_ALLOWED_HOSTS}, {@code CUTOVER_ALLOWED_COMMANDS}, {@code
 * CUTOVER_NGINX_*}) and resolve the allowed {@code ${env:NAME}} references from it.
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

  /** Reads the configuration; a malformed value fails with a message naming the variable. */
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
    CutoverActivitiesImpl.validate(env);
    return new WorkerConfig(orDefault(env, "TEMPORAL_ADDRESS", DEFAULT_ADDRESS),
        orDefault(env, "TEMPORAL_NAMESPACE", DEFAULT_NAMESPACE),
        orDefault(env, "CUTOVER_TASK_QUEUE", DEFAULT_TASK_QUEUE), health, env);
  }

  private static String orDefault(Map<String, String> env, String key, String fallback) {
    String v = env.get(key);
    return v == null || v.isBlank() ? fallback : v.trim();
  }
}
