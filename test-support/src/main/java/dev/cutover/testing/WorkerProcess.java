package dev.cutover.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real cutover worker as its own JVM ({@code java <jvm options> -jar <jar> <arguments>}), its
 * output in a log file, killable with SIGKILL. Started, it has printed the line a worker prints
 * once it polls ({@link #STARTED}).
 */
public final class WorkerProcess implements AutoCloseable {
  /** The start of the line a worker prints on stderr once it polls its task queue. */
  public static final String STARTED = "cutover worker: task queue";

  private final Process process;
  private final Path log;
  private final List<String> command;

  private WorkerProcess(Process process, Path log, List<String> command) {
    this.process = process;
    this.log = log;
    this.command = List.copyOf(command);
  }

  /**
   * Starts {@code java <jvmOptions> -jar <jar> <args>} with this JVM's environment, less {@code
   * CUTOVER_HEALTH_PORT} (two workers would want the same port), plus {@code env}; waits up to
   * {@code startTimeout} for it to poll.
   *
   * @throws IllegalStateException when the jar is missing, or the worker exits or stays silent
   */
  public static WorkerProcess start(
      Path jar,
      List<String> jvmOptions,
      List<String> args,
      Map<String, String> env,
      Path log,
      Duration startTimeout)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " does not exist; build it first (./mvnw -am package)");
    }
    Files.createDirectories(log.toAbsolutePath().getParent());
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("CUTOVER_HEALTH_PORT");
    pb.environment().putAll(env);
    WorkerProcess w = new WorkerProcess(pb.start(), log, cmd);
    try {
      w.awaitLog(STARTED, startTimeout);
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /**
   * Waits until the log contains {@code text}; fails with the log when the worker exits or time
   * runs out.
   */
  public void awaitLog(String text, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "worker exited " + process.exitValue() + ":\n" + Files.readString(log));
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "worker did not log \"" + text + "\" within " + timeout + ":\n" + Files.readString(log));
  }

  /** Everything the worker printed so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  public Path logFile() {
    return log;
  }

  public List<String> command() {
    return command;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no graceful drain; what a crash or an OOM kill looks like. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Sleeps, turning an interrupt into an unchecked failure (the interrupt flag stays set). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
