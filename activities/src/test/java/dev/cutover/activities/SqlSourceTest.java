package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQL source against a real PostgreSQL, in a schema of its own that it drops afterwards, as a
 * role that may only read it. Hostile SQL is in HostileSqlTest, connections in SqlConnectionTest.
 */
class SqlSourceTest {
  private static final String SCHEMA =
      "act_sql_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static Fixtures.Postgres pg;

  /** The role checks log in as: no superuser, read-only by default, SELECT on the schema. */
  private static Fixtures.Postgres gate;

  /** The test table's row count and checksum as created. */
  private static String initial;

  private SqlSource source;

  @BeforeAll
  static void createSchema() throws SQLException {
    pg = Fixtures.postgres();
    if (pg == null) {
      return;
    }
    admin(
        "CREATE SCHEMA " + SCHEMA,
        "CREATE TABLE "
            + SCHEMA
            + ".t (id int PRIMARY KEY, status text NOT NULL, amount numeric NOT NULL)",
        "INSERT INTO "
            + SCHEMA
            + ".t SELECT i, CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'complete' END, i * 1.5"
            + " FROM generate_series(1, 30) AS i",
        "CREATE TABLE " + SCHEMA + ".locked (id int)",
        "CREATE SEQUENCE " + SCHEMA + ".seq",
        "CREATE TABLE " + SCHEMA + ".one (label text, value numeric)",
        "INSERT INTO " + SCHEMA + ".one VALUES ('only', 7.5)");
    gate =
        Fixtures.createRole(
            pg,
            SCHEMA + "_gate",
            "GRANT USAGE ON SCHEMA " + SCHEMA + " TO %1$s",
            "GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO %1$s");
    initial = tableState();
  }

