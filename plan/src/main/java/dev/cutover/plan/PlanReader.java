package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a plan strictly: unknown fields, bad durations and comparisons, dangling names and
 * inconsistent settings are all reported at once, each with its path ({@code
 * stages[1].gates[0].check}). A plan it returns is complete: every default is filled in. By {@link
 * Rules#HARDENED} every limit of {@link PlanLimits} and every rule the worker applies to plan text
 * ({@link PlanSyntax}) hold too. Whatever the input, {@link #parseTree} and {@link #fromTree} throw
 * nothing but {@link PlanException}.
 *
 * <p>This class reads the top level of a plan and hands each part to its reader: {@link
 * ChecksReader} (connections and checks), {@link HttpReader} (requests, traffic, flagsApi), {@link
 * RulesReader} (gates, watch, prerequisites) and {@link StagesReader} (stages, actions, rollback);
 * {@link CrossReferences} then checks what the parts say about each other. Every part reads its
 * fields as {@link Field}s of a {@link Section}, through {@link Obj#get}.
 *
 * <p>Thread-safe: each read uses its own state ({@link Reading}).
 */
public final class PlanReader {
  public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  static final Pattern STAGE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
  static final Pattern FLAG_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$");

  static final Duration DEFAULT_STAGE_EVERY = Duration.ofHours(1);
  static final Duration DEFAULT_WATCH_EVERY = Duration.ofMinutes(1);
  static final Duration DEFAULT_GRACE = Duration.ofHours(1);
  static final Duration DEFAULT_ESCALATE_AFTER = Duration.ofHours(6);
  static final Duration MIN_EVERY = Duration.ofSeconds(1);
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  static final int DEFAULT_ERROR_LIMIT = 3;

  /**
   * The largest plan, in bytes of its file and of its compact JSON: 256 KiB. A plan travels in the
   * workflow's start input (and again at each continue-as-new), which Temporal caps at 2 MB; JSON
   * escaping at most doubles the text, so a plan this size fits with room for the rest of the
   * input.
   */
  public static final int MAX_PLAN_BYTES = 256 * 1024;

  private static final Field<Integer> VERSION = Type.INTEGER.field("version");
  private static final Field<String> PLAN_NAME = Type.TEXT.field("name");
  private static final Field<String> DESCRIPTION = Type.TEXT.field("description");
  private static final Field<Map<String, JsonNode>> CONNECTIONS = Type.MAP.field("connections");
  private static final Field<Map<String, JsonNode>> CHECKS = Type.MAP.field("checks");
  private static final Field<Obj> TRAFFIC = Type.OBJECT.field("traffic");
  private static final Field<Obj> FLAGS_API = Type.OBJECT.field("flagsApi");
  private static final Field<List<JsonNode>> PREREQUISITES = Type.LIST.field("prerequisites");
  private static final Field<List<JsonNode>> STAGES = Type.LIST.field("stages");
  private static final Field<List<JsonNode>> WATCH = Type.LIST.field("watch");
  private static final Field<Obj> ROLLBACK = Type.OBJECT.field("rollback");

  private static final Field<List<JsonNode>> APPROVERS = Type.LIST.field("approvers");
  private static final Field<Boolean> FOUR_EYES = Type.BOOLEAN.field("fourEyes");
  private static final Field<Boolean> SIGNED = Type.BOOLEAN.field("signed");
  private static final Field<Obj> APPROVALS =
      Field.object("approvals", Section.of(APPROVERS, FOUR_EYES, SIGNED));

  private static final Field<Obj> NOTIFY = Field.object("notify", NotifyReader.SECTION);

  private static final Section PLAN =
      Section.of(
          VERSION,
          PLAN_NAME,
          DESCRIPTION,
          CONNECTIONS,
          CHECKS,
          TRAFFIC,
          FLAGS_API,
          PREREQUISITES,
          STAGES,
          WATCH,
          ROLLBACK,
          APPROVALS,
          NOTIFY,
          StagesReader.WINDOW,
          PlanDefaults.DEFAULTS);

  private PlanReader() {}

  /**
   * Parses YAML or JSON text and reads the plan; throws {@link PlanException} listing all problems.
   */
  public static Plan read(String text) {
    return fromTree(parseTree(text));
  }

  /**
   * Parses YAML or JSON text into a tree, reporting a syntax error with its line and column. Text
   * over {@link #MAX_PLAN_BYTES}, control characters, YAML aliases, anchors, merge keys and tags, a
   * key written twice, a second document and nesting deeper than {@link PlanLimits#MAX_DEPTH} are
   * problems too. Throws nothing but {@link PlanException}.
   */
  public static JsonNode parseTree(String text) {
    return PlanText.parse(text);
  }

  /**
   * As {@link #parseTree(String)} for the bytes of a plan file, which must be UTF-8 (a problem says
   * where not).
   */
  public static JsonNode parseTree(byte[] bytes) {
    return PlanText.parse(PlanText.decode(bytes));
  }

  /**
   * Which rules a plan is read by. A running workflow re-reads its plan on every replay, so a rule
   * added after a release must not turn a plan that was valid when its cutover started into an
   * invalid one: the workflow picks the rules its history was started under.
   */
  public enum Rules {
    /** As first released: stage actions need not say how they are undone. */
    FIRST_RELEASE,
    /**
     * Every stage action that changes something declares {@code undo:} or {@code irreversible:
     * true}.
     */
    CURRENT,
    /**
     * As {@link #CURRENT}, and every input is bounded and nothing the worker's operator owns is
     * chosen by the plan: durations and sizes capped, no secret reference inside a URL, JDBC URL
     * parameters allow-listed, no nginx config path.
     */
    HARDENED,
    /**
     * As {@link #HARDENED}, and every {@code compare} check says its {@code method}: {@code
     * sequential} (running totals, always valid however often measured) or {@code ztest} (counts
     * over a window, one look at a time), with {@code alpha} and {@code relativeMargin} for the
     * sequential test. Older plans know no method and are read as z-tests, as they always were.
     */
    SEQUENTIAL_COMPARE,

    /**
     * As {@link #SEQUENTIAL_COMPARE}, and a plan says what its runbook says: a stage that changes
     * nothing is declared {@code observe: true} (an empty {@code actions: []} is refused), and a
     * plan with an irreversible action says under {@code rollback.afterPointOfNoReturn} what a
     * breach after it does; no rollback sends traffic back below the share in effect when it ran.
     */
    RUNBOOK,

    /**
     * As {@link #RUNBOOK}, and a stage's http action may declare {@code outputs} (values of its
     * answer) that its undo and the stage's later actions use as {@code ${output:NAME}}.
     */
    OUTPUTS,

    /**
     * As {@link #OUTPUTS}, and a sequential {@code compare} check may compare a continuous metric
     * ({@code statistic}: a mean or a quantile of latency, with {@code unit}, from histogram
     * buckets or SQL aggregates), and {@code defaults.alpha} gives the plan's false-alarm rate,
     * shared by its sequential compare checks that give none.
     */
    STATISTICS;

    /** The rules a new cutover and {@code cutover lint} read plans by. */
    public static final Rules NEWEST = STATISTICS;
  }

  /** Reads a plan from its JSON tree (as carried in the workflow input), by the current rules. */
  public static Plan fromTree(JsonNode root) {
    return fromTree(root, Rules.CURRENT);
  }

  /** Reads a plan from its JSON tree by the given rules. */
  public static Plan fromTree(JsonNode root, Rules rules) {
    Parts p = Parts.of(Reading.by(rules));
    Plan plan = bounded(p, root);
    if (p.reading().hardened && root != null) {
      // No secret in a URL or a command argument, no nginx config path: the worker's to choose.
      OperatorOwned.problems(root).forEach(x -> p.reading().problem(x.path(), x.message()));
    }
    p.reading().throwIfProblems();
    return plan;
  }

  /**
   * Reads the plan once its tree is known to be shallow enough to read (and, hardened, within every
   * limit). Whatever the input, no exception escapes: one that would is a problem too.
   */
  private static Plan bounded(Parts p, JsonNode root) {
    Reading r = p.reading();
    try {
      if (root != null && !PlanLimits.walk(root, r.hardened, r::limitProblem)) {
        return null;
      }
      if (r.hardened && !r.hasProblems() && PlanLimits.jsonBytes(root) > MAX_PLAN_BYTES) {
        r.problem(
            "",
            "the plan is more than "
                + MAX_PLAN_BYTES
                + " bytes as JSON ("
                + MAX_PLAN_BYTES / 1024
                + " KiB), the most a cutover's start input carries");
        return null;
      }
      return plan(p, root);
    } catch (RuntimeException | StackOverflowError e) {
      r.problem(
          "",
          "could not be read ("
              + e.getClass().getSimpleName()
              + "); this is a bug in cutover:"
              + " please report it with the plan");
      return null;
    }
  }

  /** Reads one check definition on its own (an activity measuring it). */
  public static Check check(String name, JsonNode node) {
    return part(false, p -> p.checks().check(p.obj(node, "checks." + name), name));
  }

  /** Reads one connection definition on its own (an activity using it). */
  public static Connection connection(String name, JsonNode node) {
    return part(false, p -> p.checks().connection(p.obj(node, "connections." + name), name));
  }

  /**
   * Reads one action definition on its own (an activity running it): a stage action, a rollback
   * action or an undo. Whether an action says how it is undone was checked when the plan was read.
   */
  public static Action action(JsonNode node, String path) {
    return part(true, p -> p.stages().action(node, path, Set.of("env", "stage"), true));
  }

  /** Reads a traffic section on its own. */
  public static Traffic traffic(JsonNode node) {
    return part(false, p -> p.http().traffic(p.obj(node, "traffic")));
  }

  /** Reads a flagsApi section on its own. */
  public static FlagsApi flagsApi(JsonNode node) {
    return part(false, p -> p.http().flagsApi(p.obj(node, "flagsApi")));
  }

  /**
   * Reads one part of a plan on its own, by the current rules ({@code undoOptional}: an undo need
   * not be said).
   */
  private static <T> T part(boolean undoOptional, Function<Parts, T> read) {
    Parts p = Parts.of(new Reading(false, undoOptional));
    T t = read.apply(p);
    p.reading().throwIfProblems();
    return t;
  }

  /** The readers of one reading, wired to each other. */
  private record Parts(
      Reading reading,
      HttpReader http,
      ChecksReader checks,
      RulesReader rules,
      StagesReader stages) {
    static Parts of(Reading reading) {
      HttpReader http = new HttpReader(reading);
      RulesReader rules = new RulesReader(reading);
      return new Parts(
          reading,
          http,
          new ChecksReader(reading, http),
          rules,
          new StagesReader(reading, http, rules));
    }

    Obj obj(JsonNode node, String path) {
      return new Obj(reading, node, path);
    }
  }

  // ---------------------------------------------------------------- the plan

  private static Plan plan(Parts p, JsonNode root) {
    Reading r = p.reading();
    Obj o = new Obj(r, root, "", PLAN);
    if (!o.valid()) {
      return null;
    }
    Integer version = o.get(VERSION);
    if (version == null) {
      o.require(VERSION);
    } else if (version != 1) {
      o.problem(VERSION, "unsupported plan version " + version + " (this cutover reads version 1)");
    }
    String name = o.get(PLAN_NAME);
    if (name == null) {
      o.require(PLAN_NAME);
    } else if (!NAME.matcher(name).matches()) {
      o.problem(
          PLAN_NAME,
          "\""
              + name
              + "\" must match ^[a-z0-9][a-z0-9-]{0,62}$ (it becomes the workflow id cutover-"
              + name
              + ")");
    }
    String description = o.get(DESCRIPTION);

    Map<String, Connection> connections =
        o.entries(CONNECTIONS, (k, v) -> p.checks().connection(p.obj(v, "connections." + k), k));
    Map<String, Check> checks =
        PlanDefaults.apply(
            o,
            o.entries(CHECKS, (k, v) -> p.checks().check(p.obj(v, "checks." + k), k)),
            p.checks().withAlpha());
    Traffic traffic = o.has(TRAFFIC) ? p.http().traffic(o.get(TRAFFIC)) : null;
    FlagsApi flagsApi = o.has(FLAGS_API) ? p.http().flagsApi(o.get(FLAGS_API)) : null;
    Window window = o.get(StagesReader.WINDOW);

    List<Rule> prerequisites = p.rules().rules(o, PREREQUISITES, DEFAULT_WATCH_EVERY);
    List<JsonNode> stageNodes = o.get(STAGES);
    if (stageNodes.isEmpty() && o.has(STAGES)) {
      o.problem(STAGES, "a plan needs at least one stage");
    } else if (!o.has(STAGES)) {
      o.require(STAGES);
    }
    List<Stage> stages = new ArrayList<>();
    Set<String> stageNames = new HashSet<>();
    for (int i = 0; i < stageNodes.size(); i++) {
      Stage s = p.stages().stage(stageNodes.get(i), o.path(STAGES, i));
      if (s != null) {
        if (!stageNames.add(s.name())) {
          r.problem(o.path(STAGES, i) + ".name", "duplicate stage name \"" + s.name() + "\"");
        }
        stages.add(s);
        if (s.percent() != null && traffic == null && !o.has(TRAFFIC)) {
          r.problem(
              o.path(STAGES, i) + ".percent",
              "a stage with percent needs a traffic section saying how to apply it");
        }
        if (!s.flags().isEmpty() && flagsApi == null && !o.has(FLAGS_API)) {
          r.problem(
              o.path(STAGES, i) + ".flags",
              "a stage with flags needs a flagsApi section saying how to set them");
        }
      }
    }
    List<Rule> watch =
        p.rules().watch(o, WATCH, DEFAULT_WATCH_EVERY, stages.stream().map(Stage::name).toList());
    Rollback rollback =
        o.has(ROLLBACK) ? p.stages().rollback(o.get(ROLLBACK)) : Rollback.defaults();
    Approvals approvals = o.has(APPROVALS) ? approvals(o.get(APPROVALS)) : Approvals.anyone();
    Notify notify = o.has(NOTIFY) ? NotifyReader.read(o.get(NOTIFY), stageNames) : null;
    o.done();

    // Cross references, now that every part has been read.
    CrossReferences refs = new CrossReferences(r, connections, checks);
    refs.checkConnections();
    if (r.hardened) {
      refs.urls(notify);
    }
    refs.requests(traffic, flagsApi);
    for (int i = 0; i < stages.size(); i++) {
      refs.actions(stages.get(i).actions(), "stages[" + i + "].actions");
      refs.actions(stages.get(i).onComplete(), "stages[" + i + "].onComplete");
    }
    if (r.runbook && stages.size() == stageNodes.size()) {
      boolean written = root.path("rollback").has("afterPointOfNoReturn");
      PointsOfNoReturn.check(r, stages, watch, rollback, written);
    }
    refs.rollback(rollback);
    refs.rules(p.rules().checks(), p.rules().withoutPass(), p.checks().withPass());
    baselines(refs, checks, prerequisites, stages, watch);
    if (name == null || stageNodes.isEmpty() || r.hasProblems()) {
      return null;
    }
    return new Plan(
        version,
        name,
        description,
        connections,
        checks,
        traffic,
        flagsApi,
        prerequisites,
        stages,
        watch,
        rollback,
        approvals,
        notify,
        window);
  }

  /** The stage baselines' cross references ({@link CrossReferences#baselines}). */
  private static void baselines(
      CrossReferences refs,
      Map<String, Check> checks,
      List<Rule> prerequisites,
      List<Stage> stages,
      List<Rule> watch) {
    Map<String, String> prerequisiteChecks = new LinkedHashMap<>();
    Set<String> relative = new HashSet<>();
    for (int i = 0; i < prerequisites.size(); i++) {
      Rule rule = prerequisites.get(i);
      String path = "prerequisites[" + i + "]";
      prerequisiteChecks.put(path, rule.check());
      Check c = checks.get(rule.check());
      Comparison pass = rule.passOverride().orElse(c == null ? null : c.pass());
      if (pass != null && pass.usesBaseline()) {
        relative.add(path);
      }
    }
    refs.baselines(
        Plan.baselineChecks(checks, List.of(), stages, watch), prerequisiteChecks, relative);
  }

  private static Approvals approvals(Obj o) {
    if (!o.valid()) {
      return Approvals.anyone();
    }
    List<String> approvers =
        o.each(
            APPROVERS,
            (n, path) -> {
              if (!n.isTextual() || n.asText().isBlank()) {
                o.reading().problem(path, "an approver is a name");
                return null;
              }
              return n.asText();
            });
    Boolean fourEyes = o.get(FOUR_EYES);
    Boolean signed = o.get(SIGNED);
    o.done();
    return new Approvals(approvers, fourEyes != null && fourEyes, signed != null && signed);
  }
}
