package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.Outcome;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Compare checks (the new path against the baseline): the four counts from a real PostgreSQL under
 * the same walls as any SQL check, and from Prometheus answers (faults on MockWebServer; the real
 * Prometheus is in PrometheusServerTest), judged by the engine's two-proportion test. Also: a
 * low-traffic canary is NO_DATA, never a pass.
 */
class CompareSourceTest {
  private static final String SCHEMA =
      "act_cmp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static final String T = SCHEMA + ".requests";
  private static Fixtures.Postgres pg;

  /** The role checks log in as: no superuser, read-only by default, SELECT on the schema. */
  private static Fixtures.Postgres gate;

  private static String initial;

  @BeforeAll
  static void createSchema() throws SQLException {
    pg = Fixtures.postgres();
    if (pg == null) {
      return;
    }
    // v1 (baseline): 800 requests, 16 failed (2%). v2: 200, 4 failed (2%). v3: 200, 30 failed
    // (15%). v4, a low-traffic canary: 12 requests, none failed.
    admin(
        "CREATE SCHEMA " + SCHEMA,
        "CREATE TABLE "
            + T
            + " (id serial PRIMARY KEY, path text NOT NULL, failed boolean NOT NULL)",
        "INSERT INTO "
            + T
            + " (path, failed) SELECT 'v1', i % 50 = 0 FROM generate_series(1, 800) i",
        "INSERT INTO "
            + T
            + " (path, failed) SELECT 'v2', i % 50 = 0 FROM generate_series(1, 200) i",
        "INSERT INTO " + T + " (path, failed) SELECT 'v3', i <= 30 FROM generate_series(1, 200) i",
        "INSERT INTO " + T + " (path, failed) SELECT 'v4', false FROM generate_series(1, 12) i");
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

  private static String failures(String path) {
    return "SELECT count(*) FROM " + T + " WHERE path = '" + path + "' AND failed";
  }

  private static String total(String path) {
    return "SELECT count(*) FROM " + T + " WHERE path = '" + path + "'";
  }

  private static Check compare(
      String newFailures,
      String newTotal,
      String baseFailures,
      String baseTotal,
      Duration timeout) {
    return new Check(
        "v2_vs_v1",
        new Check.Compare(
            "appdb",
            Check.Compare.Kind.SQL,
            newFailures,
            newTotal,
            baseFailures,
            baseTotal,
            0.01,
            0.95,
            100),
        null,
        null,
        timeout);
  }

  private static Check compare(String newPath) {
    return compare(
        failures(newPath), total(newPath), failures("v1"), total("v1"), Duration.ofSeconds(10));
  }

  private static Map<String, Double> counts(double nf, double nt, double bf, double bt) {
    return Map.of("newFailures", nf, "newTotal", nt, "baseFailures", bf, "baseTotal", bt);
  }

  @Nested
  class FromPostgres {
    private SqlSource sql;
    private CompareSource source;

    @BeforeEach
    void newSource() {
      Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
      sql =
          new SqlSource(
              new Secrets(
                  Fixtures.settings("PG_USER", gate.user(), "PG_PASSWORD", gate.password())),
              Fixtures.settings().hosts());
      source = new CompareSource(sql, null);
    }

    @AfterEach
    void close() {
      if (sql != null) {
        sql.close();
      }
    }

    private Reading measure(Check check) {
      return measure(check, pg.url());
    }

    private Reading measure(Check check, String url) {
      return source.measure(
          check,
          new dev.cutover.plan.Connection(
              "appdb",
              dev.cutover.plan.Connection.Kind.POSTGRES,
              url,
              "${env:PG_USER}",
              "${env:PG_PASSWORD}",
              Map.of()));
    }

    @Test
    void readsTheFourCountsAndANewPathNoWorseThanTheBaselinePasses() {
      Reading r = measure(compare("v2"));

      assertThat(r).isEqualTo(Reading.counts("v2_vs_v1", counts(4, 200, 16, 800), ""));
      Measurement m = ProportionTest.judge((Check.Compare) compare("v2").source(), r, 1L);
      assertThat(m.outcome()).isEqualTo(Outcome.PASS);
      assertThat(m.reason())
          .isEqualTo(
              "new 2% vs baseline 2% (+0 points): not worse by more than 1 point at 95% confidence (z=-0.90)");
    }

    @Test
    void aNewPathWorseByMoreThanTheMarginFails() {
      Reading r = measure(compare("v3"));

      assertThat(r).isEqualTo(Reading.counts("v2_vs_v1", counts(30, 200, 16, 800), ""));
      Measurement m = ProportionTest.judge((Check.Compare) compare("v3").source(), r, 1L);
      assertThat(m.outcome()).isEqualTo(Outcome.FAIL);
      assertThat(m.value()).isCloseTo(0.13, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(m.reason())
          .startsWith(
              "new 15% vs baseline 2% (+13 points): worse by more than 1 point at 95% confidence (z=");
    }

    @Test
    void aLowTrafficCanaryIsNoDataNotAPass() {
      // v4 has no failures at all: with 12 requests that proves nothing, so it must not pass.
      Reading r = measure(compare("v4"));

      assertThat(r).isEqualTo(Reading.counts("v2_vs_v1", counts(0, 12, 16, 800), ""));
      Measurement m = ProportionTest.judge((Check.Compare) compare("v4").source(), r, 1L);
      assertThat(m)
          .isEqualTo(
              new Measurement(
                  1L,
                  Outcome.NO_DATA,
                  null,
                  "12 new and 800 baseline samples, fewer than minSamples 100"));
    }

    @Test
    void aHostileCountIsRefusedBeforeAnythingIsSentAndChangesNothing() {
      Reading r =
          measure(
              compare(
                  failures("v2"),
                  total("v2"),
                  failures("v1"),
                  total("v1") + "; DELETE FROM " + T,
                  Duration.ofSeconds(10)));

      assertThat(r)
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1",
                  "baseTotal: refused before sending: 2 statements; a check's SQL is one statement"));
      assertThat(tableState()).isEqualTo(initial);
    }

    @Test
    void aWriteHiddenInACountIsAnErrorForPostgresItselfAndChangesNothing() {
      Reading r =
          measure(
              compare(
                  "WITH d AS (DELETE FROM " + T + " RETURNING 1) SELECT count(*) FROM d",
                  total("v2"),
                  failures("v1"),
                  total("v1"),
                  Duration.ofSeconds(10)));

      // The count is sent as a subquery, where a data-modifying WITH cannot stand.
      assertThat(r)
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1",
                  "newFailures: WITH clause containing a data-modifying"
                      + " statement must be at the top level (SQLSTATE 0A000)"));
      assertThat(tableState()).isEqualTo(initial);
    }

    @Test
    void aCountWithoutANumberIsNoDataNamingTheCount() {
      Reading r =
          measure(
              compare(
                  failures("v2"),
                  total("v2"),
                  "SELECT sum(1) FROM " + T + " WHERE path = 'v9'",
                  total("v1"),
                  Duration.ofSeconds(10)));

      assertThat(r).isEqualTo(Reading.noData("v2_vs_v1", "baseFailures: value is NULL"));
    }

    @Test
    void aCountOfSeveralRowsIsAnError() {
      Reading r =
          measure(
              compare(
                  failures("v2"),
                  "SELECT count(*) FROM " + T + " GROUP BY path HAVING count(*) > 100",
                  failures("v1"),
                  total("v1"),
                  Duration.ofSeconds(10)));

      assertThat(r)
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1", "newTotal: returned 3 rows; a check's query returns one row"));
    }

    @Test
    void theFourCountsShareTheChecksTimeout() {
      long start = System.nanoTime();

      Reading r =
          measure(
              compare(
                  failures("v2"),
                  "SELECT count(*) FROM " + T + ", pg_sleep(0.6)",
                  "SELECT count(*) FROM " + T + ", pg_sleep(0.6)",
                  total("v1"),
                  Duration.ofSeconds(1)));

      assertThat(r)
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1",
                  "baseFailures: canceling statement due to statement timeout (SQLSTATE 57014)"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void aDatabaseThatIsDownIsAnErrorWithinTheConnectionTimeout() {
      long start = System.nanoTime();

      Reading r =
          measure(
              compare("v2"), "jdbc:postgresql://127.0.0.1:" + Fixtures.closedPort() + "/postgres");

      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(SqlPools.CONNECTION_TIMEOUT.plusSeconds(2));
      assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
      assertThat(r.reason())
          .startsWith("cannot connect: ")
          .contains("refused")
          .endsWith("(SQLSTATE 08001)");
    }
  }

  /** Plan-shaped checks through the activity, as the workflow sends them. */
  @Nested
  class ThroughTheActivity {
    private CutoverActivitiesImpl activities;
    private Map<String, JsonNode> connections;

    @BeforeEach
    void start() {
      Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
      activities =
          new CutoverActivitiesImpl(
              Fixtures.settings("PG_USER", gate.user(), "PG_PASSWORD", gate.password()),
              Duration.ofSeconds(10));
      connections =
          Map.of(
              "appdb",
              tree(
                  "postgres: "
                      + pg.url()
                      + "\nuser: ${env:PG_USER}\npassword: ${env:PG_PASSWORD}\n"),
              "prom",
              tree("prometheus: http://127.0.0.1:" + Fixtures.closedPort() + "\n"));
    }

    @AfterEach
    void stop() {
      if (activities != null) {
        activities.close();
      }
    }

    private Reading measure(String name, String yaml) {
      return activities
          .measure(
              new MeasureRequest(
                  "cutover-cmp",
                  List.of(new MeasureRequest.CheckSpec(name, tree(yaml), connections))))
          .get(0);
    }

    @Test
    void aSqlCompareCheckFromThePlanIsMeasured() {
      String yaml =
          """
          compare:
            sql: appdb
            new:      { failures: "%s", total: "%s" }
            baseline: { failures: "%s", total: "%s" }
            margin: 0.01
          """
              .formatted(failures("v2"), total("v2"), failures("v1"), total("v1"));
      // The plan reader accepts it as written: what a user would lint.
      assertThat(PlanReader.check("v2_vs_v1", tree(yaml)).source())
          .isInstanceOf(Check.Compare.class);

      assertThat(measure("v2_vs_v1", yaml))
          .isEqualTo(Reading.counts("v2_vs_v1", counts(4, 200, 16, 800), ""));
    }

    @Test
    void aLowTrafficCanaryWithMinSamplesIsNoData() {
      // The seed runbook's success-rate gate, on a canary that has seen 12 imports.
      Reading r =
          measure(
              "success_rate",
              """
          sql: appdb
          query: "SELECT 100.0 * count(*) FILTER (WHERE NOT failed) / nullif(count(*), 0) AS value FROM %s WHERE path = 'v4'"
          pass: ">= 95"
          minSamples: { query: "SELECT count(*) FROM %s WHERE path = 'v4'", atLeast: 20 }
          """
                  .formatted(T, T));

      assertThat(r)
          .isEqualTo(Reading.noData("success_rate", "12 samples, fewer than minSamples 20"));
    }

    @Test
    void aCompareOnAConnectionOfTheWrongKindIsAnError() {
      Reading r =
          measure(
              "v2_vs_v1",
              """
          compare:
            prometheus: appdb
            new:      { failures: "sum(x)", total: "sum(y)" }
            baseline: { failures: "sum(x)", total: "sum(y)" }
          """);

      assertThat(r)
          .isEqualTo(Reading.error("v2_vs_v1", "connection \"appdb\" is postgres, not prometheus"));
    }

    @Test
    void aPrometheusCompareWhosePrometheusIsDownIsAnError() {
      Reading r =
          measure(
              "v2_vs_v1",
              """
          compare:
            prometheus: prom
            new:      { failures: "sum(x)", total: "sum(y)" }
            baseline: { failures: "sum(x)", total: "sum(y)" }
          """);

      assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
      assertThat(r.reason())
          .startsWith("newFailures: prometheus prom: ConnectException: Failed to connect to ");
    }
  }

  /** Prometheus answers a real server would give only by accident, served on demand. */
  @Nested
  class FromPrometheusAnswers {
    private MockWebServer server;
    private CutoverActivitiesImpl activities;
    private final Map<String, MockResponse> answers =
        new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
      server = new MockWebServer();
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              MockResponse r = answers.get(request.getRequestUrl().queryParameter("query"));
              return r == null ? new MockResponse().setResponseCode(404) : r;
            }
          });
      server.start();
      activities = new CutoverActivitiesImpl(Fixtures.settings(), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws IOException {
      activities.close();
      server.shutdown();
    }

    private void answer(String query, String... samples) {
      answers.put(query, new MockResponse().setBody(vector(samples)));
    }

    private Reading measure(String extra) {
      Map<String, JsonNode> connections =
          Map.of("prom", tree("prometheus: " + server.url("/") + "\n"));
      JsonNode check =
          tree(
              """
          compare:
            prometheus: prom
            new:      { failures: 'sum(increase(errors{path="v2"}[10m]))', total: 'sum(increase(requests{path="v2"}[10m]))' }
            baseline: { failures: 'sum(increase(errors{path="v1"}[10m]))', total: 'sum(increase(requests{path="v1"}[10m]))' }
            minSamples: 50
          """
                  + extra);
      return activities
          .measure(
              new MeasureRequest(
                  "cutover-cmp",
                  List.of(new MeasureRequest.CheckSpec("v2_vs_v1", check, connections))))
          .get(0);
    }

    private void answerAll() {
      answer("sum(increase(errors{path=\"v2\"}[10m]))", "3");
      answer("sum(increase(requests{path=\"v2\"}[10m]))", "600");
      answer("sum(increase(errors{path=\"v1\"}[10m]))", "20.5");
      answer("sum(increase(requests{path=\"v1\"}[10m]))", "5400");
    }

    @Test
    void asksFourInstantQueriesOneSampleEach() throws InterruptedException {
      answerAll();

      assertThat(measure("")).isEqualTo(Reading.counts("v2_vs_v1", counts(3, 600, 20.5, 5400), ""));
      List<String> asked = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        asked.add(server.takeRequest(1, TimeUnit.SECONDS).getRequestUrl().queryParameter("query"));
      }
      assertThat(asked)
          .containsExactly(
              "sum(increase(errors{path=\"v2\"}[10m]))",
              "sum(increase(requests{path=\"v2\"}[10m]))",
              "sum(increase(errors{path=\"v1\"}[10m]))",
              "sum(increase(requests{path=\"v1\"}[10m]))");
    }

    @Test
    void severalSeriesAreAnErrorAskingForAnAggregation() {
      answerAll();
      answer("sum(increase(requests{path=\"v2\"}[10m]))", "300", "300");

      assertThat(measure(""))
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1",
                  "newTotal: 2 series; a compare count is one number: aggregate it, e.g. sum(...)"));
    }

    @Test
    void noSeriesIsNoDataNamingTheCount() {
      answerAll();
      answer("sum(increase(errors{path=\"v1\"}[10m]))");

      assertThat(measure("")).isEqualTo(Reading.noData("v2_vs_v1", "baseFailures: no series"));
    }

    @Test
    void aPrometheusErrorIsAnErrorInItsOwnWords() {
      answerAll();
      answers.put(
          "sum(increase(requests{path=\"v1\"}[10m]))",
          new MockResponse()
              .setResponseCode(422)
              .setBody(
                  "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query processing would load too many samples\"}"));

      assertThat(measure(""))
          .isEqualTo(
              Reading.error(
                  "v2_vs_v1",
                  "baseTotal: prometheus prom answered 422: execution: query processing would load too many samples"));
    }

    @Test
    void theFourQueriesShareTheChecksTimeout() {
      answerAll();
      answers.replaceAll((q, r) -> r.setHeadersDelay(400, TimeUnit.MILLISECONDS));
      long start = System.nanoTime();

      Reading r = measure("timeout: 1s\n");

      assertThat(r)
          .isEqualTo(
              Reading.error("v2_vs_v1", "baseFailures: prometheus prom: no answer within 1s"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }
  }

  static String vector(String... samples) {
    StringBuilder result = new StringBuilder();
    for (int i = 0; i < samples.length; i++) {
      result
          .append(i > 0 ? "," : "")
          .append("{\"metric\":{\"instance\":\"api-")
          .append(i)
          .append("\"},\"value\":[1700000000.123,\"")
          .append(samples[i])
          .append("\"]}");
    }
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + result
        + "]}}";
  }

  private static String tableState() {
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) || ' ' || md5(string_agg(id || path || failed, ',' ORDER BY id)) FROM "
                    + T)) {
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
