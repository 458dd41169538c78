package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code stages} (what each applies, how long it soaks, its gates and actions) and the
 * {@code rollback}, with their actions: http requests, commands and waits for a check, and how a
 * stage's action is undone.
 */
final class StagesReader {
  private static final Set<String> ENV = Set.of("env");
  private static final Set<String> ENV_AND_STAGE = Set.of("env", "stage");

  // What a wait action and a drain wait for.
  private static final Field<String> CHECK = Type.TEXT.field("check");
  private static final Field<Duration> TIMEOUT = Type.DURATION.field("timeout");
  private static final Field<Duration> EVERY = Type.DURATION.field("every");
  private static final Section WAITING = Section.of(CHECK, TIMEOUT, EVERY);

  private static final Field<Obj> WAIT = Field.object("wait", WAITING);
  private static final Field<List<JsonNode>> COMMAND = Type.LIST.field("command");
  private static final Field<Map<String, JsonNode>> ENV_VARIABLES = Type.MAP.field("env");
  private static final Field<Integer> EXIT_CODE = Type.INTEGER.field("exitCode");
  private static final Field<JsonNode> UNDO = Type.ANY.field("undo");
  private static final Field<Boolean> IRREVERSIBLE = Type.BOOLEAN.field("irreversible");
  private static final Field<Boolean> READ_ONLY = Type.BOOLEAN.field("readOnly");
  private static final Section WAIT_ACTION = Section.of(WAIT);
  private static final Section HTTP_ACTION =
      Section.of(
          HttpReader.HTTP,
          HttpReader.HEADERS,
          HttpReader.BODY,
          HttpReader.EXPECT,
          HttpReader.FOLLOW_REDIRECTS);
  private static final Section COMMAND_ACTION =
      Section.of(COMMAND, ENV_VARIABLES, TIMEOUT, EXIT_CODE, READ_ONLY);

  /**
   * A stage's percent and the rollback's: kept when out of range, so that what depends on it is
   * checked too.
   */
  private static final Type<Integer> PERCENT_OF =
      Type.INTEGER.then(
          (o, key, p) -> {
            if (p < 0 || p > 100) {
              o.problem(key, p + " is outside 0-100");
            }
            return p;
          });

  private static final Field<Integer> PERCENT = PERCENT_OF.field("percent");
  private static final Field<List<JsonNode>> ACTIONS = Type.LIST.field("actions");

  private static final Field<String> NAME = Type.TEXT.field("name");
  private static final Field<Map<String, JsonNode>> FLAGS = Type.MAP.field("flags");
  private static final Field<Map<String, JsonNode>> REVERT = Type.MAP.field("revert");
  private static final Field<Duration> SOAK = Type.DURATION.field("soak");
  private static final Field<List<JsonNode>> GATES = Type.LIST.field("gates");
  private static final Field<Boolean> APPROVAL = Type.BOOLEAN.field("approval");
  static final Field<Window> WINDOW = Type.WINDOW.field("window");
  private static final Field<Boolean> OBSERVE = Type.BOOLEAN.field("observe");
  private static final Field<List<JsonNode>> ON_COMPLETE = Type.LIST.field("onComplete");
  private static final Section STAGE =
      Section.of(
          NAME,
          PERCENT,
          FLAGS,
          REVERT,
          SOAK,
          EVERY,
          GATES,
          APPROVAL,
          ACTIONS,
          WINDOW,
          OBSERVE,
          ON_COMPLETE,
          ChecklistReader.CHECKLIST,
          DeadlineReader.DEADLINE);

  private static final Field<Obj> DRAIN = Field.object("drain", WAITING);
  private static final Field<Rollback.Then> THEN = Type.oneOf(Rollback.Then.class).field("then");
  private static final Field<JsonNode> AFTER_POINT_OF_NO_RETURN =
      Type.ANY.field("afterPointOfNoReturn");
  private static final Field<String> TARGET_STAGE = Type.TEXT.field("stage");
  private static final Field<Duration> BUDGET = Type.DURATION.field("budget");
  private static final Section ROLLBACK =
      Section.of(PERCENT, DRAIN, THEN, ACTIONS, AFTER_POINT_OF_NO_RETURN, BUDGET);

  private final Reading reading;
  private final HttpReader http;
  private final RulesReader rules;
  private final ChecklistReader checklists;

  StagesReader(Reading reading, HttpReader http, RulesReader rules) {
    this.reading = reading;
    this.http = http;
    this.rules = rules;
    this.checklists = new ChecklistReader(reading);
  }

