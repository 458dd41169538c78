package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a plan strictly: unknown fields, bad durations and comparisons, dangling names and
 * inconsistent settings are all reported at once, each with its path ({@code
 * stages[1].gates[0].check}). A plan it returns is complete: every default is filled in. By
 * {@link Rules#HARDENED} every limit of {@link PlanLimits} and every rule the worker applies to plan
 * text ({@link PlanSyntax}) hold too. Whatever the input, {@link #parseTree} and {@link #fromTree}
 * throw nothing but {@link PlanException}.
 *
 * <p>Thread-safe: each read uses its own state.
 */
public final class PlanReader {
  public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  static final Pattern STAGE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
  static final Pattern FLAG_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$");
  private static final Pattern PLACEHOLDER = PlanSyntax.PLACEHOLDER;
  private static final Pattern ENV_REF = Pattern.compile("^env:[A-Za-z_][A-Za-z0-9_]*$");
  private static final Pattern WHOLE_ENV_REF = Pattern.compile("^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*}$");

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
   * escaping at most doubles the text, so a plan this size fits with room for the rest of the input.
   */
  public static final int MAX_PLAN_BYTES = 256 * 1024;
  /** Problems listed at most; more are counted. */
  static final int MAX_PROBLEMS = 100;
  /** A problem's message or path longer than this is shortened in the middle (it quotes the plan). */
  static final int MAX_MESSAGE_CHARS = 600;

  private final List<Problem> problems = new ArrayList<>();
  private int unlisted;
  /** Paths of values already reported as out of bounds. */
  private final Set<String> outOfBounds = new HashSet<>();
  /**
   * {@link Rules#HARDENED}: every limit of {@link PlanLimits} and the worker's syntax rules apply, a
   * postgres URL passes {@link JdbcUrls}, and SQL is split by {@link SqlStatements#count} (older
   * plans keep the first release's count).
   */
  private boolean hardened;
  /** Rules whose check has no pass condition of its own: resolved once all checks are read. */
  private final Map<String, String> ruleChecks = new LinkedHashMap<>();

  private PlanReader() {}

  /** Parses YAML or JSON text and reads the plan; throws {@link PlanException} listing all problems. */
  public static Plan read(String text) {
    return fromTree(parseTree(text));
  }

  /**
   * Parses YAML or JSON text into a tree, reporting a syntax error with its line and column. Text
   * over {@link #MAX_PLAN_BYTES}, control characters, YAML aliases, anchors, merge keys and tags,
   * a key written twice, a second document and nesting deeper than {@link PlanLimits#MAX_DEPTH}
   * are problems too. Throws nothing but {@link PlanException}.
   */
  public static JsonNode parseTree(String text) {
    return PlanText.parse(text);
  }

  /** As {@link #parseTree(String)} for the bytes of a plan file, which must be UTF-8 (a problem says where not). */
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
    /** Every stage action that changes something declares {@code undo:} or {@code irreversible: true}. */
    CURRENT,
    /**
     * As {@link #CURRENT}, and every input is bounded and nothing the worker's operator owns is
     * chosen by the plan: durations and sizes capped, no secret reference inside a URL, JDBC URL
     * parameters allow-listed, no nginx config path.
     */
    HARDENED;

    /** The rules a new cutover and {@code cutover lint} read plans by. */
    public static final Rules NEWEST = HARDENED;
  }

  /** Reads a plan from its JSON tree (as carried in the workflow input), by the current rules. */
  public static Plan fromTree(JsonNode root) {
    return fromTree(root, Rules.CURRENT);
  }

  /** Reads a plan from its JSON tree by the given rules. */
  public static Plan fromTree(JsonNode root, Rules rules) {
    PlanReader r = new PlanReader();
    r.undoOptional = rules == Rules.FIRST_RELEASE;
    r.hardened = rules.compareTo(Rules.HARDENED) >= 0;
    Plan plan = r.bounded(root);
    if (r.hardened && root != null) {
      // No secret in a URL or a command argument, no nginx config path: the worker's to choose.
      OperatorOwned.problems(root).forEach(p -> r.problem(p.path(), p.message()));
    }
    r.throwIfProblems();
    return plan;
  }

  /**
   * Reads the plan once its tree is known to be shallow enough to read (and, hardened, within
   * every limit). Whatever the input, no exception escapes: one that would is a problem too.
   */
  private Plan bounded(JsonNode root) {
    try {
      if (root != null && !PlanLimits.walk(root, hardened, this::limitProblem)) {
        return null;
      }
      if (hardened && problems.isEmpty() && PlanLimits.jsonBytes(root) > MAX_PLAN_BYTES) {
        problem("", "the plan is more than " + MAX_PLAN_BYTES + " bytes as JSON (" + MAX_PLAN_BYTES / 1024
            + " KiB), the most a cutover's start input carries");
        return null;
      }
      return plan(root);
    } catch (RuntimeException | StackOverflowError e) {
      problem("", "could not be read (" + e.getClass().getSimpleName() + "); this is a bug in cutover:"
          + " please report it with the plan");
      return null;
    }
  }

  /** Reads one check definition on its own (an activity measuring it). */
  public static Check check(String name, JsonNode node) {
    PlanReader r = new PlanReader();
    Check c = r.check(new Obj(r, node, "checks." + name), name);
    r.throwIfProblems();
    return c;
  }

  /** Reads one connection definition on its own (an activity using it). */
  public static Connection connection(String name, JsonNode node) {
    PlanReader r = new PlanReader();
    Connection c = r.connection(new Obj(r, node, "connections." + name), name);
    r.throwIfProblems();
    return c;
  }

  /**
   * Reads one action definition on its own (an activity running it): a stage action, a rollback
   * action or an undo. Whether an action says how it is undone was checked when the plan was read.
   */
  public static Action action(JsonNode node, String path) {
    PlanReader r = new PlanReader();
    r.undoOptional = true;
    Action a = r.action(node, path, Set.of("env", "stage"), true);
    r.throwIfProblems();
    return a;
  }

  /** Reading a fragment: undo and irreversible are allowed but not required. */
  private boolean undoOptional;

  /** Reads a traffic section on its own. */
  public static Traffic traffic(JsonNode node) {
    PlanReader r = new PlanReader();
    Traffic t = r.traffic(new Obj(r, node, "traffic"));
    r.throwIfProblems();
    return t;
  }

  /** Reads a flagsApi section on its own. */
  public static FlagsApi flagsApi(JsonNode node) {
    PlanReader r = new PlanReader();
    FlagsApi f = r.flagsApi(new Obj(r, node, "flagsApi"));
    r.throwIfProblems();
    return f;
  }

  private void throwIfProblems() {
    if (!problems.isEmpty()) {
      List<Problem> all = new ArrayList<>(problems);
      if (unlisted > 0) {
        all.add(new Problem("", "... and " + unlisted + " more problem" + (unlisted == 1 ? "" : "s")));
      }
      throw new PlanException(all);
    }
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

  /** A value out of bounds (found by the walk over the tree, or as it is read): nothing more is said about it. */
  private void limitProblem(String path, String message) {
    problem(path, message);
    outOfBounds.add(path);
  }

  static String printable(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_MESSAGE_CHARS + 40));
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (PlanSyntax.isControl(c) || Character.getType(c) == Character.FORMAT) {
        b.append(c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() <= MAX_MESSAGE_CHARS) {
      return b.toString();
    }
    int half = MAX_MESSAGE_CHARS / 2;
    return b.substring(0, half) + " ... (" + (b.length() - 2 * half) + " characters left out) ... "
        + b.substring(b.length() - half);
  }

  // ---------------------------------------------------------------- the plan

  private Plan plan(JsonNode root) {
    Obj o = new Obj(this, root, "", "version", "name", "description", "connections", "checks",
        "traffic", "flagsApi", "prerequisites", "stages", "watch", "rollback", "approvals",
        "notify", "window");
    if (!o.valid()) {
      return null;
    }
    Integer version = o.integer("version");
    if (version == null) {
      o.require("version");
    } else if (version != 1) {
      problem("version", "unsupported plan version " + version + " (this cutover reads version 1)");
    }
    String name = o.text("name");
    if (name == null) {
      o.require("name");
    } else if (!NAME.matcher(name).matches()) {
      problem("name", "\"" + name + "\" must match ^[a-z0-9][a-z0-9-]{0,62}$ (it becomes the workflow id cutover-" + name + ")");
    }
    String description = o.text("description");

    Map<String, Connection> connections = new LinkedHashMap<>();
    o.map("connections").forEach((k, v) -> {
      Connection c = connection(v, k);
      if (c != null) {
        connections.put(k, c);
      }
    });
    Map<String, Check> checks = new LinkedHashMap<>();
    o.map("checks").forEach((k, v) -> {
      Check c = check(v, k);
      if (c != null) {
        checks.put(k, c);
      }
    });
    Traffic traffic = o.has("traffic") ? traffic(o.obj("traffic")) : null;
    FlagsApi flagsApi = o.has("flagsApi") ? flagsApi(o.obj("flagsApi")) : null;
    Window window = o.has("window") ? window(o, "window") : null;

    List<Rule> prerequisites = rules(o, "prerequisites", DEFAULT_WATCH_EVERY);
    List<Stage> stages = new ArrayList<>();
    List<JsonNode> stageNodes = o.list("stages");
    if (stageNodes.isEmpty() && o.has("stages")) {
      problem("stages", "a plan needs at least one stage");
    } else if (!o.has("stages")) {
      o.require("stages");
    }
    Set<String> stageNames = new HashSet<>();
    for (int i = 0; i < stageNodes.size(); i++) {
      Stage s = stage(new Obj(this, stageNodes.get(i), "stages[" + i + "]", "name", "percent",
          "flags", "revert", "soak", "every", "gates", "approval", "actions", "window"));
      if (s != null) {
        if (!stageNames.add(s.name())) {
          problem("stages[" + i + "].name", "duplicate stage name \"" + s.name() + "\"");
        }
        stages.add(s);
        if (s.percent() != null && traffic == null && !o.has("traffic")) {
          problem("stages[" + i + "].percent", "a stage with percent needs a traffic section saying how to apply it");
        }
        if (!s.flags().isEmpty() && flagsApi == null && !o.has("flagsApi")) {
          problem("stages[" + i + "].flags", "a stage with flags needs a flagsApi section saying how to set them");
        }
      }
    }
    List<Rule> watch = rules(o, "watch", DEFAULT_WATCH_EVERY);
    Rollback rollback = o.has("rollback") ? rollback(o.obj("rollback")) : Rollback.defaults();
    Approvals approvals = o.has("approvals") ? approvals(o.obj("approvals")) : Approvals.anyone();
    Notify notify = o.has("notify") ? notify(o.obj("notify")) : null;
    o.done();

    // Cross references, now that every part has been read.
    for (Map.Entry<String, Check> e : checks.entrySet()) {
      Optional<String> conn = e.getValue().source().connection();
      if (conn.isPresent()) {
        Connection c = connections.get(conn.get());
        String path = "checks." + e.getKey() + "." + sourceKey(e.getValue().source());
        Check.Source source = e.getValue().source();
        Connection.Kind want = source instanceof Check.SqlQuery ? Connection.Kind.POSTGRES
            : source instanceof Check.PromQuery ? Connection.Kind.PROMETHEUS
            : source instanceof Check.Compare cmp ? (cmp.kind() == Check.Compare.Kind.SQL ? Connection.Kind.POSTGRES : Connection.Kind.PROMETHEUS)
            : Connection.Kind.HTTP;
        connectionRef(connections, conn.get(), want, path);
      }
    }
    if (hardened) {
      hardenedUrls(connections, notify);
    }
    if (traffic != null && traffic.set() != null) {
      httpRef(connections, traffic.set(), "traffic.set.http");
      if (traffic.get() != null) {
        httpRef(connections, traffic.get(), "traffic.get.http");
      }
    }
    if (flagsApi != null) {
      httpRef(connections, flagsApi.set(), "flagsApi.set.http");
      if (flagsApi.get() != null) {
        httpRef(connections, flagsApi.get(), "flagsApi.get.http");
      }
    }
    for (int i = 0; i < stages.size(); i++) {
      actionRefs(connections, checks, stages.get(i).actions(), "stages[" + i + "].actions");
    }
    actionRefs(connections, checks, rollback.actions(), "rollback.actions");
    rollback.drainValue().ifPresent(d -> checkRef(checks, d.check(), "rollback.drain.check"));
    for (Map.Entry<String, String> e : ruleChecks.entrySet()) {
      Check c = checks.get(e.getValue());
      if (c == null) {
        checkRef(checks, e.getValue(), e.getKey() + ".check");
      }
    }
    for (Map.Entry<String, String> e : rulesWithoutPass.entrySet()) {
      Check c = checks.get(e.getValue());
      if (c != null && c.pass() == null && !checksWithPass.contains(c.name())
          && !(c.source() instanceof Check.Compare)
          && !(c.source() instanceof Check.HttpProbe h && h.valuePath() == null)) {
        problem(e.getKey(), "check \"" + e.getValue() + "\" has no pass condition; give \"pass\" on the check or on this rule");
      }
    }
    if (name == null || stageNodes.isEmpty() || !problems.isEmpty()) {
      return null;
    }
    return new Plan(version, name, description, connections, checks, traffic, flagsApi,
        prerequisites, stages, watch, rollback, approvals, notify, window);
  }

  /**
   * HTTP and Prometheus connection URLs and the webhook are URLs the worker's HTTP client accepts.
   * The problem does not quote the URL: it may carry a credential (a webhook often is one).
   */
  private void hardenedUrls(Map<String, Connection> connections, Notify notify) {
    connections.forEach((name, c) -> {
      if (c.kind() != Connection.Kind.POSTGRES && !c.url().startsWith("${") && PlanSyntax.httpUrlProblem(c.url()) != null) {
        problem("connections." + name + "." + c.kind().name().toLowerCase(), PlanSyntax.httpUrlProblem(c.url()));
      }
    });
    if (notify != null && !notify.webhook().startsWith("${") && PlanSyntax.httpUrlProblem(notify.webhook()) != null) {
      problem("notify.webhook", PlanSyntax.httpUrlProblem(notify.webhook()));
    }
  }

  private static String sourceKey(Check.Source s) {
    if (s instanceof Check.Compare c) {
      return "compare." + (c.kind() == Check.Compare.Kind.SQL ? "sql" : "prometheus");
    }
    return s instanceof Check.SqlQuery ? "sql" : s instanceof Check.PromQuery ? "prometheus" : "http";
  }

  private void connectionRef(Map<String, Connection> connections, String name, Connection.Kind kind, String path) {
    Connection c = connections.get(name);
    if (c == null) {
      problem(path, "no connection named \"" + name + "\"" + known(connections.keySet()));
    } else if (c.kind() != kind) {
      problem(path, "connection \"" + name + "\" is " + c.kind().name().toLowerCase()
          + ", not " + kind.name().toLowerCase());
    }
  }

  private void httpRef(Map<String, Connection> connections, HttpCall call, String path) {
    call.connection().ifPresent(c -> connectionRef(connections, c, Connection.Kind.HTTP, path));
  }

  private void checkRef(Map<String, Check> checks, String name, String path) {
    if (!checks.containsKey(name)) {
      problem(path, "no check named \"" + name + "\"" + known(checks.keySet()));
    }
  }

  private void actionRefs(Map<String, Connection> connections, Map<String, Check> checks, List<Action> actions, String path) {
    for (int i = 0; i < actions.size(); i++) {
      Action a = actions.get(i);
      if (a instanceof Action.Http h) {
        httpRef(connections, h.call(), path + "[" + i + "].http");
      } else if (a instanceof Action.Wait w) {
        checkRef(checks, w.check(), path + "[" + i + "].wait.check");
      }
      if (a.undo() instanceof Action.Http u) {
        httpRef(connections, u.call(), path + "[" + i + "].undo.http");
      }
    }
  }

  private static String known(Set<String> names) {
    return names.isEmpty() ? " (none are defined)" : " (known: " + String.join(", ", new TreeSet<>(names)) + ")";
  }

  // ---------------------------------------------------------------- parts

  private Connection connection(JsonNode node, String name) {
    return connection(new Obj(this, node, "connections." + name), name);
  }

  private Connection connection(Obj o, String name) {
    if (!o.valid()) {
      return null;
    }
    String kindKey = o.exactlyOne("a connection", "postgres", "prometheus", "http");
    if (kindKey == null) {
      return null;
    }
    Connection.Kind kind = switch (kindKey) {
      case "postgres" -> Connection.Kind.POSTGRES;
      case "prometheus" -> Connection.Kind.PROMETHEUS;
      default -> Connection.Kind.HTTP;
    };
    o.allow(kind == Connection.Kind.POSTGRES ? new String[] {kindKey, "user", "password"}
        : new String[] {kindKey, "headers"});
    String url = o.text(kindKey);
    if (url != null) {
      placeholders(url, o.path(kindKey), Set.of("env"));
      if (kind == Connection.Kind.POSTGRES && hardened) {
        JdbcUrls.problems(url).forEach(p -> problem(o.path(kindKey), p));
      } else if (kind == Connection.Kind.POSTGRES && !url.startsWith("jdbc:postgresql:") && !url.startsWith("${")) {
        problem(o.path(kindKey), "a postgres connection is a JDBC URL such as jdbc:postgresql://host:5432/db");
      }
      if (kind != Connection.Kind.POSTGRES && !url.startsWith("http://") && !url.startsWith("https://") && !url.startsWith("${")) {
        problem(o.path(kindKey), "\"" + url + "\" is not an http:// or https:// URL");
      }
    }
    String user = o.text("user");
    if (user != null) {
      placeholders(user, o.path("user"), Set.of("env"));
    }
    String password = o.text("password");
    if (password != null && !WHOLE_ENV_REF.matcher(password).matches()) {
      problem(o.path("password"), "must be a ${env:NAME} reference: a literal password would be written to workflow history");
    }
    Map<String, String> headers = headers(o, "headers", Set.of("env"));
    o.done();
    return url == null ? null : new Connection(name, kind, url, user, password, headers);
  }

  private Check check(JsonNode node, String name) {
    return check(new Obj(this, node, "checks." + name), name);
  }

  private Check check(Obj o, String name) {
    if (!o.valid()) {
      return null;
    }
    String kind = o.exactlyOne("a check", "sql", "prometheus", "http", "compare");
    if (kind == null) {
      return null;
    }
    Duration defaultTimeout = Duration.ofSeconds(kind.equals("sql") ? 30 : 10);
    Check.Source source = null;
    Check.MinSamples minSamples = null;
    switch (kind) {
      case "sql" -> {
        o.allow("sql", "query", "pass", "minSamples", "timeout", "description");
        String conn = o.text("sql");
        String query = o.text("query");
        if (query == null) {
          o.require("query");
        } else {
          sqlText(query, o.path("query"));
        }
        if (o.has("minSamples")) {
          Obj m = o.obj("minSamples", "query", "atLeast");
          String mq = m.text("query");
          Long atLeast = m.longValue("atLeast");
          if (mq == null) {
            m.require("query");
          } else {
            sqlText(mq, m.path("query"));
          }
          if (atLeast == null) {
            m.require("atLeast");
          } else if (atLeast < 1) {
            problem(m.path("atLeast"), "must be at least 1");
          }
          m.done();
          if (mq != null && atLeast != null) {
            minSamples = new Check.MinSamples(mq, atLeast);
          }
        }
        if (conn != null && query != null) {
          source = new Check.SqlQuery(conn, query);
        }
      }
      case "prometheus" -> {
        o.allow("prometheus", "query", "reduce", "pass", "timeout", "description");
        String conn = o.text("prometheus");
        String query = o.text("query");
        if (query == null) {
          o.require("query");
        }
        Check.Reduce reduce = o.enumValue("reduce", Check.Reduce.class);
        if (conn != null && query != null) {
          source = new Check.PromQuery(conn, query, reduce);
        }
      }
      case "http" -> {
        o.allow("http", "headers", "body", "expect", "value", "pass", "timeout", "description", "followRedirects");
        HttpCall call = requestLine(o, "http", Set.of("env"));
        Map<String, String> headers = headers(o, "headers", Set.of("env"));
        String body = o.text("body");
        if (body != null) {
          placeholders(body, o.path("body"), Set.of("env"));
        }
        if (hardened && call != null && PlanSyntax.bodyProblem(call.method(), body) != null) {
          problem(o.path("body"), PlanSyntax.bodyProblem(call.method(), body));
        }
        Expect expect = o.has("expect") ? expect(o.obj("expect", "status", "json")) : null;
        String value = o.text("value");
        if (value != null) {
          jsonPath(value, o.path("value"));
        }
        if (expect == null && value == null) {
          problem(o.path(""), "an http check needs \"expect\" (status, JSON values) or \"value\" (a JSON path judged by pass)");
        }
        if (value != null && !o.has("pass")) {
          problem(o.path("value"), "a value is judged by \"pass\"; add one, e.g. pass: \">= 1\"");
        }
        if (value == null && o.has("pass")) {
          problem(o.path("pass"), "an http check's pass judges its \"value\"; add value: \"$.path\"");
        }
        Boolean follow = o.bool("followRedirects");
        if (call != null) {
          source = new Check.HttpProbe(call.withHeadersAndBody(headers, body), expect, value, follow != null && follow);
        }
      }
      default -> {
        o.allow("compare", "timeout", "description");
        source = compare(o.obj("compare", "prometheus", "sql", "new", "baseline", "margin", "confidence", "minSamples"));
      }
    }
    if (o.has("pass")) {
      checksWithPass.add(name);
    }
    Comparison pass = comparison(o, "pass");
    Duration timeout = o.duration("timeout");
    if (timeout != null && (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0)) {
      problem(o.path("timeout"), "must be between 1s and " + Durations.format(MAX_TIMEOUT));
    }
    o.text("description");
    o.done();
    if (source == null) {
      return null;
    }
    return new Check(name, source, pass, minSamples, timeout == null ? defaultTimeout : timeout);
  }

  private Check.Compare compare(Obj o) {
    if (!o.valid()) {
      return null;
    }
    String kindKey = o.exactlyOne("a compare check", "prometheus", "sql");
    String conn = kindKey == null ? null : o.text(kindKey);
    Check.Compare.Kind kind = "sql".equals(kindKey) ? Check.Compare.Kind.SQL : Check.Compare.Kind.PROMETHEUS;
    String[] news = counts(o, "new", kind);
    String[] base = counts(o, "baseline", kind);
    Double margin = o.number("margin");
    if (margin == null) {
      margin = 0.0;
    } else if (margin < 0 || margin >= 1) {
      problem(o.path("margin"), "a margin is a difference of rates between 0 and 1, e.g. 0.01 for one point");
    }
    Double confidence = o.number("confidence");
    if (confidence == null) {
      confidence = 0.95;
    } else if (confidence < 0.5 || confidence >= 1) {
      problem(o.path("confidence"), "a confidence is between 0.5 and 1, e.g. 0.95");
    }
    Long minSamples = o.longValue("minSamples");
    if (minSamples == null) {
      minSamples = 100L;
    } else if (minSamples < 1) {
      problem(o.path("minSamples"), "must be at least 1");
    }
    o.done();
    if (conn == null || news == null || base == null) {
      return null;
    }
    return new Check.Compare(conn, kind, news[0], news[1], base[0], base[1], margin, confidence, minSamples);
  }

  private String[] counts(Obj parent, String key, Check.Compare.Kind kind) {
    if (!parent.has(key)) {
      parent.require(key);
      return null;
    }
    Obj o = parent.obj(key, "failures", "total");
    String failures = o.text("failures");
    String total = o.text("total");
    if (failures == null) {
      o.require("failures");
    }
    if (total == null) {
      o.require("total");
    }
    if (kind == Check.Compare.Kind.SQL) {
      if (failures != null) {
        sqlText(failures, o.path("failures"));
      }
      if (total != null) {
        sqlText(total, o.path("total"));
      }
    }
    o.done();
    return failures == null || total == null ? null : new String[] {failures, total};
  }

  private void sqlText(String query, String path) {
    if (PLACEHOLDER.matcher(query).find()) {
      problem(path, "placeholders such as ${...} are not filled in SQL; write the query literally");
    }
    if ((hardened ? SqlStatements.count(query) : SqlStatements.countAsFirstReleased(query)) > 1) {
      problem(path, "one statement only: a check's SQL may not chain statements with ';'");
    }
  }

  private Expect expect(Obj o) {
    if (!o.valid()) {
      return null;
    }
    Integer status = o.integer("status");
    if (status != null && (status < 100 || status > 599)) {
      problem(o.path("status"), status + " is not an HTTP status");
    }
    Map<String, JsonNode> json = new LinkedHashMap<>();
    o.map("json").forEach((k, v) -> {
      jsonPath(k, o.path("json") + "." + k);
      if (!v.isValueNode()) {
        problem(o.path("json") + "." + k, "expected values are numbers, strings, true/false or null");
      }
      json.put(k, v);
    });
    o.done();
    return new Expect(status, json);
  }

  private void jsonPath(String path, String where) {
    if (!JsonPaths.isValid(path)) {
      problem(where, "\"" + path + "\" is not a JSON path such as $.status or $.items[0].value");
    }
  }

  private Traffic traffic(Obj o) {
    if (!o.valid()) {
      return null;
    }
    if (o.has("nginx")) {
      o.allow("nginx");
      Traffic.Nginx nginx = nginx(o.obj("nginx", "file", "variable", "key", "new", "old", "config"));
      o.done();
      return nginx == null ? null : new Traffic(null, null, null, nginx);
    }
    o.allow("set", "get", "nginx");
    HttpCall set = null;
    if (!o.has("set")) {
      problem(o.path(""), "traffic needs set (and optionally get) for an HTTP API, or nginx");
    } else {
      Obj s = o.obj("set", "http", "headers", "body");
      set = httpCall(s, Set.of("env", "percent"));
      if (set != null && !(set.target() + " " + set.body()).contains("${percent}")) {
        problem(s.path("http"), "traffic.set never uses ${percent}; put it in the body or the URL");
      }
      s.done();
    }
    HttpCall get = null;
    String value = null;
    if (o.has("get")) {
      Obj g = o.obj("get", "http", "headers", "value");
      get = httpCall(g, Set.of("env"));
      value = g.text("value");
      if (value == null) {
        g.require("value");
      } else {
        jsonPath(value, g.path("value"));
      }
      g.done();
    }
    o.done();
    return set == null ? null : new Traffic(set, get, value, null);
  }

  private Traffic.Nginx nginx(Obj o) {
    if (!o.valid()) {
      return null;
    }
    String file = o.text("file");
    if (file == null) {
      o.require("file");
    } else if (!file.startsWith("/") || file.contains("..") || !file.endsWith(".conf")) {
      problem(o.path("file"), "an absolute path to a .conf file (no ..), e.g. /etc/nginx/cutover/split.conf");
    } else if (hardened && PlanSyntax.nginxFileProblem(file) != null) {
      problem(o.path("file"), PlanSyntax.nginxFileProblem(file));
    }
    // The worker checks the same rules (PlanSyntax) before it writes the file.
    String variable = o.text("variable");
    if (variable == null) {
      variable = "$cutover_upstream";
    } else if (PlanSyntax.nginxVariableProblem(variable) != null) {
      problem(o.path("variable"), PlanSyntax.nginxVariableProblem(variable));
    }
    String key = o.text("key");
    if (key == null) {
      key = "${remote_addr}${http_user_agent}";
    } else if (!key.startsWith("$")) {
      problem(o.path("key"), "what splits clients, built from nginx variables, e.g. $remote_addr or ${cookie_session}");
    } else if (hardened && PlanSyntax.nginxKeyProblem(key) != null) {
      problem(o.path("key"), "\"" + key + "\" is not " + PlanSyntax.nginxKeyProblem(key));
    }
    String newUp = o.text("new");
    String oldUp = o.text("old");
    for (String[] kv : new String[][] {{"new", newUp}, {"old", oldUp}}) {
      if (kv[1] == null) {
        o.require(kv[0]);
      } else if (PlanSyntax.nginxUpstreamProblem(kv[1]) != null) {
        problem(o.path(kv[0]), "\"" + kv[1] + "\" is not an upstream name");
      }
    }
    String config = o.text("config");
    if (config != null && !config.startsWith("/")) {
      problem(o.path("config"), "an absolute path to nginx's main configuration file");
    }
    o.done();
    if (file == null || newUp == null || oldUp == null) {
      return null;
    }
    return new Traffic.Nginx(file, variable, key, newUp, oldUp, config);
  }

  private FlagsApi flagsApi(Obj o) {
    if (!o.valid()) {
      return null;
    }
    o.allow("set", "get");
    HttpCall set = null;
    if (!o.has("set")) {
      o.require("set");
    } else {
      Obj s = o.obj("set", "http", "headers", "body");
      set = httpCall(s, Set.of("env", "flag", "value"));
      if (set != null) {
        String all = set.target() + " " + set.body();
        if (!all.contains("${flag}")) {
          problem(s.path("http"), "flagsApi.set never uses ${flag}; put it in the URL or the body");
        }
        if (!all.contains("${value}")) {
          problem(s.path("http"), "flagsApi.set never uses ${value}; put it in the body or the URL");
        }
      }
      s.done();
    }
    HttpCall get = null;
    String value = null;
    if (o.has("get")) {
      Obj g = o.obj("get", "http", "headers", "value");
      get = httpCall(g, Set.of("env", "flag"));
      value = g.text("value");
      if (value == null) {
        g.require("value");
      } else {
        jsonPath(value, g.path("value"));
      }
      g.done();
    }
    o.done();
    return set == null ? null : new FlagsApi(set, get, value);
  }

  /** {http, headers, body} of an object already restricted to those fields (and maybe others). */
  private HttpCall httpCall(Obj o, Set<String> allowed) {
    HttpCall call = requestLine(o, "http", allowed);
    Map<String, String> headers = headers(o, "headers", allowed);
    String body = o.has("body") ? o.text("body") : null;
    if (body != null) {
      placeholders(body, o.path("body"), allowed);
    }
    if (hardened && call != null && PlanSyntax.bodyProblem(call.method(), body) != null) {
      problem(o.path("body"), PlanSyntax.bodyProblem(call.method(), body));
    }
    return call == null ? null : call.withHeadersAndBody(headers, body);
  }

  private HttpCall requestLine(Obj o, String key, Set<String> allowed) {
    String line = o.text(key);
    if (line == null) {
      if (!o.has(key)) {
        o.require(key);
      }
      return null;
    }
    Optional<HttpCall> call = HttpCall.parse(line);
    if (call.isEmpty()) {
      problem(o.path(key), "\"" + line + "\" is not a request such as \"GET https://host/path\" or \"PUT flags:/api/x\"");
      return null;
    }
    HttpCall c = call.get();
    if (c.connection().isEmpty() && !c.target().startsWith("http://") && !c.target().startsWith("https://")
        && !SecretReferences.isWhole(c.target())) { // a whole URL from the worker (a deploy hook)
      problem(o.path(key), "\"" + c.target() + "\" is neither an http(s) URL nor connection:/path");
    } else if (hardened && c.connection().isEmpty() && !SecretReferences.isWhole(c.target())
        && PlanSyntax.httpUrlProblem(c.target()) != null) {
      // Not quoted: a URL may carry a credential, and a problem can end up in workflow history.
      problem(o.path(key), PlanSyntax.httpUrlProblem(c.target()));
    }
    placeholders(c.target(), o.path(key), allowed);
    return c;
  }

  private Map<String, String> headers(Obj o, String key, Set<String> allowed) {
    Map<String, String> out = new LinkedHashMap<>();
    o.map(key).forEach((k, v) -> {
      String p = o.path(key) + "." + k;
      if (!v.isValueNode() || v.isNull()) {
        problem(p, "a header value is text");
        return;
      }
      String value = v.asText();
      if (hardened && PlanSyntax.headerNameProblem(k) != null) {
        problem(p, PlanSyntax.headerNameProblem(k));
      } else if (hardened && PlanSyntax.headerValueProblem(value) != null) {
        problem(p, PlanSyntax.headerValueProblem(value));
      }
      placeholders(value, p, allowed);
      if (k.equalsIgnoreCase("authorization") && !PLACEHOLDER.matcher(value).find()) {
        problem(p, "put credentials in ${env:NAME}: a literal Authorization header would be written to workflow history");
      }
      out.put(k, value);
    });
    return out;
  }

  /** Every ${...} in text must be one the context fills: env:NAME, or a name in allowed. */
  private void placeholders(String text, String path, Set<String> allowed) {
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String inner = m.group(1);
      if (inner.startsWith("env:")) {
        if (!allowed.contains("env") || !ENV_REF.matcher(inner).matches()) {
          problem(path, "\"${" + inner + "}\" is not a valid ${env:NAME} reference here");
        }
      } else if (!allowed.contains(inner)) {
        List<String> names = new ArrayList<>();
        allowed.stream().sorted().forEach(a -> names.add(a.equals("env") ? "${env:NAME}" : "${" + a + "}"));
        problem(path, "unknown placeholder ${" + inner + "}; here you may use " + String.join(", ", names));
      }
    }
  }

  private final Map<String, String> rulesWithoutPass = new LinkedHashMap<>();
  /** Checks that give a pass condition, even an invalid one (already reported). */
  private final Set<String> checksWithPass = new HashSet<>();

  private List<Rule> rules(Obj parent, String key, Duration defaultEvery) {
    List<Rule> out = new ArrayList<>();
    List<JsonNode> nodes = parent.list(key);
    for (int i = 0; i < nodes.size(); i++) {
      Rule r = rule(nodes.get(i), parent.path(key) + "[" + i + "]", defaultEvery);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  private Rule rule(JsonNode node, String path, Duration defaultEvery) {
    if (node.isTextual()) {
      ruleChecks.put(path, node.asText());
      rulesWithoutPass.put(path, node.asText());
      return new Rule(node.asText(), defaultEvery, null, null, Rule.Severity.CRITICAL,
          DEFAULT_ESCALATE_AFTER, DEFAULT_GRACE, Rule.Scope.ALL, null, DEFAULT_ERROR_LIMIT,
          Rule.OnInconclusive.HOLD);
    }
    if (!node.isObject()) {
      problem(path, "a rule is a check name or an object with \"check\"");
      return null;
    }
    Obj o = new Obj(this, node, path, "check", "every", "for", "failures", "severity",
        "escalateAfter", "grace", "rollback", "pass", "errorLimit", "onInconclusive");
    String check = o.text("check");
    if (check == null) {
      o.require("check");
    } else {
      ruleChecks.put(path, check);
    }
    Duration forDuration = o.duration("for");
    Duration every = o.duration("every");
    Rule.Failures failures = null;
    String f = o.text("failures");
    if (f != null) {
      Matcher m = Pattern.compile("^\\s*(\\d+)\\s*/\\s*(\\d+)\\s*$").matcher(f);
      if (!m.matches()) {
        problem(o.path("failures"), "\"" + f + "\" is not M/N, e.g. 3/5");
      } else {
        // More than three digits is past 100 (and may not fit an int).
        int a = m.group(1).length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(m.group(1));
        int b = m.group(2).length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(m.group(2));
        if (a < 1 || a > b || b > 100) {
          problem(o.path("failures"), "in M/N, 1 <= M <= N <= 100 (got " + f + ")");
        } else {
          failures = new Rule.Failures(a, b);
        }
      }
    }
    if (forDuration != null && failures != null) {
      problem(path, "give \"for\" or \"failures\", not both");
    }
    if (forDuration != null && forDuration.isZero()) {
      problem(o.path("for"), "must be longer than 0");
    }
    if (every == null) {
      every = defaultEvery;
      if (forDuration != null && every.multipliedBy(2).compareTo(forDuration) > 0) {
        every = forDuration.dividedBy(2);
      }
    } else if (every.compareTo(MIN_EVERY) < 0) {
      problem(o.path("every"), "must be at least " + Durations.format(MIN_EVERY));
    } else if (forDuration != null && every.multipliedBy(2).compareTo(forDuration) > 0) {
      problem(o.path("every"), "every (" + Durations.format(every) + ") must be at most half of for ("
          + Durations.format(forDuration) + "), so a breach rests on at least two measurements");
    }
    Rule.Severity severity = o.enumValue("severity", Rule.Severity.class);
    Duration escalate = o.duration("escalateAfter");
    Duration grace = o.duration("grace");
    Rule.Scope scope = Rule.Scope.ALL;
    String rb = o.text("rollback");
    if (rb != null) {
      switch (rb) {
        case "stage" -> scope = Rule.Scope.STAGE;
        case "all" -> scope = Rule.Scope.ALL;
        default -> problem(o.path("rollback"), "\"" + rb + "\" is not one of: all, stage");
      }
    }
    Comparison pass = comparison(o, "pass");
    if (pass == null && check != null && !o.has("pass")) {
      rulesWithoutPass.put(path, check);
    }
    Integer errorLimit = o.integer("errorLimit");
    if (errorLimit != null && errorLimit < 1) {
      problem(o.path("errorLimit"), "must be at least 1");
    }
    Rule.OnInconclusive onInconclusive = o.enumValue("onInconclusive", Rule.OnInconclusive.class);
    o.done();
    if (check == null) {
      return null;
    }
    return new Rule(check, every, forDuration, failures,
        severity == null ? Rule.Severity.CRITICAL : severity,
        escalate == null ? DEFAULT_ESCALATE_AFTER : escalate, grace == null ? DEFAULT_GRACE : grace,
        scope, pass, errorLimit == null ? DEFAULT_ERROR_LIMIT : errorLimit,
        onInconclusive == null ? Rule.OnInconclusive.HOLD : onInconclusive);
  }

  private Stage stage(Obj o) {
    if (!o.valid()) {
      return null;
    }
    String name = o.text("name");
    if (name == null) {
      o.require("name");
    } else if (!STAGE_NAME.matcher(name).matches()) {
      problem(o.path("name"), "\"" + name + "\" must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
    }
    Integer percent = o.integer("percent");
    if (percent != null && (percent < 0 || percent > 100)) {
      problem(o.path("percent"), percent + " is outside 0-100");
    }
    Map<String, JsonNode> flags = flagMap(o, "flags");
    Map<String, JsonNode> revert = flagMap(o, "revert");
    Duration soak = o.duration("soak");
    Duration every = o.duration("every");
    if (every != null && every.compareTo(MIN_EVERY) < 0) {
      problem(o.path("every"), "must be at least " + Durations.format(MIN_EVERY));
    }
    if (soak == null) {
      soak = Duration.ZERO;
    }
    if (every == null) {
      every = soak.isZero() || soak.compareTo(DEFAULT_STAGE_EVERY) >= 0 ? DEFAULT_STAGE_EVERY : soak;
    }
    List<Rule> gates = rules(o, "gates", every);
    Boolean approval = o.bool("approval");
    List<Action> actions = new ArrayList<>();
    List<JsonNode> actionNodes = o.list("actions");
    for (int i = 0; i < actionNodes.size(); i++) {
      Action a = action(actionNodes.get(i), o.path("actions") + "[" + i + "]", Set.of("env", "stage"), true);
      if (a != null) {
        actions.add(a);
      }
    }
    Window window = o.has("window") ? window(o, "window") : null;
    if (!o.has("percent") && flags.isEmpty() && !o.has("actions") && !o.has("flags")) {
      problem(o.path(""), "a stage must set percent, flags or actions");
    }
    flags.forEach((k, v) -> {
      if (v.isValueNode() && !v.isBoolean() && !v.isNull() && !revert.containsKey(k)) {
        problem(o.path("flags") + "." + k, "only true/false flags undo themselves; give this one a value under revert");
      }
    });
    if (!revert.isEmpty() && flags.isEmpty()) {
      problem(o.path("revert"), "revert undoes a stage's flags; this stage sets none");
    }
    o.done();
    if (name == null) {
      return null;
    }
    return new Stage(name, percent, flags, revert, soak, every, gates, approval != null && approval,
        actions, window);
  }

  private Map<String, JsonNode> flagMap(Obj o, String key) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    o.map(key).forEach((k, v) -> {
      String p = o.path(key) + "." + k;
      if (!FLAG_NAME.matcher(k).matches()) {
        problem(p, "\"" + k + "\" is not a flag name");
      }
      if (!v.isValueNode() || v.isNull()) {
        problem(p, "a flag value is true/false, a number or a string");
      }
      out.put(k, v);
    });
    return out;
  }

  private Action action(JsonNode node, String path, Set<String> allowed) {
    return action(node, path, allowed, false);
  }

  /** An action; a stage's own ({@code undoable}) must say how it is undone or that it cannot be. */
  private Action action(JsonNode node, String path, Set<String> allowed, boolean undoable) {
    Obj o = new Obj(this, node, path);
    if (!o.valid()) {
      return null;
    }
    String kind = o.exactlyOne("an action", "http", "wait", "command");
    if (kind == null) {
      return null;
    }
    if (kind.equals("wait")) {
      o.allow("wait");
      Action a = waitAction(o.obj("wait", "check", "timeout", "every"));
      o.done();
      return a;
    }
    List<String> fields = new ArrayList<>(kind.equals("http")
        ? List.of("http", "headers", "body", "expect", "followRedirects")
        : List.of("command", "env", "timeout", "exitCode"));
    // GET and HEAD change nothing (a smoke test), so they have nothing to undo.
    if (undoable && kind.equals("http") && o.text("http") != null && o.text("http").matches("^\\s*(GET|HEAD)\\s.*")) {
      undoable = false;
    }
    if (undoable) {
      fields.addAll(List.of("undo", "irreversible"));
    }
    o.allow(fields.toArray(String[]::new));
    Action undo = null;
    boolean irreversible = false;
    if (undoable) {
      Boolean irr = o.bool("irreversible");
      irreversible = irr != null && irr;
      if (o.has("undo")) {
        undo = action(o.raw("undo"), o.path("undo"), allowed, false);
        if (undo instanceof Action.Wait) {
          problem(o.path("undo"), "an undo is an http or command action");
        }
      }
      if (irreversible && o.has("undo")) {
        problem(o.path("irreversible"), "an action with an undo is not irreversible; keep one of them");
      } else if (!irreversible && !o.has("undo") && !undoOptional) {
        problem(o.path(""), "say how a rollback undoes this action (undo: ...) or mark it irreversible: true"
            + " (its stage then starts only after an approval)");
      }
    }
    Action out;
    if (kind.equals("http")) {
      HttpCall call = httpCall(o, allowed);
      Expect expect = o.has("expect") ? expect(o.obj("expect", "status", "json")) : null;
      Boolean follow = o.bool("followRedirects");
      out = call == null ? null : new Action.Http(call, expect, follow != null && follow, undo, irreversible);
    } else {
      out = commandAction(o, allowed, undo, irreversible);
    }
    o.done();
    return out;
  }

  private static final Pattern PROGRAM = PlanSyntax.PROGRAM;

  private Action commandAction(Obj o, Set<String> allowed, Action undo, boolean irreversible) {
    List<String> argv = new ArrayList<>();
    List<JsonNode> parts = o.list("command");
    if (parts.isEmpty()) {
      problem(o.path("command"), "a command is a list: the program, then its arguments (no shell)");
    }
    for (int i = 0; i < parts.size(); i++) {
      JsonNode a = parts.get(i);
      if (!a.isValueNode() || a.isNull()) {
        problem(o.path("command") + "[" + i + "]", "an argument is text");
        continue;
      }
      placeholders(a.asText(), o.path("command") + "[" + i + "]", allowed);
      argv.add(a.asText());
    }
    if (!argv.isEmpty() && (!PROGRAM.matcher(argv.get(0)).matches() || argv.get(0).contains(".."))) {
      problem(o.path("command") + "[0]", "\"" + argv.get(0) + "\" is not a program name or path");
    } else if (hardened && !argv.isEmpty() && PlanSyntax.programProblem(argv.get(0)) != null) {
      problem(o.path("command") + "[0]", "\"" + argv.get(0) + "\": " + PlanSyntax.programProblem(argv.get(0)));
    }
    Duration timeout = o.duration("timeout");
    if (timeout == null) {
      timeout = Duration.ofMinutes(1);
    } else if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
      problem(o.path("timeout"), "must be between 1s and 1h");
    }
    Integer exit = o.integer("exitCode");
    Map<String, String> env = CommandEnv.read(o.map("env"), o.path("env"), this::problem);
    return argv.isEmpty() ? null : new Action.Command(argv, env, timeout, exit == null ? 0 : exit, undo, irreversible);
  }

  private Action waitAction(Obj w) {
    String check = w.text("check");
    if (check == null) {
      w.require("check");
    }
    Duration timeout = w.duration("timeout");
    if (timeout == null && !w.has("timeout")) {
      w.require("timeout");
    }
    Duration every = w.duration("every");
    if (every != null && every.compareTo(MIN_EVERY) < 0) {
      problem(w.path("every"), "must be at least " + Durations.format(MIN_EVERY));
    }
    w.done();
    if (check == null || timeout == null) {
      return null;
    }
    if (every == null) {
      every = Duration.ofSeconds(Math.max(1, Math.min(30, timeout.toSeconds() / 10)));
    }
    return new Action.Wait(check, timeout, every);
  }

  private Rollback rollback(Obj o) {
    if (!o.valid()) {
      return Rollback.defaults();
    }
    o.allow("percent", "drain", "then", "actions");
    Integer percent = o.integer("percent");
    if (percent != null && (percent < 0 || percent > 100)) {
      problem(o.path("percent"), percent + " is outside 0-100");
    }
    Rollback.Drain drain = null;
    if (o.has("drain")) {
      Obj d = o.obj("drain", "check", "timeout", "every");
      String check = d.text("check");
      if (check == null) {
        d.require("check");
      }
      Duration timeout = d.duration("timeout");
      if (timeout == null && !d.has("timeout")) {
        d.require("timeout");
      }
      Duration every = d.duration("every");
      d.done();
      if (check != null && timeout != null) {
        if (every == null) {
          every = Duration.ofSeconds(Math.max(1, Math.min(60, timeout.toSeconds() / 10)));
        }
        drain = new Rollback.Drain(check, timeout, every);
      }
    }
    Rollback.Then then = o.enumValue("then", Rollback.Then.class);
    List<Action> actions = new ArrayList<>();
    List<JsonNode> nodes = o.list("actions");
    for (int i = 0; i < nodes.size(); i++) {
      Action a = action(nodes.get(i), o.path("actions") + "[" + i + "]", Set.of("env"));
      if (a != null) {
        actions.add(a);
      }
    }
    o.done();
    return new Rollback(percent == null ? 0 : percent, drain, then == null ? Rollback.Then.HOLD : then, actions);
  }

  private Approvals approvals(Obj o) {
    if (!o.valid()) {
      return Approvals.anyone();
    }
    o.allow("approvers", "fourEyes", "signed");
    List<String> approvers = new ArrayList<>();
    List<JsonNode> nodes = o.list("approvers");
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.get(i).isTextual() || nodes.get(i).asText().isBlank()) {
        problem(o.path("approvers") + "[" + i + "]", "an approver is a name");
      } else {
        approvers.add(nodes.get(i).asText());
      }
    }
    Boolean fourEyes = o.bool("fourEyes");
    Boolean signed = o.bool("signed");
    o.done();
    return new Approvals(approvers, fourEyes != null && fourEyes, signed != null && signed);
  }

  private Notify notify(Obj o) {
    if (!o.valid()) {
      return null;
    }
    o.allow("webhook", "every");
    String webhook = o.text("webhook");
    if (webhook == null) {
      o.require("webhook");
    } else {
      placeholders(webhook, o.path("webhook"), Set.of("env"));
    }
    Duration every = o.duration("every");
    if (every != null && every.compareTo(Duration.ofMinutes(1)) < 0) {
      problem(o.path("every"), "must be at least 1m");
    }
    o.done();
    return webhook == null ? null : new Notify(webhook, every);
  }

  private Window window(Obj o, String key) {
    String text = o.text(key);
    if (text == null) {
      return null;
    }
    Window.Result r = Window.parse(text);
    if (r.error() != null) {
      problem(o.path(key), r.error());
    }
    return r.window();
  }

  private Comparison comparison(Obj o, String key) {
    JsonNode n = o.raw(key);
    if (n == null) {
      return null;
    }
    if (!n.isTextual()) {
      problem(o.path(key), "a pass condition is text such as \">= 95\", \"== 0\" or \"between 1 and 5\" (quote it in YAML)");
      return null;
    }
    Optional<Comparison> c = Comparison.parse(n.asText());
    if (c.isEmpty()) {
      problem(o.path(key), "\"" + n.asText() + "\" is not a comparison; use <, <=, >, >=, ==, != or \"between A and B\" with numbers");
      return null;
    }
    if (hardened && (!Double.isFinite(c.get().bound())
        || c.get().op() == Comparison.Op.BETWEEN && !Double.isFinite(c.get().upper()))) {
      problem(o.path(key), "\"" + n.asText() + "\" compares with a number too large to be one (at most about 1.8e308)");
      return null;
    }
    return c.get();
  }

  // ---------------------------------------------------------------- field access

  /**
   * An object node being read: typed getters that report wrongly typed values, and {@link #done}
   * that reports fields nobody asked for.
   */
  static final class Obj {
    private final PlanReader reader;
    private final JsonNode node;
    private final String path;
    private Set<String> allowed;
    private final boolean valid;

    Obj(PlanReader reader, JsonNode node, String path, String... allowed) {
      this.reader = reader;
      this.node = node == null ? MissingNode.getInstance() : node;
      this.path = path;
      this.allowed = allowed.length == 0 ? null : new LinkedHashSet<>(Arrays.asList(allowed));
      this.valid = this.node.isObject();
      if (!valid) {
        reader.problem(path, "expected an object (key: value pairs), found " + describe(this.node));
      }
    }

    boolean valid() {
      return valid;
    }

    void allow(String... keys) {
      allowed = new LinkedHashSet<>(Arrays.asList(keys));
    }

    String path(String key) {
      if (key.isEmpty()) {
        return path;
      }
      return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
      return valid && node.has(key) && !node.get(key).isNull();
    }

    JsonNode raw(String key) {
      return has(key) ? node.get(key) : null;
    }

    void require(String key) {
      reader.problem(path(key), "required");
    }

    /** Reports fields outside the allowed set. */
    void done() {
      if (!valid || allowed == null) {
        return;
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!allowed.contains(k)) {
          reader.problem(path(k), "unknown field \"" + k + "\"" + suggestion(k)
              + " (expected one of: " + String.join(", ", allowed) + ")");
        }
      }
    }

    private String suggestion(String k) {
      String best = null;
      int bestDistance = 3;
      for (String a : allowed) {
        int d = editDistance(k.toLowerCase(), a.toLowerCase());
        if (d < bestDistance) {
          best = a;
          bestDistance = d;
        }
      }
      return best == null ? "" : "; did you mean \"" + best + "\"?";
    }

    String exactlyOne(String what, String... keys) {
      List<String> present = new ArrayList<>();
      for (String k : keys) {
        if (has(k)) {
          present.add(k);
        }
      }
      if (present.size() == 1) {
        return present.get(0);
      }
      if (present.isEmpty()) {
        reader.problem(path, what + " needs exactly one of: " + String.join(", ", keys));
      } else {
        reader.problem(path, what + " has exactly one of " + String.join(", ", keys)
            + "; found " + String.join(" and ", present));
      }
      return null;
    }

    String text(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      if (!n.isValueNode()) {
        reader.problem(path(key), "expected text, found " + describe(n));
        return null;
      }
      return n.asText();
    }

    Integer integer(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      if (!n.isIntegralNumber() || !n.canConvertToInt()) {
        reader.problem(path(key), "expected a whole number, found " + describe(n));
        return null;
      }
      if (reader.hardened && PlanLimits.wholeNumberProblem(path(key), n.intValue()) != null) {
        reader.limitProblem(path(key), PlanLimits.wholeNumberProblem(path(key), n.intValue()));
        return null;
      }
      return n.intValue();
    }

    Double number(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      if (!n.isNumber() || !Double.isFinite(n.doubleValue())) {
        reader.problem(path(key), "expected a number, found " + describe(n));
        return null;
      }
      return n.doubleValue();
    }

    Long longValue(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        reader.problem(path(key), "expected a whole number, found " + describe(n));
        return null;
      }
      if (reader.hardened && PlanLimits.wholeNumberProblem(path(key), n.longValue()) != null) {
        reader.limitProblem(path(key), PlanLimits.wholeNumberProblem(path(key), n.longValue()));
        return null;
      }
      return n.longValue();
    }

    Boolean bool(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      if (!n.isBoolean()) {
        reader.problem(path(key), "expected true or false, found " + describe(n));
        return null;
      }
      return n.booleanValue();
    }

    Duration duration(String key) {
      JsonNode n = raw(key);
      if (n == null) {
        return null;
      }
      String t = n.isValueNode() ? n.asText() : null;
      Optional<Duration> d = Durations.parse(t);
      if (d.isEmpty() && Durations.isTooLong(t)) {
        // Under every rule set: no timer can run it, and arithmetic on it overflows.
        reader.limitProblem(path(key), "\"" + t + "\" is longer than any cutover can wait (at most "
            + Durations.format(Durations.MAX) + ", 10,000 years)");
        return null;
      }
      if (d.isEmpty()) {
        reader.problem(path(key), (t == null ? describe(n) : "\"" + t + "\"")
            + " is not a duration; write e.g. 90s, 30m, 24h, 7d or 1h30m");
        return null;
      }
      Duration cap = reader.hardened ? PlanLimits.durationCap(path(key)) : null;
      if (cap != null && d.get().compareTo(cap) > 0) {
        reader.limitProblem(path(key), Durations.format(d.get()) + " is longer than " + Durations.format(cap)
            + ", the longest " + key + " a plan may ask for");
        return null;
      }
      return d.get();
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type) {
      String t = text(key);
      if (t == null) {
        return null;
      }
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(t)) {
          return e;
        }
      }
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        names.add(e.name().toLowerCase());
      }
      reader.problem(path(key), "\"" + t + "\" is not one of: " + String.join(", ", names));
      return null;
    }

    Obj obj(String key, String... allowedKeys) {
      return new Obj(reader, node.get(key), path(key), allowedKeys);
    }

    /** A map-valued field (absent: empty), values unread. */
    Map<String, JsonNode> map(String key) {
      Map<String, JsonNode> out = new LinkedHashMap<>();
      JsonNode n = raw(key);
      if (n == null) {
        return out;
      }
      if (!n.isObject()) {
        reader.problem(path(key), "expected an object (name: value pairs), found " + describe(n));
        return out;
      }
      n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
      return out;
    }

    /** A list-valued field (absent: empty). */
    List<JsonNode> list(String key) {
      List<JsonNode> out = new ArrayList<>();
      JsonNode n = raw(key);
      if (n == null) {
        return out;
      }
      if (!n.isArray()) {
        reader.problem(path(key), "expected a list, found " + describe(n));
        return out;
      }
      n.forEach(out::add);
      return out;
    }

    private static String describe(JsonNode n) {
      if (n.isMissingNode()) {
        return "nothing";
      }
      if (n.isObject()) {
        return "an object";
      }
      if (n.isArray()) {
        return "a list";
      }
      if (n.isNull()) {
        return "null";
      }
      if (n.isTextual()) {
        return "\"" + n.asText() + "\"";
      }
      return n.toString();
    }

    private static int editDistance(String a, String b) {
      int[] prev = new int[b.length() + 1];
      int[] cur = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        prev[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        cur[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        }
        int[] t = prev;
        prev = cur;
        cur = t;
      }
      return prev[b.length()];
    }
  }
}