  @AfterAll
  static void dropSchema() throws SQLException {
    if (pg != null) {
      admin("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      Fixtures.dropRole(pg, SCHEMA + "_gate");
    }
  }

  @BeforeEach
  void newSource() {
    // Skipped per test rather than per class, so the report counts what did not run.
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    source =
        new SqlSource(
            new Secrets(
                Fixtures.settings(
                    "PG_USER",
                    gate.user(),
                    "PG_PASSWORD",
                    gate.password(),
                    "WRONG_PASSWORD",
                    "not-the-password-7f3a9c",
                    Secrets.ALLOWED,
                    "PG_*,WRONG_PASSWORD,NO_SUCH_PASSWORD")),
            Fixtures.settings().hosts());
  }

  @AfterEach
  void closeSource() {
    if (source != null) {
      source.close();
    }
  }

  // ------------------------------------------------------------------ the value rule

  @Test
  void readsTheColumnNamedValueEvenBesideOtherNumbers() {
    Reading r = measure("SELECT count(*) AS n, 97.5 AS value, 3 AS other FROM " + SCHEMA + ".t");

    assertThat(r).isEqualTo(Reading.value("q", 97.5, ""));
  }

  @Test
  void readsTheOnlyNumericColumnWhenNoneIsNamedValue() {
    Reading r = measure("SELECT 'all' AS label, count(*) FROM " + SCHEMA + ".t");

    assertThat(r).isEqualTo(Reading.value("q", 30.0, ""));
  }

  @Test
  void computesThePlanExampleSuccessRate() {
    Reading r =
        measure(
            "SELECT 100.0 * count(*) FILTER (WHERE status = 'complete') / nullif(count(*), 0) AS value FROM "
                + SCHEMA
                + ".t");

    assertThat(r.kind()).isEqualTo(Reading.Kind.VALUE);
    assertThat(r.value()).isEqualTo(80.0);
  }

  @Test
  void severalRowsAreAnErrorThatSaysHowMany() {
    Reading r = measure("SELECT id AS value FROM " + SCHEMA + ".t WHERE id <= 3");

    assertThat(r).isEqualTo(Reading.error("q", "returned 3 rows; a check's query returns one row"));
  }

  @Test
  void zeroRowsAreNoData() {
    Reading r = measure("SELECT id AS value FROM " + SCHEMA + ".t WHERE id < 0");

    assertThat(r).isEqualTo(Reading.noData("q", "no rows"));
  }

  @Test
  void aNullValueIsNoData() {
    Reading r = measure("SELECT max(amount) AS value FROM " + SCHEMA + ".t WHERE id < 0");

    assertThat(r).isEqualTo(Reading.noData("q", "value is NULL"));
  }

  @Test
  void noNumericColumnIsAnError() {
    Reading r = measure("SELECT 'complete' AS status");

    assertThat(r).isEqualTo(Reading.error("q", "no numeric column; return the number AS value"));
  }

  @Test
  void aValueColumnThatIsNotANumberIsAnError() {
    Reading r = measure("SELECT 'high' AS value");

    assertThat(r).isEqualTo(Reading.error("q", "column \"value\" is text, not a number"));
  }

  @Test
  void severalNumericColumnsWithoutOneNamedValueIsAnError() {
    Reading r = measure("SELECT count(*), sum(amount) FROM " + SCHEMA + ".t");

    assertThat(r)
        .isEqualTo(
            Reading.error(
                "q", "2 numeric columns and none named value; name the one to judge AS value"));
  }

  @Test
  void sendsTheTextAsWrittenSoAJsonbQuestionMarkIsNotAParameter() {
    Reading r =
        measure("SELECT count(*) AS value FROM " + SCHEMA + ".t WHERE '{\"a\": 1}'::jsonb ? 'a'");

    assertThat(r).isEqualTo(Reading.value("q", 30.0, ""));
  }

  /** Queries as people write them: each must read as it did before the query was wrapped. */
  static Stream<Arguments> ordinaryQueries() {
    String t = SCHEMA + ".t";
    return Stream.of(
        Arguments.of(
            "WITH f AS (SELECT count(*) AS n FROM "
                + t
                + " WHERE status = 'failed') SELECT n AS value FROM f",
            6.0),
        Arguments.of(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT sum(i) AS value FROM n",
            15.0),
        Arguments.of("VALUES (42)", 42.0),
        Arguments.of("TABLE " + SCHEMA + ".one", 7.5),
        Arguments.of("(SELECT 5 AS value)", 5.0),
        Arguments.of("SELECT 1 AS value UNION ALL SELECT 2 ORDER BY 1 DESC LIMIT 1", 2.0),
        Arguments.of(
            "SELECT id AS value FROM " + t + " ORDER BY id DESC FETCH FIRST 1 ROW ONLY", 30.0),
        Arguments.of(
            "SELECT max(r) AS value FROM (SELECT row_number() OVER (ORDER BY id) AS r FROM "
                + t
                + ") s",
            30.0),
        Arguments.of("SELECT count(*)::float8 / 3 AS value FROM " + t, 10.0),
        Arguments.of("SELECT CAST(count(*) AS numeric(10, 2)) AS value FROM " + t, 30.0),
        Arguments.of(
            "SELECT CASE WHEN '{\"a\": 1}'::jsonb ?| array['a', 'b'] AND '{\"a\": 1}'::jsonb ?& array['a']"
                + " THEN 1 ELSE 0 END AS value",
            1.0),
        Arguments.of("/* leading */ SELECT 1 AS value -- trailing", 1.0),
        Arguments.of("SELECT /* a /* nested */ comment */ 6 AS value", 6.0),
        Arguments.of("SELECT 2 AS value;", 2.0),
        Arguments.of("SELECT 3 AS value; -- done", 3.0),
        Arguments.of("SELECT 4 AS value ;\n\n", 4.0),
        Arguments.of("SELECT 'a', 9", 9.0),
        Arguments.of("SELECT 5 AS \"VALUE\"", 5.0),
        Arguments.of("SELECT length(';') + length($$a;b$$) + length($q$--$q$) AS value", 6.0),
        Arguments.of(
            "SELECT length(E'a\\'b') + length(U&'\\0061;') + length(X'1F'::text) AS value", 13.0),
        Arguments.of("SELECT 1 AS value, 'x' AS a$b", 1.0),
        Arguments.of(
            "SELECT count(*) AS value\nFROM "
                + t
                + "\nWHERE status = 'complete'\n  AND amount > 0 -- all\n",
            24.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ordinaryQueries")
  void readsOrdinaryQueriesAsWritten(String sql, double value) {
    assertThat(measure(sql)).isEqualTo(Reading.value("q", value, ""));
  }

  /** Every SQL text in the shipped examples, with the check it belongs to. */
  static Stream<Arguments> exampleQueries() throws IOException {
    List<Arguments> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("..", "examples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        Plan plan = PlanReader.read(Files.readString(f));
        plan.checks()
            .forEach(
                (name, c) -> {
                  String where = f.getFileName() + " " + name;
                  if (c.source() instanceof Check.SqlQuery q) {
                    all.add(Arguments.of(where, q.query()));
                  }
                  if (c.minSamples() != null) {
                    all.add(Arguments.of(where + " minSamples", c.minSamples().query()));
                  }
                  if (c.source() instanceof Check.Compare cmp
                      && cmp.kind() == Check.Compare.Kind.SQL) {
                    Stream.of(
                            cmp.newFailures(), cmp.newTotal(), cmp.baseFailures(), cmp.baseTotal())
                        .forEach(q -> all.add(Arguments.of(where + " compare", q)));
                  }
                });
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exampleQueries")
  void everyExampleQueryParsesInsideTheWrapper(String where, String sql) throws SQLException {
    // The examples' tables are not here: PostgreSQL parses before it looks tables up, so a
    // syntax error (42601) would show that wrapping broke the query; a missing table does not.
    assertThat(SqlWalls.refusal(sql)).isNull();
    Reading r = measure(sql);

    if (r.kind() == Reading.Kind.ERROR) {
      // An undefined table, schema, column or function: found only after a successful parse.
      assertThat(r.reason()).matches(".*\\(SQLSTATE (42P01|3F000|42703|42883)\\)");
    }
  }

  // ------------------------------------------------------------------ minSamples

  @Test
  void fewerSamplesThanMinSamplesIsNoData() {
    Reading r =
        measure(
            check(
                "SELECT 100 AS value",
                new Check.MinSamples(
                    "SELECT count(*) FROM " + SCHEMA + ".t WHERE status = 'failed'", 20),
                Duration.ofSeconds(10)));

    assertThat(r).isEqualTo(Reading.noData("q", "6 samples, fewer than minSamples 20"));
  }

  @Test
  void enoughSamplesLetTheValueThrough() {
    Reading r =
        measure(
            check(
                "SELECT 100 AS value",
                new Check.MinSamples("SELECT count(*) FROM " + SCHEMA + ".t", 20),
                Duration.ofSeconds(10)));

    assertThat(r).isEqualTo(Reading.value("q", 100.0, "30 samples"));
  }

  @Test
  void aMinSamplesQueryThatIsRefusedMakesTheMeasurementAnError() {
    Reading r =
        measure(
            check(
                "SELECT 100 AS value",
                new Check.MinSamples("DELETE FROM " + SCHEMA + ".t", 20),
                Duration.ofSeconds(10)));

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason()).startsWith("minSamples: refused before sending");
    assertThat(tableState()).isEqualTo(initial);
  }

  // ------------------------------------------------------------------ time limits and failures

  @Test
  void aSlowQueryIsCutOffAtTheChecksTimeout() {
    long start = System.nanoTime();

    Reading r = measure(check("SELECT pg_sleep(5)", null, Duration.ofSeconds(1)));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(r)
        .isEqualTo(
            Reading.error("q", "canceling statement due to statement timeout (SQLSTATE 57014)"));
  }

  @Test
  void aLockedTableIsGivenUpAfterTheLockTimeoutNotTheWholeCheckTimeout() throws Exception {
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              try (java.sql.Connection c =
                  DriverManager.getConnection(pg.url(), pg.user(), pg.password())) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                  s.execute("LOCK TABLE " + SCHEMA + ".locked IN ACCESS EXCLUSIVE MODE");
                  locked.countDown();
                  release.await(30, TimeUnit.SECONDS);
                }
                c.rollback();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    holder.start();
    try {
      assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();

      Reading r =
          measure(
              check(
                  "SELECT count(*) AS value FROM " + SCHEMA + ".locked",
                  null,
                  Duration.ofSeconds(20)));

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r)
          .isEqualTo(
              Reading.error("q", "canceling statement due to lock timeout (SQLSTATE 55P03)"));
      assertThat(took).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
    } finally {
      release.countDown();
      holder.join(10_000);
    }
  }

  @Test
  void aWrongPasswordIsAnErrorThatDoesNotRepeatThePassword() {
    // The user is written literally: a user taken from ${env:...} would be redacted too.
    Connection wrong =
        new Connection(
            "db",
            Connection.Kind.POSTGRES,
            pg.url(),
            gate.user(),
            "${env:WRONG_PASSWORD}",
            Map.of());

    Reading r = source.measure(check("SELECT 1 AS value", null, Duration.ofSeconds(10)), wrong);

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason())
        .isEqualTo(
            "cannot connect: password authentication failed for user \""
                + gate.user()
                + "\" (SQLSTATE 28P01)");
    assertThat(r.reason()).doesNotContain("not-the-password-7f3a9c");
  }

  @Test
  void aWrongPasswordNeverBorrowsAConnectionOpenedWithTheRightOne() {
    assertThat(measure("SELECT 1 AS value")).isEqualTo(Reading.value("q", 1.0, ""));
    Connection wrong =
        new Connection(
            "db",
            Connection.Kind.POSTGRES,
            pg.url(),
            "${env:PG_USER}",
            "${env:WRONG_PASSWORD}",
            Map.of());

    Reading r = source.measure(check("SELECT 1 AS value", null, Duration.ofSeconds(10)), wrong);

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
  }

  @Test
  void anUnreachableDatabaseIsAnErrorWithinTheConnectionTimeout() {
    Connection nowhere =
        new Connection(
            "db",
            Connection.Kind.POSTGRES,
            "jdbc:postgresql://127.0.0.1:" + Fixtures.closedPort() + "/postgres",
            "${env:PG_USER}",
            "${env:PG_PASSWORD}",
            Map.of());
    long start = System.nanoTime();

    Reading r = source.measure(check("SELECT 1 AS value", null, Duration.ofSeconds(30)), nowhere);

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(SqlPools.CONNECTION_TIMEOUT.plusSeconds(2));
    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason())
        .startsWith("cannot connect: ")
        .contains("refused")
        .endsWith("(SQLSTATE 08001)");
  }

  @Test
  void anUnsetPasswordVariableIsAnErrorNamingIt() {
    Connection unset =
        new Connection(
            "db",
            Connection.Kind.POSTGRES,
            pg.url(),
            "${env:PG_USER}",
            "${env:NO_SUCH_PASSWORD}",
            Map.of());

    Reading r = source.measure(check("SELECT 1 AS value", null, Duration.ofSeconds(10)), unset);

    assertThat(r)
        .isEqualTo(
            Reading.error("q", "environment variable NO_SUCH_PASSWORD is not set on the worker"));
  }

  @Test
  void aServerErrorThatQuotesTheUserSecretIsRedacted() {
    Reading r = measure("SELECT '" + gate.password() + "'::int AS value");

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason())
        .isEqualTo("invalid input syntax for type integer: \"***\" (SQLSTATE 22P02)");
  }

