package dev.cutover.plan;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the {@code connections} and {@code checks} sections: each connection's kind, URL and
 * credentials, each check's source (sql, prometheus, http or compare), pass condition and timeout.
 * Which connection a check names is resolved later ({@link CrossReferences}).
 */
final class ChecksReader {
  private static final Pattern WHOLE_ENV_REF =
      Pattern.compile("^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*}$");
  private static final Set<String> ENV = Set.of("env");

  // The source fields: a connection's URL, or the connection a check uses.
  private static final Field<String> POSTGRES = Type.TEXT.field("postgres");
  private static final Field<String> SQL = Type.TEXT.field("sql");
  private static final Field<String> PROMETHEUS = Type.TEXT.field("prometheus");
  private static final Field<String> HTTP = HttpReader.HTTP;

  private static final Field<String> USER = Type.TEXT.field("user");
  private static final Field<String> PASSWORD = Type.TEXT.field("password");

  /**
   * A kind of connection: the field that says it (and holds the URL), and the fields it may have.
   */
  private record Shape(Connection.Kind kind, Field<String> url, Section fields) {}

  private static final List<Shape> CONNECTIONS =
      List.of(
          new Shape(Connection.Kind.POSTGRES, POSTGRES, Section.of(POSTGRES, USER, PASSWORD)),
          new Shape(
              Connection.Kind.PROMETHEUS, PROMETHEUS, Section.of(PROMETHEUS, HttpReader.HEADERS)),
          new Shape(Connection.Kind.HTTP, HTTP, Section.of(HTTP, HttpReader.HEADERS)));

  private static final Field<String> QUERY = Type.TEXT.field("query");
  private static final Field<Comparison> PASS = Type.COMPARISON.field("pass");
  private static final Field<Duration> TIMEOUT = Type.DURATION.field("timeout");
  private static final Field<String> DESCRIPTION = Type.TEXT.field("description");
  private static final Field<Check.Reduce> REDUCE = Type.oneOf(Check.Reduce.class).field("reduce");
  private static final Field<Long> AT_LEAST = Type.LONG.field("atLeast");
  private static final Field<Obj> MIN_SAMPLES =
      Field.object("minSamples", Section.of(QUERY, AT_LEAST));

  static final Field<String> FAILURES = Type.TEXT.field("failures");
  static final Field<String> TOTAL = Type.TEXT.field("total");
  private static final Section COUNTS =
      Section.of(
          FAILURES,
          TOTAL,
          ContinuousMetrics.BUCKETS,
          ContinuousMetrics.SUM,
          ContinuousMetrics.COUNT,
          ContinuousMetrics.SUM_OF_SQUARES);
  private static final Field<Obj> NEW = Field.object("new", COUNTS);
  private static final Field<Obj> BASELINE = Field.object("baseline", COUNTS);
  private static final Field<Double> MARGIN = Type.NUMBER.field("margin");
  private static final Field<Double> CONFIDENCE = Type.NUMBER.field("confidence");
  private static final Field<Long> MIN_SAMPLES_COUNT = Type.LONG.field("minSamples");
  private static final Field<Check.Compare.Method> METHOD =
      Type.oneOf(Check.Compare.Method.class).field("method");
  private static final Field<Double> ALPHA = Type.NUMBER.field("alpha");
  private static final Field<Double> RELATIVE_MARGIN = Type.NUMBER.field("relativeMargin");
  private static final Field<String> STATISTIC = Type.TEXT.field("statistic");
  private static final Field<String> UNIT = Type.TEXT.field("unit");
  private static final Field<Obj> COMPARE =
      Field.object(
          "compare",
          Section.of(
              PROMETHEUS,
              SQL,
              NEW,
              BASELINE,
              METHOD,
              MARGIN,
              RELATIVE_MARGIN,
              ALPHA,
              CONFIDENCE,
              MIN_SAMPLES_COUNT,
              STATISTIC,
              UNIT));

  private static final Field<String> CAPTURE = Type.TEXT.field("capture");
  private static final Field<Double> FLOOR = Type.NUMBER.field("floor");