  /** The stage {@code node}, at {@code path} ({@code stages[i]}). */
  Stage stage(JsonNode node, String path) {
    Obj o = new Obj(reading, node, path, STAGE);
    if (!o.valid()) {
      return null;
    }
    String name = o.get(NAME);
    if (name == null) {
      o.require(NAME);
    } else if (!PlanReader.STAGE_NAME.matcher(name).matches()) {
      o.problem(NAME, "\"" + name + "\" must match " + PlanReader.STAGE_NAME.pattern());
    }
    Integer percent = o.get(PERCENT);
    Map<String, JsonNode> flags = flagMap(o, FLAGS);
    Map<String, JsonNode> revert = flagMap(o, REVERT);
    Duration soak = o.get(SOAK);
    Duration every = o.get(EVERY);
    if (every != null && every.compareTo(PlanReader.MIN_EVERY) < 0) {
      o.problem(EVERY, "must be at least " + Durations.format(PlanReader.MIN_EVERY));
    }
    if (soak == null) {
      soak = Duration.ZERO;
    }
    if (every == null) {
      // A short soak is measured at its end; a long one (or none) every hour.
      every =
          soak.isZero() || soak.compareTo(PlanReader.DEFAULT_STAGE_EVERY) >= 0
              ? PlanReader.DEFAULT_STAGE_EVERY
              : soak;
    }
    List<Rule> gates = rules.rules(o, GATES, every);
    Boolean approval = o.get(APPROVAL);
    // An action's outputs are for its undo and the stage's later actions (StepOutputs).
    Set<String> visible = new java.util.LinkedHashSet<>(ENV_AND_STAGE);
    java.util.function.BiFunction<JsonNode, String, Action> stageAction =
        (a, at) -> {
          Action read = action(a, at, Set.copyOf(visible), true);
          StepOutputs.declare(read, at, visible, reading);
          return read;
        };
    List<Action> actions = o.each(ACTIONS, stageAction);
    List<Action> onComplete = o.each(ON_COMPLETE, stageAction);
    Window window = o.get(WINDOW);
    Checklist checklist = checklists.read(o);
    Deadline deadline = DeadlineReader.read(o, soak);
    Boolean observe = o.get(OBSERVE);
    boolean observing = observe != null && observe;
    if (observing) {
      for (Field<?> f : List.of(PERCENT, FLAGS, REVERT, ACTIONS)) {
        if (o.has(f)) {
          o.problem(
              f,
              "an observe stage changes nothing when it starts; move this to a stage of its own"
                  + " or drop observe");
        }
      }
    } else if (reading.runbook) {
      for (Field<List<JsonNode>> f : List.of(ACTIONS, ON_COMPLETE)) {
        if (o.has(f) && o.get(f).isEmpty()) {
          o.problem(
              f,
              "an empty list does nothing; leave it out (a stage that only watches is declared"
                  + " observe: true)");
        }
      }
      if (!o.has(PERCENT) && !o.has(FLAGS) && !o.has(ACTIONS) && !o.has(ON_COMPLETE)) {
        o.problem(
            "",
            "a stage must set percent, flags, actions or onComplete, or be declared observe: true"
                + " (it only soaks under its gates)");
      }
    } else if (!o.has(PERCENT) && flags.isEmpty() && !o.has(ACTIONS) && !o.has(FLAGS)) {
      o.problem("", "a stage must set percent, flags or actions");
    }
    flags.forEach(
        (k, v) -> {
          if (v.isValueNode() && !v.isBoolean() && !v.isNull() && !revert.containsKey(k)) {
            reading.problem(
                o.path(FLAGS) + "." + k,
                "only true/false flags undo themselves; give this one a value under revert");
          }
        });
    if (!revert.isEmpty() && flags.isEmpty()) {
      o.problem(REVERT, "revert undoes a stage's flags; this stage sets none");
    }
    o.done();
    if (name == null) {
      return null;
    }
    return new Stage(
        name,
        percent,
        flags,
        revert,
        soak,
        every,
        gates,
        approval != null && approval,
        actions,
        window,
        observing,
        onComplete,
        checklist,
        deadline);
  }