  // ------------------------------------------------------------------ through the activity

  @Test
  void theActivityMeasuresPlanChecksConcurrentlyAndAnswersInRequestOrder() {
    Map<String, com.fasterxml.jackson.databind.JsonNode> connections =
        Map.of(
            "appdb",
            tree(
                "postgres: "
                    + pg.url()
                    + "\nuser: ${env:PG_USER}\npassword: ${env:PG_PASSWORD}\n"));
    MeasureRequest request =
        new MeasureRequest(
            "cutover-sql",
            List.of(
                new MeasureRequest.CheckSpec(
                    "slow",
                    tree("sql: appdb\nquery: SELECT 1 AS value FROM pg_sleep(1.5)\npass: '== 1'\n"),
                    connections),
                new MeasureRequest.CheckSpec(
                    "rows",
                    tree(
                        "sql: appdb\nquery: SELECT count(*) AS value FROM "
                            + SCHEMA
                            + ".t\npass: '>= 1'\n"),
                    connections),
                new MeasureRequest.CheckSpec(
                    "alsoSlow",
                    tree("sql: appdb\nquery: SELECT 2 AS value FROM pg_sleep(1.5)\npass: '== 2'\n"),
                    connections)));
    try (CutoverActivitiesImpl activities =
        new CutoverActivitiesImpl(
            Fixtures.settings("PG_USER", gate.user(), "PG_PASSWORD", gate.password()),
            Duration.ofSeconds(10))) {
      long start = System.nanoTime();

      List<Reading> readings = activities.measure(request);

      assertThat(readings)
          .containsExactly(
              Reading.value("slow", 1.0, ""),
              Reading.value("rows", 30.0, ""),
              Reading.value("alsoSlow", 2.0, ""));
      // Two 1.5 s queries side by side (the pool holds two connections), not one after the other.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2900));
    }
  }

  // ------------------------------------------------------------------ helpers

  private Reading measure(String sql) {
    return measure(check(sql, null, Duration.ofSeconds(10)));
  }

  private Reading measure(Check check) {
    return source.measure(
        check,
        new Connection(
            "db",
            Connection.Kind.POSTGRES,
            pg.url(),
            "${env:PG_USER}",
            "${env:PG_PASSWORD}",
            Map.of()));
  }

  private static Check check(String sql, Check.MinSamples minSamples, Duration timeout) {
    return new Check("q", new Check.SqlQuery("db", sql), null, minSamples, timeout);
  }

  /** Row count and a checksum over every row of the test table. */
  private static String tableState() {
    return adminQuery(
        "SELECT count(*) || ' ' || md5(string_agg(id || ':' || status || ':' || amount, ',' ORDER BY id)) FROM "
            + SCHEMA
            + ".t");
  }

  private static String sequenceState() {
    return adminQuery("SELECT last_value || ' ' || is_called FROM " + SCHEMA + ".seq");
  }

  private static String adminQuery(String sql) {
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void admin(String... statements) throws SQLException {
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }
}