  /** How a check's stage baseline is captured (not compare's own {@code baseline}). */
  private static final Field<Obj> STAGE_BASELINE =
      Field.object("baseline", Section.of(CAPTURE, FLOOR));

  private static final Section SQL_CHECK =
      Section.of(SQL, QUERY, PASS, MIN_SAMPLES, TIMEOUT, DESCRIPTION, STAGE_BASELINE);
  private static final Section PROMETHEUS_CHECK =
      Section.of(PROMETHEUS, QUERY, REDUCE, PASS, TIMEOUT, DESCRIPTION, STAGE_BASELINE);
  private static final Section HTTP_CHECK =
      Section.of(
          HTTP,
          HttpReader.HEADERS,
          HttpReader.BODY,
          HttpReader.EXPECT,
          HttpReader.VALUE,
          PASS,
          TIMEOUT,
          DESCRIPTION,
          HttpReader.FOLLOW_REDIRECTS,
          STAGE_BASELINE);
  private static final Section COMPARE_CHECK = Section.of(COMPARE, TIMEOUT, DESCRIPTION);

  private final Reading reading;
  private final HttpReader http;

  /** Checks that give a pass condition, even an invalid one (already reported). */
  private final Set<String> withPass = new HashSet<>();

  /** Compare checks that give their own alpha (which {@code defaults.alpha} does not change). */
  private final Set<String> withAlpha = new HashSet<>();

  ChecksReader(Reading reading, HttpReader http) {
    this.reading = reading;
    this.http = http;
  }

  /** The names of the checks read so far that give a pass condition of their own. */
  Set<String> withPass() {
    return withPass;
  }

  /** The names of the compare checks read so far that give an alpha of their own. */
  Set<String> withAlpha() {
    return withAlpha;
  }

  Connection connection(Obj o, String name) {
    if (!o.valid()) {
      return null;
    }
    Field<?> present = o.exactlyOne("a connection", POSTGRES, PROMETHEUS, HTTP);
    if (present == null) {
      return null;
    }
    Shape shape =
        CONNECTIONS.stream().filter(c -> c.url().equals(present)).findFirst().orElseThrow();
    Connection.Kind kind = shape.kind();
    o.allow(shape.fields());
    String url = o.get(shape.url());
    String urlPath = o.path(shape.url());
    if (url != null) {
      reading.placeholders(url, urlPath, ENV);
      if (kind == Connection.Kind.POSTGRES && reading.hardened) {
        JdbcUrls.problems(url).forEach(p -> reading.problem(urlPath, p));
      } else if (kind == Connection.Kind.POSTGRES
          && !url.startsWith("jdbc:postgresql:")
          && !url.startsWith("${")) {
        reading.problem(
            urlPath, "a postgres connection is a JDBC URL such as jdbc:postgresql://host:5432/db");
      }
      if (kind != Connection.Kind.POSTGRES
          && !url.startsWith("http://")
          && !url.startsWith("https://")
          && !url.startsWith("${")) {
        reading.problem(urlPath, "\"" + url + "\" is not an http:// or https:// URL");
      }
    }
    String user = o.get(USER);
    if (user != null) {
      reading.placeholders(user, o.path(USER), ENV);
    }
    String password = o.get(PASSWORD);
    if (password != null && !WHOLE_ENV_REF.matcher(password).matches()) {
      o.problem(
          PASSWORD,
          "must be a ${env:NAME} reference: a literal password would be written to workflow history");
    }
    Map<String, String> headers = http.headers(o, ENV);
    o.done();
    return url == null ? null : new Connection(name, kind, url, user, password, headers);
  }