  private Map<String, JsonNode> flagMap(Obj o, Field<Map<String, JsonNode>> field) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    o.get(field)
        .forEach(
            (k, v) -> {
              String p = o.path(field) + "." + k;
              if (!PlanReader.FLAG_NAME.matcher(k).matches()) {
                reading.problem(p, "\"" + k + "\" is not a flag name");
              }
              if (!v.isValueNode() || v.isNull()) {
                reading.problem(p, "a flag value is true/false, a number or a string");
              }
              out.put(k, v);
            });
    return out;
  }

  Rollback rollback(Obj o) {
    if (!o.valid()) {
      return Rollback.defaults();
    }
    o.allow(ROLLBACK);
    Integer percent = o.get(PERCENT);
    Rollback.Drain drain = null;
    if (o.has(DRAIN)) {
      Waiting w = waiting(o.get(DRAIN), null, 60);
      drain = w == null ? null : new Rollback.Drain(w.check(), w.timeout(), w.every());
    }
    Rollback.Then then = o.get(THEN);
    List<Action> actions = o.each(ACTIONS, (node, path) -> action(node, path, ENV, false));
    Rollback.AfterPointOfNoReturn after = afterPointOfNoReturn(o);
    Duration budget = o.get(BUDGET);
    if (budget != null && !DeadlineReader.withinLimits(budget)) {
      o.problem(BUDGET, DeadlineReader.LIMITS);
      budget = null;
    }
    o.done();
    return new Rollback(
        percent == null ? 0 : percent,
        drain,
        then == null ? Rollback.Then.HOLD : then,
        actions,
        after,
        budget);
  }

  /**
   * {@code hold}, or {@code {stage: NAME}} (the stage is checked against the plan's by {@link
   * PointsOfNoReturn}).
   */
  private Rollback.AfterPointOfNoReturn afterPointOfNoReturn(Obj o) {
    if (!o.has(AFTER_POINT_OF_NO_RETURN)) {
      return null;
    }
    JsonNode n = o.get(AFTER_POINT_OF_NO_RETURN);
    String path = o.path(AFTER_POINT_OF_NO_RETURN);
    if (n.isTextual() && n.asText().equals("hold")) {
      return Rollback.AfterPointOfNoReturn.HOLD;
    }
    if (n.isObject()) {
      Obj target = new Obj(reading, n, path, Section.of(TARGET_STAGE));
      String stage = target.get(TARGET_STAGE);
      if (stage == null) {
        target.require(TARGET_STAGE);
      }
      target.done();
      return stage == null ? null : new Rollback.AfterPointOfNoReturn(stage);
    }
    reading.problem(
        path,
        "is hold (nothing is undone; the cutover holds and pages) or {stage: NAME} (back to that"
            + " stage, at or after the point of no return)");
    return null;
  }

  /**
   * An action (a stage's, the rollback's or an undo). A stage's own ({@code undoable}) must say how
   * it is undone or that it cannot be, unless the reading makes that optional.
   */
  Action action(JsonNode node, String path, Set<String> allowed, boolean undoable) {
    Obj o = new Obj(reading, node, path);
    if (!o.valid()) {
      return null;
    }
    Field<?> kind = o.exactlyOne("an action", HttpReader.HTTP, WAIT, COMMAND);
    if (kind == null) {
      return null;
    }
    if (kind.equals(WAIT)) {
      o.allow(WAIT_ACTION);
      Waiting w = waiting(o.get(WAIT), PlanReader.MIN_EVERY, 30);
      o.done();
      return w == null ? null : new Action.Wait(w.check(), w.timeout(), w.every());
    }
    // GET and HEAD change nothing (a smoke test), so they have nothing to undo.
    if (undoable && kind.equals(HttpReader.HTTP) && changesNothing(o.get(HttpReader.HTTP))) {
      undoable = false;
    }
    Section fields = kind.equals(HttpReader.HTTP) ? HTTP_ACTION : COMMAND_ACTION;
    // A stage's own http action may declare outputs (StepOutputs), by the newest rules.
    boolean declaresOutputs = undoable && reading.outputs && kind.equals(HttpReader.HTTP);
    if (declaresOutputs) {
      fields = fields.plus(StepOutputs.OUTPUTS);
    }
    o.allow(undoable ? fields.plus(UNDO, IRREVERSIBLE) : fields);
    List<Output> outputs = declaresOutputs ? StepOutputs.read(o, reading) : List.of();
    // A command the plan says changes nothing (a smoke test) has nothing to undo either.
    boolean readOnly = kind.equals(COMMAND) && Boolean.TRUE.equals(o.get(READ_ONLY));
    if (readOnly && undoable) {
      if (o.has(UNDO) || o.has(IRREVERSIBLE)) {
        o.problem(
            READ_ONLY,
            "a read-only command changes nothing, so it has no undo and is not irreversible;"
                + " drop undo and irreversible, or readOnly if it does change something");
      }
      undoable = false;
    }
    Action undo = null;
    boolean irreversible = false;
    if (undoable) {
      Boolean irr = o.get(IRREVERSIBLE);
      irreversible = irr != null && irr;
      if (o.has(UNDO)) {
        undo = action(o.get(UNDO), o.path(UNDO), StepOutputs.plus(allowed, outputs), false);
        if (undo instanceof Action.Wait) {
          o.problem(UNDO, "an undo is an http or command action");
        }
      }
      if (irreversible && o.has(UNDO)) {
        o.problem(IRREVERSIBLE, "an action with an undo is not irreversible; keep one of them");
      } else if (!irreversible && !o.has(UNDO) && !reading.undoOptional) {
        o.problem(
            "",
            kind.equals(COMMAND)
                ? "say how a rollback undoes this command (undo: ...), mark it irreversible: true"
                    + " (its stage then starts only after an approval), or, if it changes nothing"
                    + " (a smoke test), mark it readOnly: true"
                : "say how a rollback undoes this action (undo: ...) or mark it irreversible: true"
                    + " (its stage then starts only after an approval)");
      }
    }
    Action out;
    if (kind.equals(HttpReader.HTTP)) {
      HttpCall call = http.call(o, allowed);
      Expect expect = http.expect(o);
      Boolean follow = o.get(HttpReader.FOLLOW_REDIRECTS);
      if (call != null && reading.outputs) {
        StepOutputs.checkTarget(call.target(), o.path(HttpReader.HTTP), reading);
      }
      out =
          call == null
              ? null
              : new Action.Http(
                  call, expect, follow != null && follow, undo, irreversible, outputs);
    } else {
      out = command(o, allowed, undo, irreversible, readOnly);
    }
    o.done();
    return out;
  }

  private static boolean changesNothing(String requestLine) {
    return requestLine != null && requestLine.matches("^\\s*(GET|HEAD)\\s.*");
  }

  private Action command(
      Obj o, Set<String> allowed, Action undo, boolean irreversible, boolean readOnly) {
    List<String> argv = new ArrayList<>();
    List<JsonNode> parts = o.get(COMMAND);
    if (parts.isEmpty()) {
      o.problem(COMMAND, "a command is a list: the program, then its arguments (no shell)");
    }
    for (int i = 0; i < parts.size(); i++) {
      JsonNode a = parts.get(i);
      if (!a.isValueNode() || a.isNull()) {
        reading.problem(o.path(COMMAND, i), "an argument is text");
        continue;
      }
      reading.placeholders(a.asText(), o.path(COMMAND, i), allowed);
      argv.add(a.asText());
    }
    if (!argv.isEmpty()
        && (!PlanSyntax.PROGRAM.matcher(argv.get(0)).matches() || argv.get(0).contains(".."))) {
      reading.problem(o.path(COMMAND, 0), "\"" + argv.get(0) + "\" is not a program name or path");
    } else if (reading.hardened
        && !argv.isEmpty()
        && PlanSyntax.programProblem(argv.get(0)) != null) {
      reading.problem(
          o.path(COMMAND, 0), "\"" + argv.get(0) + "\": " + PlanSyntax.programProblem(argv.get(0)));
    }
    Duration timeout = o.get(TIMEOUT);
    if (timeout == null) {
      timeout = Duration.ofMinutes(1);
    } else if (timeout.compareTo(Duration.ofSeconds(1)) < 0
        || timeout.compareTo(Duration.ofHours(1)) > 0) {
      o.problem(TIMEOUT, "must be between 1s and 1h");
    }
    Integer exit = o.get(EXIT_CODE);
    Map<String, String> env =
        CommandEnv.read(o.get(ENV_VARIABLES), o.path(ENV_VARIABLES), reading::problem);
    return argv.isEmpty()
        ? null
        : new Action.Command(
            argv, env, timeout, exit == null ? 0 : exit, undo, irreversible, readOnly);
  }

  /**
   * What a wait action or a rollback's drain waits for: a check to pass, for at most timeout,
   * measured every.
   */
  private record Waiting(String check, Duration timeout, Duration every) {}

  /**
   * check and timeout (both required) and every: at least {@code atLeast} when given, by default a
   * tenth of the timeout, from 1s to {@code maxEverySeconds}.
   */
  private Waiting waiting(Obj w, Duration atLeast, long maxEverySeconds) {
    String check = w.get(CHECK);
    if (check == null) {
      w.require(CHECK);
    }
    Duration timeout = w.get(TIMEOUT);
    if (timeout == null && !w.has(TIMEOUT)) {
      w.require(TIMEOUT);
    }
    Duration every = w.get(EVERY);
    if (atLeast != null && every != null && every.compareTo(atLeast) < 0) {
      w.problem(EVERY, "must be at least " + Durations.format(atLeast));
    }
    w.done();
    if (check == null || timeout == null) {
      return null;
    }
    if (every == null) {
      every = Duration.ofSeconds(Math.max(1, Math.min(maxEverySeconds, timeout.toSeconds() / 10)));
    }
    return new Waiting(check, timeout, every);
  }
}
