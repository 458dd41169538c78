package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A compare check of a mean (latency) from a real PostgreSQL: each side's count, sum and sum of
 * squares, six queries in one read-only transaction, under the walls of every SQL check.
 */
class MetricTotalsSqlTest {
  private static final String SCHEMA =
      "act_mean_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static final String T = SCHEMA + ".requests";
  private static Fixtures.Postgres pg;
  private static Fixtures.Postgres gate;

  private SqlSource sql;
  private CompareSource source;

  @BeforeAll
  static void createSchema() throws SQLException {
    pg = Fixtures.postgres();
    if (pg == null) {
      return;
    }
    // v1: 900 requests of 100 to 108 ms; v2: 100 of 120 ms.
    admin(
        "CREATE SCHEMA " + SCHEMA,
        "CREATE TABLE " + T + " (id serial PRIMARY KEY, path text NOT NULL, ms double precision)",
        "INSERT INTO " + T + " (path, ms) SELECT 'v1', 100 + i % 9 FROM generate_series(1, 900) i",
        "INSERT INTO " + T + " (path, ms) SELECT 'v2', 120 FROM generate_series(1, 100) i");
    gate =
        Fixtures.createRole(
            pg,
            SCHEMA + "_gate",
            "GRANT USAGE ON SCHEMA " + SCHEMA + " TO %1$s",
            "GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO %1$s");
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
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    sql =
        new SqlSource(
            new Secrets(Fixtures.settings("PG_USER", gate.user(), "PG_PASSWORD", gate.password())),
            Fixtures.settings().hosts());
    source = new CompareSource(sql, null);
  }

  @AfterEach
  void close() {
    if (sql != null) {
      sql.close();
    }
  }

  static Check.Compare.Metric.Side side(String path, String sumOfSquares) {
    String where = " FROM " + T + " WHERE path = '" + path + "'";
    return new Check.Compare.Metric.Side(
        null, "SELECT coalesce(sum(ms), 0)" + where, "SELECT count(*)" + where, sumOfSquares);
  }

  Reading measure(Check.Compare.Metric.Side news) {
    Check check =
        new Check(
            "imports",
            new Check.Compare(
                "appdb",
                Check.Compare.Kind.SQL,
                null,
                null,
                null,
                null,
                0,
                0.95,
                100,
                Check.Compare.Method.SEQUENTIAL,
                0.05,
                0,
                new Check.Compare.Metric(
                    "mean",
                    "ms",
                    news,
                    side("v1", "SELECT sum(ms * ms) FROM " + T + " WHERE path = 'v1'"))),
            null,
            null,
            Duration.ofSeconds(10));
    return source.measure(
        check,
        new Connection(
            "appdb",
            Connection.Kind.POSTGRES,
            pg.url(),
            "${env:PG_USER}",
            "${env:PG_PASSWORD}",
            Map.of()));
  }

  @Test
  void readsEachSidesCountSumAndSumOfSquares() {
    Reading r = measure(side("v2", "SELECT sum(ms * ms) FROM " + T + " WHERE path = 'v2'"));

    assertThat(r.kind()).as(r.toString()).isEqualTo(Reading.Kind.VALUE);
    double v1Sum = 0;
    double v1Squares = 0;
    for (int i = 1; i <= 900; i++) {
      v1Sum += 100 + i % 9;
      v1Squares += (100 + i % 9) * (100 + i % 9);
    }
    assertThat(r.counts())
        .isEqualTo(
            Map.of(
                "new.count", 100.0,
                "new.sum", 12_000.0,
                "new.sumOfSquares", 1_440_000.0,
                "baseline.count", 900.0,
                "baseline.sum", v1Sum,
                "baseline.sumOfSquares", v1Squares));
  }

  @Test
  void aNullSumIsNoDataAndAWriteIsRefusedNamingTheTotal() {
    Reading empty = measure(side("v2", "SELECT sum(ms * ms) FROM " + T + " WHERE path = 'none'"));
    assertThat(empty.kind()).isEqualTo(Reading.Kind.NO_DATA);
    assertThat(empty.reason()).startsWith("new.sumOfSquares: ");

    Reading write = measure(side("v2", "DELETE FROM " + T));
    assertThat(write.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(write.reason()).startsWith("new.sumOfSquares: ");
  }

  private static void admin(String... statements) throws SQLException {
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement s = c.createStatement()) {
      for (String q : statements) {
        s.execute(q);
      }
    }
  }
}
