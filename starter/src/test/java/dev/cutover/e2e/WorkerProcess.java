package dev.cutover.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code cutover worker} as a real separate process, started from the packaged jar, killable with SIGKILL. */
final class WorkerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static WorkerProcess start(String address, String taskQueue, Map<String, String> env, Path logDir) throws IOException {
    Files.createDirectories(logDir);
    Path log = Files.createTempFile(logDir, "worker-", ".log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", Services.cutoverJar().toString(), "worker", "--address", address, "--task-queue", taskQueue));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    // Test targets listen on loopback, which workers refuse unless allowed; the variables a test
    // hands the worker are the ones its plans may reference (the test JVM's own are not).
    pb.environment().put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1,localhost");
    pb.environment().put("CUTOVER_ALLOWED_SECRETS", String.join(",", env.keySet().stream()
        .filter(k -> !k.startsWith("CUTOVER_") && !k.startsWith("TEMPORAL_")).sorted().toList()));
    pb.environment().putAll(env);
    pb.environment().put("CUTOVER_LOG_LEVEL", "INFO");
    WorkerProcess w = new WorkerProcess(pb.start(), log);
    w.awaitLog("cutover worker: task queue", Duration.ofSeconds(60));
    return w;
  }

  void awaitLog(String text, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("worker exited " + process.exitValue() + ":\n" + Files.readString(log));
      }
      sleep(100);
    }
    throw new IllegalStateException("worker did not log \"" + text + "\" within " + timeout + ":\n" + Files.readString(log));
  }

  /** SIGKILL: no shutdown hook, no graceful drain; what a crash or an OOM kill looks like. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
