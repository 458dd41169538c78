package dev.cutover.activities;

import dev.cutover.plan.Action;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.plan.SecretReferences;
import dev.cutover.workflows.ApplyEffectRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan's {@code command} action: a program, without a shell, that the worker's environment
 * allows, with the arguments it allows.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li><b>Allowed commands.</b> {@value #ALLOWED} is a comma-separated list of entries; unset or
 *       empty, no command runs. An entry is the program, then the arguments it allows, separated by
 *       spaces: {@code /usr/bin/systemctl restart ops-view} allows exactly that argv. A last word
 *       {@code *} allows any further arguments ({@code /opt/bin/final-sync *}); an entry of the
 *       program alone allows it with no arguments. A word with spaces, commas or a literal {@code
 *       *} is written in single quotes ({@code 'a b'}, {@code '*'}). Arguments are compared as the
 *       plan writes them ({@code ${stage}} unresolved). The program is an absolute path, matching
 *       exactly that file, or a bare name ({@code final-sync}), matching a plan that writes exactly
 *       that name, found through the worker's own {@code PATH}: a bare entry does not allow {@code
 *       /some/dir/final-sync}, or the plan would choose which program runs. A malformed list stops
 *       the worker at start.
 *   <li><b>Arguments.</b> {@code ${stage}} is the stage's name. {@code ${env:NAME}} (refused in new
 *       plans, which pass secrets through {@code env:}) is resolved like any reference: allowed
 *       names only, redacted from everything this class returns or throws.
 *   <li><b>What the program gets.</b> A minimal environment, never the worker's: {@code PATH},
 *       {@code LANG}, {@code LC_ALL} and {@code TZ} as the worker has them, {@code HOME} set to its
 *       working directory, {@code CUTOVER_IDEMPOTENCY_KEY} (the same for every delivery of one
 *       step, so a program can recognise a repeat), {@code CUTOVER_WORKFLOW_ID} and {@code
 *       CUTOVER_STAGE} (absent during a full rollback), and what the action's {@code env:} names,
 *       each resolved from the allowed secrets. A secret bound to hosts ({@code NAME@host} in
 *       {@code CUTOVER_ALLOWED_SECRETS}) is never handed to a program. A fresh empty working
 *       directory, deleted afterwards; no standard input.
 *   <li><b>Outcome.</b> Exit code equal to the action's {@code exitCode}: success, described with a
 *       short tail of the output. Another exit code: non-retryable {@code ExpectationFailed} naming
 *       the code and the last lines of output. Still running after {@code timeout}: the program and
 *       its child processes are killed, retryable {@code Unavailable}. Not allowed or cannot start:
 *       non-retryable {@code InvalidRequest}.
 *   <li><b>Output.</b> Standard output and error, merged; the last {@value #KEEP_BYTES} bytes are
 *       kept and logged by the worker (redacted); at most {@value #TAIL_CHARS} characters of the
 *       last lines reach workflow history, redacted of every secret handed out.
 *   <li><b>One run at a time per step.</b> A second delivery of the same step (same idempotency
 *       key) arriving at this worker while the first still runs waits for that run and reports its
 *       outcome instead of starting the program again. On another worker it would run again, with
 *       the same {@code CUTOVER_IDEMPOTENCY_KEY}.
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

  /** What a program gets of the worker's environment, when the worker has it. */
  static final List<String> PASSED = List.of("PATH", "LANG", "LC_ALL", "TZ");

  private static final Logger LOG = LoggerFactory.getLogger(Commands.class);

  /** One entry of the list: a program, the arguments it allows, and whether more may follow. */
  record Entry(String program, List<String> args, boolean more) {
    boolean allows(List<String> argv) {
      List<String> given = argv.subList(1, argv.size());
      return argv.get(0).equals(program)
          && (more ? given.size() >= args.size() : given.size() == args.size())
          && given.subList(0, args.size()).equals(args);
    }

    /** The entry as it would be written, quoting what needs it. */
    @Override
    public String toString() {
      List<String> words = new ArrayList<>();
      words.add(program);
      args.forEach(
          a ->
              words.add(
                  a.isEmpty() || a.equals("*") || a.matches(".*[\\s,'].*") ? "'" + a + "'" : a));
      if (more) {
        words.add("*");
      }
      return String.join(" ", words);
    }
  }

  private final Map<String, String> environment;
  private final List<Entry> allowed;
  private final Secrets secrets;
  private final Map<String, CompletableFuture<String>> running = new ConcurrentHashMap<>();

  /**
   * @param settings the programs it may run ({@link ActivitySettings#allowedCommands}) and the
   *     worker's environment
   */
  Commands(ActivitySettings settings, Secrets secrets) {
    this.environment = settings.environment();
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.allowed = settings.allowedCommands();
  }

  /**
   * The entries of {@code value} (of {@value #ALLOWED}), in the operator's order (for messages);
   * none when null. {@link ActivitySettings} reads it once, at the worker's start.
   *
   * @throws IllegalArgumentException for a malformed entry, naming it and the variable
   */
  static List<Entry> parse(String value) {
    List<Entry> entries = new ArrayList<>();
    if (value == null) {
      return entries;
    }
    List<String> words = new ArrayList<>();
    List<Boolean> quoted = new ArrayList<>();
    StringBuilder word = null;
    boolean inQuote = false;
    boolean wordQuoted = false;
    for (int i = 0; i <= value.length(); i++) {
      char c = i < value.length() ? value.charAt(i) : ',';
      if (inQuote && i < value.length()) {
        if (c == '\'') {
          inQuote = false;
        } else {
          word.append(c);
        }
      } else if (inQuote) {
        throw new IllegalArgumentException(
            ALLOWED + ": a quote ' is not closed in \"" + value.strip() + "\"");
      } else if (c == '\'') {
        word = word == null ? new StringBuilder() : word;
        inQuote = true;
        wordQuoted = true;
      } else if (c == ',' || Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          quoted.add(wordQuoted);
          word = null;
          wordQuoted = false;
        }
        if (c == ',' && !words.isEmpty()) {
          entries.add(entry(words, quoted));
          words.clear();
          quoted.clear();
        }
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(c);
      }
    }
    return List.copyOf(entries);
  }

  private static Entry entry(List<String> words, List<Boolean> quoted) {
    String text = String.join(" ", words);
    String program = words.get(0);
    boolean more =
        words.size() > 1
            && !quoted.get(words.size() - 1)
            && words.get(words.size() - 1).equals("*");
    List<String> args = new ArrayList<>(words.subList(1, more ? words.size() - 1 : words.size()));
    for (int i = 0; i < words.size(); i++) {
      if (!quoted.get(i) && words.get(i).equals("*") && !(more && i == words.size() - 1)) {
        throw new IllegalArgumentException(
            ALLOWED
                + ": in \""
                + text
                + "\", * stands only last (any further"
                + " arguments); write '*' for the argument *");
      }
    }
    if (program.isEmpty() || (program.contains("/") && !program.startsWith("/"))) {
      throw new IllegalArgumentException(
          ALLOWED
              + ": \""
              + text
              + "\" does not start with an absolute path or a"
              + " bare program name");
    }
    return new Entry(program, args, more);
  }

  /** Why {@code argv} (as the plan writes it) may not run here; null when an entry allows it. */
  String refusal(List<String> argv) {
    String program = argv.get(0);
    if (allowed.isEmpty()) {
      return "this worker runs no commands; set "
          + ALLOWED
          + " to the programs it may run (comma-separated)";
    }
    String badProgram = PlanSyntax.programProblem(program); // the plan reader's own rule
    if (badProgram != null) {
      return badProgram;
    }
    if (program.contains("/") && !program.startsWith("/")) {
      return "a relative path means nothing here (each command runs in a fresh directory); give an absolute path"
          + " or a bare name";
    }
    List<Entry> forProgram = allowed.stream().filter(e -> e.program().equals(program)).toList();
    if (forProgram.isEmpty()) {
      String hint =
          program.contains("/")
                  && allowed.stream()
                      .anyMatch(e -> e.program().equals(Path.of(program).getFileName().toString()))
              ? " ("
                  + Path.of(program).getFileName()
                  + " is allowed as a bare name, found through the worker's PATH:"
                  + " write it so in the plan, or list the full path)"
              : "";
      return "\""
          + program
          + "\" is not allowed on this worker; "
          + ALLOWED
          + " lists "
          + String.join(", ", allowed.stream().map(Entry::program).distinct().toList())
          + hint;
    }
    if (forProgram.stream().noneMatch(e -> e.allows(argv))) {
      return "these arguments are not allowed; "
          + ALLOWED
          + " allows "
          + program
          + " only as: "
          + String.join(", ", forProgram.stream().map(Entry::toString).toList())
          + " (an entry ending in * allows further arguments)";
    }
    return null;
  }

  /**
   * Every command of {@code plan} this worker will not run, at its path: not allowed (program or
   * arguments), or given a secret bound to hosts. The admission check's part for commands.
   */
  List<String> refusals(Plan plan) {
    List<String> out = new ArrayList<>();
    for (PlanSites.Command c : PlanSites.commands(plan)) {
      String why = refusal(c.command().argv());
      if (why != null) {
        out.add(c.path() + ": " + why);
      }
      for (String name : written(c.command())) {
        if (secrets.refusal(name) == null && secrets.bound(name)) {
          out.add(c.path() + ": " + bound(name));
        }
      }
    }
    return out;
  }

  /** The variables a command's arguments and env refer to. */
  private static Set<String> written(Action.Command command) {
    Set<String> names = new LinkedHashSet<>();
    command.argv().forEach(a -> names.addAll(SecretReferences.names(a)));
    command.env().values().forEach(v -> names.addAll(SecretReferences.names(v)));
    return names;
  }

  private static String bound(String name) {
    return "${env:"
        + name
        + "} is bound to hosts in "
        + Secrets.ALLOWED
        + "; a program could send it anywhere,"
        + " so it is never handed to one";
  }

  /** What the worker logs at start about the commands {@code allowed}. */
  static String setting(List<Entry> allowed) {
    return allowed.isEmpty()
        ? ALLOWED + " unset: no command runs"
        : ALLOWED + ": " + String.join(", ", allowed.stream().map(Entry::toString).toList());
  }

  /**
   * Runs {@code command} for {@code request} and says what happened, e.g. {@code "command
   * final-sync --to green -> exit 0 in 3.2s; output: synced 1200 rows"}.
   *
   * @throws EffectException as the class documentation says
   */
  String run(Action.Command command, ApplyEffectRequest request) {
    String described = describe(command.argv());
    String why = refusal(command.argv());
    if (why != null) {
      throw EffectException.invalid(described + ": " + why);
    }
    for (String name : written(command)) {
      if (secrets.refusal(name) == null && secrets.bound(name)) {
        throw EffectException.invalid(described + ": " + bound(name));
      }
    }
    List<String> argv = resolve(command.argv(), request, described);
    Map<String, String> env = new LinkedHashMap<>();
    command.env().forEach((name, value) -> env.put(name, secrets.resolve(value)));
    String key = request.idempotencyKey();
    if (key == null) {
      return execute(command, argv, env, request, described);
    }
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> earlier = running.putIfAbsent(key, mine);
    if (earlier != null) {
      return join(earlier, command, described);
    }
    try {
      String done = execute(command, argv, env, request, described);
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
      if (e.getCause() instanceof EffectException f) {
        throw f.copy();
      }
      throw EffectException.unavailable(described + ": the run already under way failed");
    } catch (TimeoutException e) {
      throw EffectException.unavailable(described + ": still running from an earlier delivery");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EffectException.unavailable(described + ": interrupted");
    }
  }

  private List<String> resolve(List<String> written, ApplyEffectRequest request, String described) {
    List<String> argv = new ArrayList<>(written.size());
    argv.add(written.get(0));
    for (String arg : written.subList(1, written.size())) {
      if (Placeholders.uses(arg, "stage") && request.stage() == null) {
        throw EffectException.invalid(
            described + ": uses ${stage}, but this step belongs to no stage");
      }
      String stage = request.stage();
      Effects.requireOutputs(request, arg);
      argv.add(
          Placeholders.fill(
              arg, v -> v.equals("stage") ? stage : Effects.output(request, v), secrets));
    }
    return argv;
  }

  private String execute(
      Action.Command command,
      List<String> argv,
      Map<String, String> planEnv,
      ApplyEffectRequest request,
      String described) {
    Path dir;
    try {
      dir = Files.createTempDirectory("cutover-command-");
    } catch (IOException e) {
      throw EffectException.unavailable(
          described + ": no working directory: " + HttpCalls.firstLine(e.getMessage()));
    }
    Map<String, String> env = minimalEnvironment(environment, dir);
    env.putAll(planEnv);
    putIfSet(env, "CUTOVER_IDEMPOTENCY_KEY", request.idempotencyKey());
    putIfSet(env, "CUTOVER_WORKFLOW_ID", request.workflowId());
    putIfSet(env, "CUTOVER_STAGE", request.stage());
    ProcessRunner.Result result;
    try {
      result = ProcessRunner.run(argv, env, dir, command.timeout(), KEEP_BYTES);
    } catch (ProcessRunner.CannotStart e) {
      throw EffectException.invalid(
          secrets.redact(described + " could not start: " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EffectException.unavailable(
          described + ": interrupted (the worker is stopping); stopped the program");
    } finally {
      deleteTree(dir);
    }
    String output = secrets.redact(result.output());
    String tail = ProcessRunner.tail(output, TAIL_LINES, TAIL_CHARS); // redacted before it is cut
    String took = seconds(result.took());
    LOG.info(
        "{} ({}): exit {} after {}, {} bytes of output{}:\n{}",
        described,
        request.idempotencyKey(),
        result.timedOut() ? "none (killed)" : result.exitCode(),
        took,
        result.outputBytes(),
        result.truncated() ? " (the last " + KEEP_BYTES + " shown)" : "",
        output);
    String said = tail.isEmpty() ? "no output" : "last output: " + tail;
    if (result.timedOut()) {
      throw EffectException.unavailable(
          described
              + " did not finish within "
              + Durations.format(command.timeout())
              + "; stopped it and its child processes; "
              + said);
    }
    if (result.exitCode() != command.exitCode()) {
      throw EffectException.expectationFailed(
          described
              + " exited "
              + result.exitCode()
              + ", expected "
              + command.exitCode()
              + " (after "
              + took
              + "); "
              + said);
    }
    String brief = ProcessRunner.tail(output, 3, 300);
    return described
        + " -> exit "
        + result.exitCode()
        + " in "
        + took
        + (brief.isEmpty() ? "" : "; output: " + brief);
  }

  /** The command as the plan wrote it (placeholders unresolved), short enough for a message. */
  static String describe(List<String> argv) {
    String text = "command " + String.join(" ", argv);
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /**
   * What any program the worker runs gets of its environment: {@link #PASSED} as the worker has
   * them ({@code PATH} defaults to the usual directories) and {@code HOME} set to {@code home}.
   */
  static Map<String, String> minimalEnvironment(Map<String, String> worker, Path home) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : PASSED) {
      String v = worker.get(name);
      if (v != null) {
        env.put(name, v);
      }
    }
    env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
    if (home != null) {
      env.put("HOME", home.toString());
    }
    return env;
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
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
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