  Check check(Obj o, String name) {
    if (!o.valid()) {
      return null;
    }
    Field<?> kind = o.exactlyOne("a check", SQL, PROMETHEUS, HTTP, COMPARE);
    if (kind == null) {
      return null;
    }
    Duration defaultTimeout = Duration.ofSeconds(kind.equals(SQL) ? 30 : 10);
    Check.Source source;
    Check.MinSamples minSamples = null;
    if (kind.equals(SQL)) {
      o.allow(SQL_CHECK);
      String conn = o.get(SQL);
      String query = o.get(QUERY);
      sqlQuery(o, query);
      minSamples = o.has(MIN_SAMPLES) ? minSamples(o.get(MIN_SAMPLES)) : null;
      source = conn != null && query != null ? new Check.SqlQuery(conn, query) : null;
    } else if (kind.equals(PROMETHEUS)) {
      o.allow(PROMETHEUS_CHECK);
      String conn = o.get(PROMETHEUS);
      String query = o.get(QUERY);
      if (query == null) {
        o.require(QUERY);
      }
      Check.Reduce reduce = o.get(REDUCE);
      source = conn != null && query != null ? new Check.PromQuery(conn, query, reduce) : null;
    } else if (kind.equals(HTTP)) {
      o.allow(HTTP_CHECK);
      source = httpProbe(o);
    } else {
      o.allow(COMPARE_CHECK);
      source = compare(o.get(COMPARE));
      if (o.has(COMPARE) && o.get(COMPARE).has(ALPHA)) {
        withAlpha.add(name);
      }
    }
    if (o.has(PASS)) {
      withPass.add(name);
    }
    Comparison pass = o.get(PASS);
    Duration timeout = o.get(TIMEOUT);
    if (timeout != null
        && (timeout.compareTo(Duration.ofSeconds(1)) < 0
            || timeout.compareTo(PlanReader.MAX_TIMEOUT) > 0)) {
      o.problem(TIMEOUT, "must be between 1s and " + Durations.format(PlanReader.MAX_TIMEOUT));
    }
    o.get(DESCRIPTION);
    Check.Baseline baseline = o.has(STAGE_BASELINE) ? baseline(o.get(STAGE_BASELINE)) : null;
    o.done();
    if (source == null) {
      return null;
    }
    return new Check(
        name, source, pass, minSamples, timeout == null ? defaultTimeout : timeout, baseline);
  }

  /** A check's {@code baseline}: which check is captured, and the least value used. */
  private Check.Baseline baseline(Obj b) {
    if (!b.valid()) {
      return null;
    }
    String capture = b.get(CAPTURE); // that it names a check is checked with the others
    Double floor = b.get(FLOOR);
    if (floor != null && (!Double.isFinite(floor) || floor < 0)) {
      b.problem(FLOOR, "a floor is a number of at least 0");
    }
    b.done();
    return new Check.Baseline(capture, floor == null ? 0 : floor);
  }

  /** The {@code query} of a sql check or of its minSamples: required, and plain SQL. */
  private void sqlQuery(Obj o, String query) {
    if (query == null) {
      o.require(QUERY);
    } else {
      sqlText(query, o.path(QUERY));
    }
  }

  private Check.MinSamples minSamples(Obj m) {
    String query = m.get(QUERY);
    Long atLeast = m.get(AT_LEAST);
    sqlQuery(m, query);
    if (atLeast == null) {
      m.require(AT_LEAST);
    } else if (atLeast < 1) {
      m.problem(AT_LEAST, "must be at least 1");
    }
    m.done();
    return query != null && atLeast != null ? new Check.MinSamples(query, atLeast) : null;
  }

  private Check.HttpProbe httpProbe(Obj o) {
    HttpCall call = http.call(o, ENV);
    Expect expect = http.expect(o);
    String value = o.get(HttpReader.VALUE);
    if (value != null) {
      reading.jsonPath(value, o.path(HttpReader.VALUE));
    }
    if (expect == null && value == null) {
      o.problem(
          "",
          "an http check needs \"expect\" (status, JSON values) or \"value\" (a JSON path judged by pass)");
    }
    if (value != null && !o.has(PASS)) {
      o.problem(HttpReader.VALUE, "a value is judged by \"pass\"; add one, e.g. pass: \">= 1\"");
    }
    if (value == null && o.has(PASS)) {
      o.problem(PASS, "an http check's pass judges its \"value\"; add value: \"$.path\"");
    }
    Boolean follow = o.get(HttpReader.FOLLOW_REDIRECTS);
    return call == null ? null : new Check.HttpProbe(call, expect, value, follow != null && follow);
  }

