package dev.cutover.activities;

import dev.cutover.plan.Action;
import dev.cutover.plan.Durations;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan's {@code command} action: a program, without a shell, that the worker's environment
 * allows by name.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Allowed programs.</b> {@code CUTOVER_ALLOWED_COMMANDS} is a comma-separated list; unset
 *       or empty, no command runs. An entry matches {@code argv[0]} only when it is the same text:
 *       an entry with a {@code /} is an absolute path and allows exactly that file; a bare name
 *       ({@code psql}) allows the plan to write exactly {@code psql}, which the worker finds
 *       through its own {@code PATH}. A bare entry does not allow {@code /some/dir/psql}: the
 *       plan would then choose which program of that name runs.
 *   <li><b>Arguments.</b> {@code ${env:NAME}} is resolved from the worker's environment (through
 *       {@link Secrets}, so the value is redacted from everything this class returns or throws)
 *       and {@code ${stage}} is the stage's name. Arguments are visible to other users of the
 *       worker's machine ({@code ps}); a program can read its secrets from its environment instead.
 *   <li><b>What the program gets.</b> The worker's environment, plus {@code
 *       CUTOVER_IDEMPOTENCY_KEY} (the same for every delivery of one step, so a program can
 *       recognise a repeat), {@code CUTOVER_WORKFLOW_ID} and {@code CUTOVER_STAGE} (absent during a
 *       full rollback); a fresh empty working directory, deleted afterwards; no standard input.
 *   <li><b>Outcome.</b> Exit code equal to the action's {@code exitCode}: success, described with
 *       a short tail of the output. Another exit code: non-retryable {@code ExpectationFailed}
 *       naming the code and the last lines of output. Still running after {@code timeout}: the
 *       program and its child processes are killed, retryable {@code Unavailable}. Not allowed or
 *       cannot start: non-retryable {@code InvalidRequest}.
 *   <li><b>Output.</b> Standard output and error, merged; the last {@value #KEEP_BYTES} bytes are
 *       kept and logged by the worker (redacted); at most {@value #TAIL_CHARS} characters of the
 *       last lines reach workflow history, redacted. Values of worker environment variables whose
 *       names say they are secret ({@code *PASSWORD*}, {@code *TOKEN*}, {@code *SECRET*}, {@code
 *       *API_KEY*}, ...) and whose values have 8 characters or more are redacted too, since the
 *       program sees them.
 *   <li><b>One run at a time per step.</b> A second delivery of the same step (same idempotency
 *       key) arriving at this worker while the first still runs waits for that run and reports
 *       its outcome instead of starting the program again. On another worker it would run again,
 *       with the same {@code CUTOVER_IDEMPOTENCY_KEY}.
 * </ul>
 *
 * <p>Thread-safe: the allowed list and environment are fixed at construction; runs in flight are
 * tracked in a concurrent map.
 */
final class Commands {
  static final String ALLOWED = "CUTOVER_ALLOWED_COMMANDS";
  static final int KEEP_BYTES = 64 * 1024;
  static final int TAIL_LINES = 10;
  static final int TAIL_CHARS = 800;
  /** How a secret-looking variable is named; its value is redacted from output. */
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH).*");
  private static final Logger LOG = LoggerFactory.getLogger(Commands.class);

  private final Map<String, String> environment;
  private final Set<String> allowed;
  private final Secrets secrets;
  private final Map<String, CompletableFuture<String>> running = new ConcurrentHashMap<>();

  Commands(Map<String, String> environment, Secrets secrets) {
    this.environment = Map.copyOf(environment);
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    String list = environment.get(ALLOWED);
    Set<String> entries = new LinkedHashSet<>();
    if (list != null) {
      Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(entries::add);
    }
    this.allowed = java.util.Collections.unmodifiableSet(entries); // in the operator's order, for messages
  }

  /**
   * Runs {@code command} for {@code request} and says what happened, e.g. {@code "command
   * final-sync --to green -> exit 0 in 3.2s; output: synced 1200 rows"}.
   *
   * @throws ApplicationFailure as the class documentation says
   */
  String run(Action.Command command, EffectRequest request) {
    String described = describe(command.argv());
    String program = command.argv().get(0);
    if (allowed.isEmpty()) {
      throw HttpCalls.invalid(described + ": this worker runs no commands; set " + ALLOWED
          + " to the programs it may run (comma-separated)");
    }
    if (!allowed.contains(program)) {
      String hint = program.contains("/") && allowed.contains(Path.of(program).getFileName().toString())
          ? " (" + Path.of(program).getFileName() + " is allowed as a bare name, found through the worker's PATH:"
              + " write it so in the plan, or list the full path)"
          : "";
      throw HttpCalls.invalid(described + ": \"" + program + "\" is not allowed on this worker; "
          + ALLOWED + " lists " + String.join(", ", allowed) + hint);
    }
    String badProgram = PlanSyntax.programProblem(program); // the plan reader's rule
    if (badProgram != null) {
      throw HttpCalls.invalid(described + ": " + badProgram);
    }
    List<String> argv = resolve(command.argv(), request, described);
    String key = request.idempotencyKey();
    if (key == null) {
      return execute(command, argv, request, described);
    }
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> earlier = running.putIfAbsent(key, mine);
    if (earlier != null) {
      return join(earlier, command, described);
    }
    try {
      String done = execute(command, argv, request, described);
      mine.complete(done);
      return done;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      running.remove(key, mine);
    }
  }

  /** Waits for a run of the same step already under way on this worker, and reports its outcome. */
  private String join(CompletableFuture<String> earlier, Action.Command command, String described) {
    try {
      return earlier.get(command.timeout().toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApplicationFailure f) {
        throw f.isNonRetryable() ? ApplicationFailure.newNonRetryableFailure(f.getOriginalMessage(), f.getType())
            : ApplicationFailure.newFailure(f.getOriginalMessage(), f.getType());
      }
      throw ApplicationFailure.newFailure(described + ": the run already under way failed", FailureTypes.UNAVAILABLE);
    } catch (TimeoutException e) {
      throw ApplicationFailure.newFailure(described + ": still running from an earlier delivery",
          FailureTypes.UNAVAILABLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure(described + ": interrupted", FailureTypes.UNAVAILABLE);
    }
  }

  private List<String> resolve(List<String> written, EffectRequest request, String described) {
    List<String> argv = new ArrayList<>(written.size());
    argv.add(written.get(0));
    for (String arg : written.subList(1, written.size())) {
      if (Placeholders.uses(arg, "stage") && request.stage() == null) {
        throw HttpCalls.invalid(described + ": uses ${stage}, but this step belongs to no stage");
      }
      String stage = request.stage();
      argv.add(Placeholders.fill(arg, v -> v.equals("stage") ? stage : null, secrets));
    }
    return argv;
  }

  private String execute(Action.Command command, List<String> argv, EffectRequest request, String described) {
    Map<String, String> env = new HashMap<>(environment);
    env.forEach((name, value) -> {
      if (SECRET_NAME.matcher(name).matches() && value.length() >= 8) {
        secrets.lookup(name);
      }
    });
    putIfSet(env, "CUTOVER_IDEMPOTENCY_KEY", request.idempotencyKey());
    putIfSet(env, "CUTOVER_WORKFLOW_ID", request.workflowId());
    putIfSet(env, "CUTOVER_STAGE", request.stage());
    Path dir = null;
    ProcessRunner.Result result;
    try {
      dir = Files.createTempDirectory("cutover-command-");
      result = ProcessRunner.run(argv, env, dir, command.timeout(), KEEP_BYTES);
    } catch (ProcessRunner.CannotStart e) {
      throw HttpCalls.invalid(secrets.redact(described + " could not start: " + e.getMessage()));
    } catch (IOException e) {
      throw ApplicationFailure.newFailure(described + ": no working directory: " + HttpCalls.firstLine(e.getMessage()),
          FailureTypes.UNAVAILABLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure(described + ": interrupted (the worker is stopping); stopped the program",
          FailureTypes.UNAVAILABLE);
    } finally {
      deleteTree(dir);
    }
    String output = secrets.redact(result.output());
    String tail = ProcessRunner.tail(output, TAIL_LINES, TAIL_CHARS); // redacted before it is cut
    String took = seconds(result.took());
    LOG.info("{} ({}): exit {} after {}, {} bytes of output{}:\n{}", described, request.idempotencyKey(),
        result.timedOut() ? "none (killed)" : result.exitCode(), took, result.outputBytes(),
        result.truncated() ? " (the last " + KEEP_BYTES + " shown)" : "", output);
    String said = tail.isEmpty() ? "no output" : "last output: " + tail;
    if (result.timedOut()) {
      throw ApplicationFailure.newFailure(described + " did not finish within " + Durations.format(command.timeout())
          + "; stopped it and its child processes; " + said, FailureTypes.UNAVAILABLE);
    }
    if (result.exitCode() != command.exitCode()) {
      throw ApplicationFailure.newNonRetryableFailure(described + " exited " + result.exitCode() + ", expected "
          + command.exitCode() + " (after " + took + "); " + said, FailureTypes.EXPECTATION_FAILED);
    }
    String brief = ProcessRunner.tail(output, 3, 300);
    return described + " -> exit " + result.exitCode() + " in " + took + (brief.isEmpty() ? "" : "; output: " + brief);
  }

  /** The command as the plan wrote it (placeholders unresolved), short enough for a message. */
  static String describe(List<String> argv) {
    String text = "command " + String.join(" ", argv);
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static void putIfSet(Map<String, String> env, String name, String value) {
    if (value != null) {
      env.put(name, value);
    } else {
      env.remove(name);
    }
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temp directory left behind is harmless
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
