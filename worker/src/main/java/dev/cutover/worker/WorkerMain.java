package dev.cutover.worker;

import dev.cutover.ledger.LedgerSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The worker's own entry point: {@code java -jar cutover-worker.jar}, what the container image
 * runs. Everything it needs comes from the environment ({@link WorkerConfig}); it takes no
 * arguments but {@code --help} and {@code --version}. It starts the worker and runs until SIGTERM
 * or SIGINT. Exit codes are the CLI's: 0 after a clean stop, 1 when the worker cannot start (no
 * server), 2 for a malformed setting or argument, with one line on stderr naming it. {@code cutover
 * worker} runs the same code through {@link #start}.
 */
public final class WorkerMain {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int BAD_INPUT = 2;

  static final String USAGE =
      """
      Usage: java -jar cutover-worker.jar [--help | --version]
      Runs a cutover worker until SIGTERM or SIGINT. Its configuration is the environment:
        TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default), CUTOVER_TASK_QUEUE
        (cutover), CUTOVER_HEALTH_PORT (/health and /metrics; unset: none), CUTOVER_LOG_LEVEL
        (WARN), and what plans may use: CUTOVER_ALLOWED_HOSTS, CUTOVER_ALLOWED_SECRETS,
        CUTOVER_ALLOWED_COMMANDS, CUTOVER_APPROVER_KEYS, CUTOVER_REQUIRE_SIGNED_SIGNALS,
        CUTOVER_NGINX_* (see SECURITY.md);
        the ledger: CUTOVER_LEDGER_URL (unset: none), CUTOVER_LEDGER_USER, CUTOVER_LEDGER_PASSWORD,
        CUTOVER_LEDGER_OUTBOX (see docs/ledger.md).
      Exit codes: 0 stopped cleanly, 1 could not start, 2 a malformed setting or argument.
      """;

  private WorkerMain() {}

  /** A worker that could not start: the exit code to leave with and a one-line message. */
  public static final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    StartFailure(int exitCode, String message, Throwable cause) {
      super(message, cause);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(List.of(args), System.getenv(), System.out, System.err));
  }

  /** Runs the worker with {@code env} as its environment until stopped; returns the exit code. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err)
      throws InterruptedException {
    if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
      out.print(USAGE);
      return OK;
    }
    if (args.size() == 1 && (args.get(0).equals("--version") || args.get(0).equals("-V"))) {
      out.println("cutover-worker " + version());
      return OK;
    }
    if (!args.isEmpty()) {
      err.println(
          "cutover-worker: takes no arguments (its settings are environment variables), not "
              + args);
      err.print(USAGE);
      return BAD_INPUT;
    }
    CutoverWorker worker;
    try {
      worker = start(env);
    } catch (StartFailure e) {
      err.println("cutover-worker: " + e.getMessage());
      return e.exitCode();
    }
    err.println(startedLine(worker.config()));
    worker.runUntilStopped();
    return OK;
  }

  /**
   * Reads the configuration from {@code env} and starts a worker polling its task queue.
   *
   * @throws StartFailure exit code 2 for a malformed setting (the message names the variable), 1
   *     when the server cannot be reached or refuses
   */
  public static CutoverWorker start(Map<String, String> env) {
    WorkerConfig config;
    LedgerSettings ledger;
    try {
      config = WorkerConfig.fromEnvironment(env);
      ledger = LedgerSettings.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      throw new StartFailure(BAD_INPUT, e.getMessage(), e);
    }
    try {
      return CutoverWorker.start(config, ledger);
    } catch (RuntimeException e) {
      throw new StartFailure(
          FAILURE,
          "cannot start the worker against " + config.address() + ": " + rootMessage(e),
          e);
    }
  }

  /** The line a started worker prints on stderr (tests and operators wait for it). */
  public static String startedLine(WorkerConfig config) {
    return "cutover worker: task queue "
        + config.taskQueue()
        + " on "
        + config.address()
        + " (namespace "
        + config.namespace()
        + "); stop with Ctrl-C or SIGTERM";
  }

  /** The version in the jar's manifest ({@code Implementation-Version}). */
  static String version() {
    String v = WorkerMain.class.getPackage().getImplementationVersion();
    return v == null ? "(development build: not run from a jar)" : v;
  }

  /** The innermost cause's message: what went wrong, without the layers that carried it. */
  public static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
