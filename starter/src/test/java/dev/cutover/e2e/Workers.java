package dev.cutover.e2e;

import dev.cutover.testing.WorkerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end tests' workers: the packaged worker jar, what the container image runs, as a real
 * separate process (killable with SIGKILL) on its own task queue, logging at INFO.
 */
final class Workers {
  private Workers() {}

  static WorkerProcess start(String address, String taskQueue, Map<String, String> env, Path logDir)
      throws IOException {
    Map<String, String> all = new HashMap<>();
    // Test targets listen on loopback, which workers refuse unless allowed; the variables a test
    // hands the worker are the ones its plans may reference (the test JVM's own are not).
    all.put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1,localhost");
    all.put(
        "CUTOVER_ALLOWED_SECRETS",
        String.join(
            ",",
            env.keySet().stream()
                .filter(k -> !k.startsWith("CUTOVER_") && !k.startsWith("TEMPORAL_"))
                .sorted()
                .toList()));
    all.putAll(env);
    all.put("CUTOVER_LOG_LEVEL", "INFO");
    all.put("TEMPORAL_ADDRESS", address);
    all.put("CUTOVER_TASK_QUEUE", taskQueue);
    Files.createDirectories(logDir);
    Path log = Files.createTempFile(logDir, "worker-", ".log");
    return WorkerProcess.start(
        Services.workerJar(), List.of("-Xmx256m"), List.of(), all, log, Duration.ofSeconds(60));
  }
}