  private Check.Compare compare(Obj o) {
    if (!o.valid()) {
      return null;
    }
    Field<?> kindField = o.exactlyOne("a compare check", PROMETHEUS, SQL);
    String conn = kindField == null ? null : o.get(SQL.equals(kindField) ? SQL : PROMETHEUS);
    Check.Compare.Kind kind =
        SQL.equals(kindField) ? Check.Compare.Kind.SQL : Check.Compare.Kind.PROMETHEUS;
    String statistic = o.get(STATISTIC);
    boolean continuous = o.has(STATISTIC);
    if (continuous && !reading.statistics) {
      o.problem(
          STATISTIC,
          "statistic is read only by the newest rules (a new cutover, cutover lint); this plan is"
              + " read by the rules of a cutover started before it existed");
    } else if (statistic != null && !ContinuousMetrics.STATISTIC.matcher(statistic).matches()) {
      o.problem(
          STATISTIC,
          "\""
              + statistic
              + "\" is not a statistic: \"mean\", or a quantile from p1 to p99.9 such as \"p95\"");
      statistic = null;
    }
    String unit = o.get(UNIT);
    if (unit != null && !continuous) {
      o.problem(UNIT, "unit is for a compare check of a statistic (latency); counts have none");
    } else if (unit != null && !unit.equals("s") && !unit.equals("ms")) {
      o.problem(UNIT, "a unit is \"s\" or \"ms\" (what the metric's values are in)");
    }
    ContinuousMetrics metrics = new ContinuousMetrics();
    String[] news = continuous ? null : counts(o, NEW, kind);
    String[] base = continuous ? null : counts(o, BASELINE, kind);
    Check.Compare.Metric.Side newSide =
        continuous ? metrics.side(o, NEW, kind, statistic, this::sqlText) : null;
    Check.Compare.Metric.Side baseSide =
        continuous ? metrics.side(o, BASELINE, kind, statistic, this::sqlText) : null;
    if (continuous
        && statistic != null
        && kind == Check.Compare.Kind.SQL
        && !statistic.equals("mean")) {
      o.problem(
          STATISTIC,
          "SQL gives a mean (from count, sum and sumOfSquares); a quantile such as "
              + statistic
              + " needs a Prometheus histogram's buckets");
    }
    Double margin = o.get(MARGIN);
    if (margin == null) {
      margin = 0.0;
    } else if (continuous && !(margin >= 0 && margin <= ContinuousMetrics.MAX_MARGIN)) {
      o.problem(
          MARGIN,
          "a margin is how much worse the statistic may be, in its unit, at least 0 (at most "
              + Comparison.plain(ContinuousMetrics.MAX_MARGIN)
              + "), e.g. 0.005 for 5 ms in seconds");
    } else if (!continuous && (margin < 0 || margin >= 1)) {
      o.problem(
          MARGIN, "a margin is a difference of rates between 0 and 1, e.g. 0.01 for one point");
    }
    Check.Compare.Method method = o.get(METHOD);
    if (method == null && !o.has(METHOD)) {
      if (reading.compareMethods) {
        o.problem(
            METHOD,
            "say how the counts are judged: \"sequential\" (the counts are running totals, such"
                + " as a counter or a count(*) with no moving window; valid however often it is"
                + " measured) or \"ztest\" (counts over a window, each measurement judged on its"
                + " own: measured every few minutes for days, it fails an equal new path by"
                + " chance); see docs/compare-checks.md");
      }
      method = Check.Compare.Method.ZTEST; // what every plan meant before methods existed
    }
    boolean sequential = method == Check.Compare.Method.SEQUENTIAL;
    if (continuous && method == Check.Compare.Method.ZTEST && o.has(METHOD)) {
      o.problem(
          METHOD,
          "a statistic is compared only by method: sequential (running totals, always valid)");
    }
    if (sequential && !reading.compareMethods) {
      // A cutover started before methods existed reads its plan by older rules.
      o.problem(
          METHOD,
          "method: sequential is read only by the newest rules (a new cutover, cutover lint);"
              + " this plan is read by the rules of a cutover started before it existed");
    }
    Double a = o.get(ALPHA);
    if (a != null && !sequential) {
      o.problem(ALPHA, "alpha is for method: sequential; a ztest takes confidence");
    } else if (a != null && !(a >= 0.001 && a <= 0.2)) {
      o.problem(ALPHA, "alpha is a false-alarm rate between 0.001 and 0.2, e.g. 0.05");
    }
    double alpha = a == null ? 0.05 : a;
    Double rel = o.get(RELATIVE_MARGIN);
    if (rel != null && !sequential) {
      o.problem(RELATIVE_MARGIN, "relativeMargin is for method: sequential");
    } else if (rel != null && !(rel >= 0 && rel <= 10)) {
      o.problem(
          RELATIVE_MARGIN,
          "a relative margin is a fraction of the baseline's rate between 0 and 10,"
              + " e.g. 0.1 for 10% worse");
    }
    double relativeMargin = rel == null ? 0 : rel;
    if (sequential && o.has(CONFIDENCE)) {
      o.problem(CONFIDENCE, "a sequential test takes alpha (0.05 for 95%), not confidence");
    }
    Double confidence = o.get(CONFIDENCE);
    if (confidence == null) {
      confidence = 0.95;
    } else if (confidence < 0.5 || confidence >= 1) {
      o.problem(CONFIDENCE, "a confidence is between 0.5 and 1, e.g. 0.95");
    }
    Long minSamples = o.get(MIN_SAMPLES_COUNT);
    if (minSamples == null) {
      minSamples = 100L;
    } else if (minSamples < 1) {
      o.problem(MIN_SAMPLES_COUNT, "must be at least 1");
    }
    o.done();
    if (continuous) {
      return conn == null || statistic == null || newSide == null || baseSide == null
          ? null
          : new Check.Compare(
              conn,
              kind,
              null,
              null,
              null,
              null,
              margin,
              confidence,
              minSamples,
              method,
              alpha,
              relativeMargin,
              new Check.Compare.Metric(statistic, unit, newSide, baseSide));
    }
    if (conn == null || news == null || base == null) {
      return null;
    }
    return new Check.Compare(
        conn,
        kind,
        news[0],
        news[1],
        base[0],
        base[1],
        margin,
        confidence,
        minSamples,
        method,
        alpha,
        relativeMargin);
  }

