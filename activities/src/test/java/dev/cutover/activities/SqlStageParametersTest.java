package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A SQL check's {@code :stage_start} and {@code :baseline}, against the real PostgreSQL: bound as
 * JDBC parameters (never part of the text), with every wall of {@link SqlSource} still in place.
 */
class SqlStageParametersTest {
  private static final String SCHEMA =
      "act_stage_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static final long STAGE_START = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
  private static Fixtures.Postgres pg;
  private static Fixtures.Postgres gate;
  private SqlSource source;

  @BeforeAll
  static void createSchema() {
    pg = Fixtures.postgres();
    if (pg == null) {
      return;
    }
    Fixtures.admin(
        pg,
        "CREATE SCHEMA " + SCHEMA,
        "CREATE TABLE " + SCHEMA + ".events (at timestamptz NOT NULL, failed boolean NOT NULL)",
        // Three events before the stage started, four after (one failed).
        "INSERT INTO "
            + SCHEMA
            + ".events VALUES ('2026-03-01T11:00:00Z', true), ('2026-03-01T11:30:00Z', true),"
            + " ('2026-03-01T11:59:59.999Z', false), ('2026-03-01T12:00:00Z', false),"
            + " ('2026-03-01T12:10:00Z', true), ('2026-03-01T13:00:00Z', false),"
            + " ('2026-03-02T00:00:00Z', false)");
    gate =
        Fixtures.createRole(
            pg,
            SCHEMA + "_gate",
            "GRANT USAGE ON SCHEMA " + SCHEMA + " TO %1$s",
            "GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO %1$s");
  }

  @AfterAll
  static void dropSchema() {
    if (pg != null) {
      Fixtures.admin(pg, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      Fixtures.dropRole(pg, SCHEMA + "_gate");
    }
  }

  @BeforeEach
  void newSource() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    source =
        new SqlSource(
            new Secrets(
                Fixtures.settings(
                    "PG_USER",
                    gate.user(),
                    "PG_PASSWORD",
                    gate.password(),
                    Secrets.ALLOWED,
                    "PG_*")),
            Fixtures.settings().hosts());
  }

  @AfterEach
  void closeSource() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void countsOnlyWhatHappenedSinceTheStageStarted() {
    Reading r =
        measure(
            "SELECT count(*) AS value FROM " + SCHEMA + ".events WHERE at >= :stage_start",
            new CheckContext(STAGE_START, null));
    assertThat(r).isEqualTo(Reading.value("q", 4.0, ""));
  }

  @Test
  void comparesWithTheBaselineBoundAsANumber() {
    Reading r =
        measure(
            "SELECT avg(failed::int) / :baseline AS value FROM "
                + SCHEMA
                + ".events WHERE at >= :stage_start",
            new CheckContext(STAGE_START, 0.125));
    assertThat(r).isEqualTo(Reading.value("q", 2.0, "")); // 1 of 4 failed: 0.25 / 0.125
  }

  @Test
  void aJsonbQuestionMarkStillWorksBesideParameters() {
    Reading r =
        measure(
            "SELECT count(*) AS value FROM "
                + SCHEMA
                + ".events WHERE '{\"a\": 1}'::jsonb ? 'a' AND at < :stage_start -- :baseline?",
            new CheckContext(STAGE_START, null));
    assertThat(r).isEqualTo(Reading.value("q", 3.0, ""));
  }

  @Test
  void noBaselineYetBindsNullWhichIsNoData() {
    Reading r = measure("SELECT :baseline AS value", new CheckContext(STAGE_START, null));
    assertThat(r.kind()).isEqualTo(Reading.Kind.NO_DATA);
  }

  @Test
  void theStageStartBeforeAnyStageIsAnErrorAndTheQueryIsNotSent() {
    Reading r =
        measure(
            "SELECT count(*) AS value FROM " + SCHEMA + ".events WHERE at >= :stage_start",
            CheckContext.NONE);
    assertThat(r)
        .isEqualTo(
            Reading.error(
                "q",
                ":stage_start has no value: no stage has started yet (a prerequisite cannot use"
                    + " it)"));
  }

  @Test
  void aSecondStatementIsStillRefusedBeforeAnythingIsSent() {
    Reading r =
        measure(
            "SELECT :baseline AS value; DELETE FROM " + SCHEMA + ".events",
            new CheckContext(STAGE_START, 1.0));
    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason())
        .isEqualTo("refused before sending: 2 statements; a check's SQL is one statement");
    assertThat(Fixtures.adminQuery(pg, "SELECT count(*) FROM " + SCHEMA + ".events"))
        .isEqualTo("7");
  }

  @Test
  void anyOtherColonNameIsSentAsWrittenNeverFilledIn() {
    Reading r = measure("SELECT :stage AS value", new CheckContext(STAGE_START, 1.0));
    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason()).isEqualTo("syntax error at or near \":\" (SQLSTATE 42601)");
  }

  private Reading measure(String sql, CheckContext context) {
    Check check = check(sql);
    return source.measure(check, (Check.SqlQuery) check.source(), connection(), context);
  }

  private static Check check(String sql) {
    return new Check("q", new Check.SqlQuery("db", sql), null, null, Duration.ofSeconds(10));
  }

  private static Connection connection() {
    return new Connection(
        "db", Connection.Kind.POSTGRES, pg.url(), "${env:PG_USER}", "${env:PG_PASSWORD}", Map.of());
  }
}
