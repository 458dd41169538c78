package dev.cutover.activities;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one program without a shell: argv as given, a clean environment (exactly the map given),
 * standard input closed, standard output and error merged, and both the run time and the output
 * kept bounded. On timeout, or when the calling thread is interrupted, the program and every
 * process it started (as far as they are still its descendants) are killed with SIGKILL.
 *
 * <p>Limits a caller should know: a descendant that detached itself (double fork, {@code setsid}
 * and exit of its parent) is no longer a descendant and is not killed; a descendant still holding
 * the output pipe open after the program exits stops the output from being read after {@value
 * #DRAIN_MILLIS} ms, and the run ends without waiting for it.
 *
 * <p>Thread-safe: no state; each run uses one reader thread of its own.
 */
final class ProcessRunner {
  /** How long to wait for the rest of the output once the program has exited. */
  static final long DRAIN_MILLIS = 2_000;

  private ProcessRunner() {}

  /**
   * What a run did: its exit code (-1 when it was killed), whether it ran out of time, the last
   * {@code keepBytes} of its output as text, how many bytes it wrote in all, and how long it ran.
   */
  record Result(int exitCode, boolean timedOut, String output, long outputBytes, Duration took) {
    /** Whether the kept output is only the end of what the program wrote. */
    boolean truncated() {
      return outputBytes > output.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * The last {@code maxLines} non-blank lines of the output, at most {@code maxChars} characters,
     * on one line.
     */
    String tail(int maxLines, int maxChars) {
      return ProcessRunner.tail(output, maxLines, maxChars);
    }
  }

  /**
   * The last {@code maxLines} non-blank lines of {@code output}, at most {@code maxChars}
   * characters, on one line.
   */
  static String tail(String output, int maxLines, int maxChars) {
    String[] lines = output.replace("\r", "\n").split("\n");
    List<String> kept = new ArrayList<>();
    for (int i = lines.length - 1; i >= 0 && kept.size() < maxLines; i--) {
      String l = lines[i].replaceAll("\\p{Cntrl}", " ").strip();
      if (!l.isEmpty()) {
        kept.add(0, l);
      }
    }
    String joined = String.join(" | ", kept);
    return joined.length() <= maxChars
        ? joined
        : "..." + joined.substring(joined.length() - maxChars);
  }

  /** Thrown when the program cannot be started at all (not found, not executable). */
  static final class CannotStart extends IOException {
    CannotStart(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code argv} in {@code workDir} with exactly {@code environment}.
   *
   * @throws CannotStart when the program cannot be started
   * @throws InterruptedException when the calling thread is interrupted (the program is killed
   *     first)
   */
  static Result run(
      List<String> argv,
      Map<String, String> environment,
      Path workDir,
      Duration timeout,
      int keepBytes)
      throws CannotStart, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    pb.environment().clear();
    pb.environment().putAll(environment);
    long started = System.nanoTime();
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new CannotStart(HttpCalls.firstLine(e.getMessage()));
    }
    Tail tail = new Tail(keepBytes);
    Thread reader =
        new Thread(() -> tail.readAll(process.getInputStream()), "cutover-process-output");
    reader.setDaemon(true);
    reader.start();
    try {
      process.getOutputStream().close(); // no input: a program waiting for some gets end-of-file
    } catch (IOException ignored) {
      // it exited already
    }
    boolean finished;
    try {
      finished = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    if (!finished) {
      killTree(process);
    }
    reader.join(DRAIN_MILLIS);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    return new Result(
        finished ? process.exitValue() : -1, !finished, tail.text(), tail.total(), took);
  }

  /**
   * SIGKILL to the program, then to every descendant it had: the program first, so it can neither
   * start new children nor react to the loss of the ones it has.
   */
  static void killTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last {@code capacity} bytes of a stream, and how many bytes it had. */
  private static final class Tail {
    private final byte[] ring;
    private long total;

    Tail(int capacity) {
      this.ring = new byte[Math.max(1, capacity)];
    }

    void readAll(InputStream in) {
      byte[] buf = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buf)) > 0) {
          append(buf, n);
        }
      } catch (IOException ignored) {
        // the process went away; what was read is kept
      }
    }

    private synchronized void append(byte[] buf, int n) {
      for (int i = 0; i < n; i++) {
        ring[(int) ((total + i) % ring.length)] = buf[i];
      }
      total += n;
    }

    synchronized long total() {
      return total;
    }

    synchronized String text() {
      int size = (int) Math.min(total, ring.length);
      byte[] out = new byte[size];
      long start = total - size;
      for (int i = 0; i < size; i++) {
        out[i] = ring[(int) ((start + i) % ring.length)];
      }
      return new String(out, StandardCharsets.UTF_8);
    }
  }
}