  /** The failures and total queries of one side of a compare check. */
  private String[] counts(Obj parent, Field<Obj> side, Check.Compare.Kind kind) {
    if (!parent.has(side)) {
      parent.require(side);
      return null;
    }
    Obj o = parent.get(side);
    for (Field<String> f : ContinuousMetrics.FIELDS) {
      if (o.has(f)) {
        o.problem(f, "is for a compare check of a statistic (statistic: p95 or mean)");
      }
    }
    String failures = o.get(FAILURES);
    String total = o.get(TOTAL);
    if (failures == null) {
      o.require(FAILURES);
    }
    if (total == null) {
      o.require(TOTAL);
    }
    if (kind == Check.Compare.Kind.SQL) {
      if (failures != null) {
        sqlText(failures, o.path(FAILURES));
      }
      if (total != null) {
        sqlText(total, o.path(TOTAL));
      }
    }
    o.done();
    return failures == null || total == null ? null : new String[] {failures, total};
  }

  void sqlText(String query, String path) {
    if (PlanSyntax.PLACEHOLDER.matcher(query).find()) {
      reading.problem(
          path, "placeholders such as ${...} are not filled in SQL; write the query literally");
    }
    if ((reading.hardened ? SqlStatements.count(query) : SqlStatements.countAsFirstReleased(query))
        > 1) {
      reading.problem(path, "one statement only: a check's SQL may not chain statements with ';'");
    }
  }
}
