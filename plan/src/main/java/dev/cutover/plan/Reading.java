package dev.cutover.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reading of a plan, or of one part of it: the rules it is read by and every problem found so
 * far, and the rules on plan text that every part applies (placeholders, JSON paths). Not
 * thread-safe: each read has its own.
 */
final class Reading {
  /** Problems listed at most; more are counted. */
  static final int MAX_PROBLEMS = 100;

  /**
   * A problem's message or path longer than this is shortened in the middle (it quotes the plan).
   */
  static final int MAX_MESSAGE_CHARS = 600;

  private static final Pattern PLACEHOLDER = PlanSyntax.PLACEHOLDER;
  private static final Pattern ENV_REF = Pattern.compile("^env:[A-Za-z_][A-Za-z0-9_]*$");

  /**
   * {@link PlanReader.Rules#HARDENED}: every limit of {@link PlanLimits} and the worker's syntax
   * rules apply, a postgres URL passes {@link JdbcUrls}, and SQL is split by {@link
   * SqlStatements#count} (older plans keep the first release's count).
   */
  final boolean hardened;

  /**
   * {@link PlanReader.Rules#FIRST_RELEASE}, or one action read on its own: a stage action need not
   * say how it is undone.
   */
  final boolean undoOptional;

  /**
   * {@link PlanReader.Rules#SEQUENTIAL_COMPARE}: a compare check says its {@code method} and may
   * give {@code alpha} and {@code relativeMargin}.
   */
  final boolean compareMethods;

  /**
   * {@link PlanReader.Rules#RUNBOOK}: observe stages are declared, and points of no return say what
   * a breach after them does ({@link PointsOfNoReturn}).
   */
  final boolean runbook;

  /**
   * {@link PlanReader.Rules#OUTPUTS}: a stage's http action may declare {@code outputs} ({@link
   * StepOutputs}).
   */
  final boolean outputs;

  /**
   * {@link PlanReader.Rules#STATISTICS}: compare checks of continuous metrics and {@code
   * defaults.alpha}.
   */
  final boolean statistics;

  private final List<Problem> problems = new ArrayList<>();
  private int unlisted;

  /** Paths of values already reported as out of bounds. */
  private final Set<String> outOfBounds = new HashSet<>();

  Reading(boolean hardened, boolean undoOptional) {
    this(hardened, undoOptional, false, false);
  }

  Reading(boolean hardened, boolean undoOptional, boolean compareMethods, boolean runbook) {
    this(hardened, undoOptional, compareMethods, runbook, false, false);
  }

  Reading(
      boolean hardened,
      boolean undoOptional,
      boolean compareMethods,
      boolean runbook,
      boolean outputs,
      boolean statistics) {
    this.hardened = hardened;
    this.undoOptional = undoOptional;
    this.compareMethods = compareMethods;
    this.runbook = runbook;
    this.outputs = outputs;
    this.statistics = statistics;
  }

  /** A reading of a whole plan by {@code rules}. */
  static Reading by(PlanReader.Rules rules) {
    return new Reading(
        rules.compareTo(PlanReader.Rules.HARDENED) >= 0,
        rules == PlanReader.Rules.FIRST_RELEASE,
        rules.compareTo(PlanReader.Rules.SEQUENTIAL_COMPARE) >= 0,
        rules.compareTo(PlanReader.Rules.RUNBOOK) >= 0,
        rules.compareTo(PlanReader.Rules.OUTPUTS) >= 0,
        rules.compareTo(PlanReader.Rules.STATISTICS) >= 0);
  }

  /**
   * Records a problem. Its path and message quote the plan, so they are made safe to print: control
   * characters escaped (a plan cannot forge lines of lint's output), long text shortened in the
   * middle; past {@link #MAX_PROBLEMS} problems are only counted.
   */
  void problem(String path, String message) {
    if (outOfBounds.contains(path)) {
      return;
    }
    if (problems.size() >= MAX_PROBLEMS) {
      unlisted++;
      return;
    }
    problems.add(new Problem(printable(path), printable(message)));
  }

  /**
   * A value out of bounds (found by the walk over the tree, or as it is read): nothing more is said
   * about it.
   */
  void limitProblem(String path, String message) {
    problem(path, message);
    outOfBounds.add(path);
  }

  boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws {@link PlanException} with every problem found, if there is one. */
  void throwIfProblems() {
    if (!problems.isEmpty()) {
      List<Problem> all = new ArrayList<>(problems);
      if (unlisted > 0) {
        all.add(
            new Problem("", "... and " + unlisted + " more problem" + (unlisted == 1 ? "" : "s")));
      }
      throw new PlanException(all);
    }
  }

  static String printable(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_MESSAGE_CHARS + 40));
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (PlanSyntax.isControl(c) || Character.getType(c) == Character.FORMAT) {
        b.append(
            c == '\n'
                ? "\\n"
                : c == '\t' ? "\\t" : c == '\r' ? "\\r" : String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() <= MAX_MESSAGE_CHARS) {
      return b.toString();
    }
    int half = MAX_MESSAGE_CHARS / 2;
    return b.substring(0, half)
        + " ... ("
        + (b.length() - 2 * half)
        + " characters left out) ... "
        + b.substring(b.length() - half);
  }

  /** Every ${...} in text must be one the context fills: env:NAME, or a name in allowed. */
  void placeholders(String text, String path, Set<String> allowed) {
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String inner = m.group(1);
      if (inner.startsWith("env:")) {
        if (!allowed.contains("env") || !ENV_REF.matcher(inner).matches()) {
          problem(path, "\"${" + inner + "}\" is not a valid ${env:NAME} reference here");
        }
      } else if (inner.startsWith("output:") && !allowed.contains(inner)) {
        problem(
            path,
            "${"
                + inner
                + "} is not an output of this action or of an earlier action of this stage"
                + " (an http action's outputs; only its undo and the stage's later actions use"
                + " them)");
      } else if (!allowed.contains(inner)) {
        List<String> names = new ArrayList<>();
        allowed.stream()
            .sorted()
            .forEach(a -> names.add(a.equals("env") ? "${env:NAME}" : "${" + a + "}"));
        problem(
            path,
            "unknown placeholder ${" + inner + "}; here you may use " + String.join(", ", names));
      }
    }
  }

  /** {@code path} (found at {@code where}) is a JSON path ({@link JsonPaths}). */
  void jsonPath(String path, String where) {
    String why = JsonPaths.problem(path);
    if (why != null) {
      problem(where, "\"" + path + "\" " + why);
    }
  }
}
