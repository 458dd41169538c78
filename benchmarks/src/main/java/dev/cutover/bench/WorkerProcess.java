package dev.cutover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real worker as its own JVM: {@code java <jvm options> -jar starter/target/cutover.jar worker}
 * on a dedicated task queue, with {@code CUTOVER_ALLOWED_HOSTS=127.0.0.1} (the demo target listens
 * on loopback, which workers refuse unless allowed). Its output goes to a log file.
 */
final class WorkerProcess implements AutoCloseable {
  final Process process;
  final Path log;
  final List<String> command;

  private WorkerProcess(Process process, Path log, List<String> command) {
    this.process = process;
    this.log = log;
    this.command = command;
  }

  static WorkerProcess start(Path jar, List<String> jvmOptions, String address, String taskQueue, Path logDir,
      Map<String, String> env) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " does not exist; ./bench builds it (mvn -pl bench -am package)");
    }
    Files.createDirectories(logDir);
    Path log = logDir.resolve("worker-" + taskQueue + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString(), "worker", "--address", address, "--task-queue", taskQueue));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1");
    pb.environment().putIfAbsent("CUTOVER_LOG_LEVEL", "WARN");
    pb.environment().remove("CUTOVER_HEALTH_PORT");
    pb.environment().putAll(env);
    WorkerProcess w = new WorkerProcess(pb.start(), log, cmd);
    w.awaitLog("cutover worker: task queue", Duration.ofSeconds(90));
    return w;
  }

  long pid() {
    return process.pid();
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
      Bench.sleep(100);
    }
    throw new IllegalStateException("worker did not log \"" + text + "\" within " + timeout + ":\n" + Files.readString(log));
  }

  /** SIGTERM (the worker finishes running tasks, up to 30 s), then SIGKILL if it must. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
