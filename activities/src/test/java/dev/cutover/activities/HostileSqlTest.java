package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
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
 * Issue 9 item 3: a check's SQL cannot write, whatever its lexing. Each hostile variant runs
 * through {@link SqlSource} against the real PostgreSQL as six roles, each with every wall and
 * again without our own lexer's (so the walls behind it are shown to hold alone):
 *
 * <ul>
 *   <li>{@code writer}: no superuser, {@code default_transaction_read_only = on}, but granted every
 *       privilege on the test schema, so any write that got through would land;
 *   <li>the cluster's superuser, and members of {@code pg_execute_server_program}, {@code
 *       pg_write_server_files}, {@code pg_read_server_files} and of a superuser role: refused
 *       before their query runs.
 * </ul>
 *
 * After each: the table's checksum, the sequence, the large objects and the advisory locks are as
 * they were, no marker file exists (a program or a file write would have made one), the reading is
 * ERROR with the reason asserted, and the same source still measures an honest, read-only check.
 */
class HostileSqlTest {
  private static final String SCHEMA =
      "act_hostile_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private static final String T = SCHEMA + ".t";
  private static final String SEQ = SCHEMA + ".seq";

  /** Every file a variant tries to create starts with this; none may exist afterwards. */
  private static final String MARK = "/tmp/cutover-" + SCHEMA + "-marker";

  private static final String SUPER_ROLE = SCHEMA + "_su";

  private static Fixtures.Postgres pg;
  private static java.sql.Connection admin;

  /** A large object that exists before any variant runs: lo_export could write it to a file. */
  private static long largeObject;

  private static String initialTable;
  private static long initialLargeObjects;
  private static final Map<String, Fixtures.Postgres> ROLES = new LinkedHashMap<>();

  /** Per role and wall set: the source, and the user its checks log in as. */
  private static final Map<String, Run> SOURCES = new LinkedHashMap<>();

  /**
   * A source and the user it logs in as, written literally as a plan's {@code user: gatekeeper} is
   * (a user from {@code ${env:...}} would be redacted from every message).
   */
  private record Run(SqlSource source, String user) {}

  /** What a role is, for the refusal it gets. */
  private record Role(String key, String grant) {}

  private static final List<Role> PRIVILEGED =
      List.of(
          new Role("superuser", null),
          new Role("program", "GRANT pg_execute_server_program TO %1$s"),
          new Role("writeFiles", "GRANT pg_write_server_files TO %1$s"),
          new Role("readFiles", "GRANT pg_read_server_files TO %1$s"),
          new Role("superMember", "GRANT " + SUPER_ROLE + " TO %1$s"));

  @BeforeAll
  static void setUp() throws SQLException {
    pg = Fixtures.postgres();
    if (pg == null) {
      return;
    }
    admin = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
    exec(
        "CREATE SCHEMA " + SCHEMA,
        "CREATE TABLE "
            + T
            + " (id int PRIMARY KEY, status text NOT NULL, amount numeric NOT NULL)",
        "INSERT INTO "
            + T
            + " SELECT i, CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'complete' END, i * 1.5"
            + " FROM generate_series(1, 30) AS i",
        "CREATE SEQUENCE " + SEQ,
        "CREATE ROLE " + SUPER_ROLE + " NOLOGIN SUPERUSER");
    largeObject = Long.parseLong(query("SELECT lo_from_bytea(0, 'pwned')"));
    String[] everything = {
      "GRANT ALL ON SCHEMA " + SCHEMA + " TO %1$s",
      "GRANT ALL ON ALL TABLES IN SCHEMA " + SCHEMA + " TO %1$s",
      "GRANT ALL ON ALL SEQUENCES IN SCHEMA " + SCHEMA + " TO %1$s",
      "GRANT SELECT, UPDATE ON LARGE OBJECT " + largeObject + " TO %1$s"
    };
    ROLES.put("writer", Fixtures.createRole(pg, SCHEMA + "_writer", everything));
    ROLES.put("superuser", pg);
    for (Role r : PRIVILEGED.subList(1, PRIVILEGED.size())) {
      List<String> grants = new ArrayList<>(List.of(everything));
      grants.add(r.grant());
      // NOINHERIT: a member that does not inherit can still SET ROLE, which is what the check sees.
      grants.add("ALTER ROLE %1$s NOINHERIT");
      ROLES.put(
          r.key(),
          Fixtures.createRole(
              pg, SCHEMA + "_" + r.key().toLowerCase(), grants.toArray(String[]::new)));
    }
    initialTable = tableState();
    initialLargeObjects = largeObjects();
    HostPolicy loopback = Fixtures.settings().hosts();
    for (String role : ROLES.keySet()) {
      Fixtures.Postgres login = ROLES.get(role);
      Secrets secrets =
          new Secrets(
              Fixtures.settings(
                  Map.of("PG_PASSWORD", login.password(), Secrets.ALLOWED, "PG_PASSWORD")));
      SOURCES.put(
          role + "/all walls", new Run(new SqlSource(secrets, loopback, true), login.user()));
      SOURCES.put(
          role + "/without our lexer",
          new Run(new SqlSource(secrets, loopback, false), login.user()));
    }
  }

  @AfterAll
  static void tearDown() throws SQLException {
    if (pg == null) {
      return;
    }
    SOURCES.values().forEach(r -> r.source().close());
    exec("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE", "SELECT lo_unlink(" + largeObject + ")");
    for (String role : ROLES.keySet()) {
      if (!role.equals("superuser")) {
        Fixtures.dropRole(pg, ROLES.get(role).user());
      }
    }
    exec("DROP ROLE IF EXISTS " + SUPER_ROLE);
    admin.close();
  }

  @BeforeEach
  void needsPostgres() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
  }

  @AfterEach
  void removeMarkers() throws IOException {
    // Only a failing test leaves one; the next test must not be blamed for it.
    try (Stream<Path> files = Files.list(Path.of("/tmp"))) {
      for (Path f : files.filter(p -> p.toString().startsWith(MARK)).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  // ------------------------------------------------------------------ the variants

  private static String statements(int n) {
    return "refused before sending: " + n + " statements; a check's SQL is one statement";
  }

  private static String notAQuery(String keyword) {
    return "refused before sending: a check's SQL is a query (SELECT, WITH, VALUES or TABLE), not "
        + keyword;
  }

  private static String driverPieces(int n) {
    return "refused before sending: the driver reads "
        + n
        + " statements in it; a check's SQL is one statement";
  }

  private static String syntax(String near) {
    return "syntax error at or near \"" + near + "\" (SQLSTATE 42601)";
  }

  private static String readOnly(String what) {
    return "cannot execute " + what + " in a read-only transaction (SQLSTATE 25006)";
  }

  private static String denied(String function) {
    return "permission denied for function " + function + " (SQLSTATE 42501)";
  }

  private static final String TOP_LEVEL =
      "WITH clause containing a data-modifying statement must be at the top level"
          + " (SQLSTATE 0A000)";
  private static final String INTO = "SELECT ... INTO is not allowed here (SQLSTATE 42601)";

  /**
   * name, SQL, the writer's reason with every wall, and without our lexer's (null: the same).
   * Without it, what stops a chain is PostgreSQL refusing a {@code ;} inside our parentheses, or
   * the driver's own parser finding several statements once the parentheses are broken out of.
   */
  static List<Arguments> variants() {
    String t = T;
    return List.of(
        // escape strings
        Arguments.of(
            "the issue's E'' example",
            "SELECT 1 AS value, E'\\'' ; COMMIT; BEGIN READ WRITE; DELETE FROM "
                + t
                + " WHERE id = 2; COMMIT; SELECT 1 AS value -- '",
            statements(6),
            syntax(";")),
        Arguments.of(
            "lower-case e''",
            "SELECT 1 AS value, e'\\'' ; DELETE FROM " + t + "; SELECT 1 -- '",
            statements(3),
            syntax(";")),
        Arguments.of(
            "E'' ending in an escaped backslash",
            "SELECT 1 AS value, E'\\\\' ; DELETE FROM " + t + "; SELECT 1 -- '",
            statements(3),
            syntax(";")),
        Arguments.of(
            "E'' with an escaped backslash and quote",
            "SELECT 1 AS value, E'\\\\\\'' ; DELETE FROM " + t + " --",
            statements(2),
            syntax(";")),
        Arguments.of(
            "a standard string ending in a backslash",
            "SELECT 1 AS value, '\\'; DELETE FROM " + t + "; SELECT '",
            statements(3),
            syntax(";")),
        // $ in identifiers, dollar quotes
        Arguments.of(
            "identifiers a$b$ that look like dollar quotes",
            "SELECT 1 AS a$b$, 2 AS value; DELETE FROM " + t + "; SELECT 1 AS c$b$",
            statements(3),
            syntax(";")),
        Arguments.of(
            "identifiers ending in $$",
            "SELECT 1 AS a$$, 2 AS value; DELETE FROM " + t + "; SELECT 1 AS b$$",
            statements(3),
            syntax(";")),
        Arguments.of(
            "a non-ASCII identifier before $$ (pgjdbc reads a dollar quote)",
            "SELECT 1 AS \u00d7$$, 2 AS value;" + " DELETE FROM " + t + "; SELECT 1 AS \u00d7$$",
            statements(3),
            syntax(";")),
        Arguments.of(
            "a dollar quote right after a number",
            "SELECT 2 AS value, 1$a$;$a$; DELETE FROM " + t,
            statements(2),
            syntax("$a$;$a$")),
        Arguments.of(
            "a tagged dollar quote",
            "SELECT $x$ $x$ AS s, 1 AS value; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "a dollar quote holding a ;",
            "SELECT 1 AS value, $$;$$; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        // comments
        Arguments.of(
            "nested block comments",
            "SELECT 1 AS value /* /* */ */ ; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "/*/ (pgjdbc closes it, PostgreSQL does not)",
            "SELECT 1 AS value /*/ */ ; DELETE FROM " + t + "; /* */",
            statements(2),
            syntax(";")),
        Arguments.of(
            "a line comment ended by a carriage return",
            "SELECT 1 AS value --\r; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "a line comment, then a new line",
            "SELECT 1 AS value -- x\n; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "a comment holding a ;",
            "SELECT 1 AS value/*;*/;DELETE FROM " + t,
            statements(2),
            syntax(";")),
        // U&, B, X, N and quoted identifiers
        Arguments.of(
            "U&'' with an escaped quote",
            "SELECT 1 AS value, U&'\\0027'; DELETE FROM " + t + "; SELECT U&'\\0027'",
            statements(3),
            syntax(";")),
        Arguments.of(
            "U&'' with UESCAPE",
            "SELECT 1 AS value, U&'!0027' UESCAPE '!'; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "a U&\"\" identifier",
            "SELECT 1 AS value, U&\"a\"\";\"; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        Arguments.of(
            "X''", "SELECT 1 AS value, X'1F'; DELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of(
            "N''", "SELECT 1 AS value, N'a''b'; DELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of(
            "B''", "SELECT 1 AS value, B'1'; DELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of(
            "a quoted identifier holding a ;",
            "SELECT 1 AS \"value\"\";\"; DELETE FROM " + t,
            statements(2),
            syntax(";")),
        // semicolons in odd places, and breaking out of the parentheses
        Arguments.of(
            "a ; inside parentheses",
            "SELECT (1; DELETE FROM " + t + "; SELECT 1) AS value",
            statements(3),
            syntax(";")),
        Arguments.of(
            "a ; then a tab", "SELECT 1 AS value;\tDELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of(
            "breaking out of the subquery",
            "SELECT 1 AS value) AS x; DELETE FROM " + t + "; SELECT * FROM (SELECT 1",
            statements(3),
            driverPieces(3)),
        Arguments.of(
            "breaking out behind a comment",
            "SELECT 1 AS value) AS x --\n; DELETE FROM " + t + "; SELECT * FROM (SELECT 1",
            statements(3),
            driverPieces(3)),
        Arguments.of(
            "breaking out of VALUES",
            "VALUES (1)) AS x; DELETE FROM " + t + "; SELECT * FROM (VALUES (1)",
            statements(3),
            driverPieces(3)),
        Arguments.of(
            "breaking out to COPY TO PROGRAM",
            "SELECT 1 AS value) AS x; COPY (SELECT 1) TO PROGRAM 'touch "
                + MARK
                + "-1'; SELECT * FROM (SELECT 1",
            statements(3),
            driverPieces(3)),
        Arguments.of(
            "breaking out through LATERAL",
            "SELECT 1 AS value) x, LATERAL (SELECT 1) y; DELETE FROM "
                + t
                + "; SELECT 1 FROM (SELECT 1",
            statements(3),
            driverPieces(3)),
        // COMMIT / BEGIN READ WRITE smuggling
        Arguments.of(
            "COMMIT; BEGIN READ WRITE",
            "COMMIT; BEGIN READ WRITE; DELETE FROM " + t,
            statements(3),
            syntax(";")),
        Arguments.of(
            "a query, then COMMIT; BEGIN READ WRITE",
            "SELECT 1 AS value; COMMIT; BEGIN READ WRITE; DELETE FROM " + t + "; COMMIT",
            statements(5),
            syntax(";")),
        Arguments.of(
            "SET TRANSACTION READ WRITE",
            "SET TRANSACTION READ WRITE; DELETE FROM " + t,
            statements(2),
            syntax("READ")),
        Arguments.of(
            "ROLLBACK and read-write session characteristics",
            "ROLLBACK; SET SESSION CHARACTERISTICS AS"
                + " TRANSACTION READ WRITE; DELETE FROM "
                + t,
            statements(3),
            syntax(";")),
        Arguments.of(
            "SET SESSION AUTHORIZATION",
            "SELECT 1 AS value; SET SESSION AUTHORIZATION DEFAULT; DELETE FROM " + t,
            statements(3),
            syntax(";")),
        // COPY
        Arguments.of(
            "COPY TO PROGRAM",
            "COPY (SELECT 1) TO PROGRAM 'touch " + MARK + "-2'",
            notAQuery("COPY"),
            syntax("SELECT")),
        Arguments.of(
            "COPY a table TO PROGRAM",
            "COPY " + t + " TO PROGRAM 'touch " + MARK + "-3'",
            notAQuery("COPY"),
            syntax(".")),
        Arguments.of(
            "COPY TO a file",
            "COPY (SELECT 1) TO '" + MARK + "-4'",
            notAQuery("COPY"),
            syntax("SELECT")),
        Arguments.of(
            "a query, then COPY TO PROGRAM",
            "SELECT 1 AS value; COPY (SELECT 1) TO PROGRAM 'touch " + MARK + "-5'",
            statements(2),
            syntax(";")),
        // functions that write files, read files or run SQL
        Arguments.of(
            "lo_export of a large object",
            "SELECT lo_export(" + largeObject + ", '" + MARK + "-6') AS value",
            denied("lo_export"),
            null),
        Arguments.of(
            "lo_import", "SELECT lo_import('/etc/hostname') AS value", denied("lo_import"), null),
        Arguments.of(
            "pg_read_file",
            "SELECT length(pg_read_file('/etc/hostname')) AS value",
            denied("pg_read_file"),
            null),
        Arguments.of(
            "pg_ls_dir",
            "SELECT count(*) AS value FROM pg_ls_dir('/tmp')",
            denied("pg_ls_dir"),
            null),
        Arguments.of(
            "query_to_xml running a DELETE",
            "SELECT length(query_to_xml('DELETE FROM "
                + t
                + " RETURNING 1', true, false, '')::text) AS value",
            "DELETE is not allowed in a non-volatile function (SQLSTATE 0A000)",
            null),
        Arguments.of(
            "query_to_xml running COPY TO PROGRAM",
            "SELECT length(query_to_xml('COPY (SELECT 1) TO PROGRAM"
                + " ''touch "
                + MARK
                + "-7''', true, false, '')::text) AS value",
            "COPY is not allowed in a non-volatile function (SQLSTATE 0A000)",
            null),
        Arguments.of(
            "nextval", "SELECT nextval('" + SEQ + "') AS value", readOnly("nextval()"), null),
        Arguments.of(
            "setval", "SELECT setval('" + SEQ + "', 100) AS value", readOnly("setval()"), null),
        Arguments.of(
            "set_config(default_transaction_read_only) then nextval",
            "SELECT count(*) AS value FROM (SELECT"
                + " set_config('default_transaction_read_only', 'off', false)) s, LATERAL (SELECT nextval('"
                + SEQ
                + "')) n",
            readOnly("nextval()"),
            null),
        Arguments.of(
            "set_config(transaction_read_only)",
            "SELECT set_config('transaction_read_only', 'off', true) AS"
                + " x, nextval('"
                + SEQ
                + "') AS value",
            "transaction read-write mode must be set before any query (SQLSTATE 25001)",
            null),
        Arguments.of(
            "set_config(role) to the superuser",
            "SELECT set_config('role', '" + pg().user() + "', true) AS x," + " 1 AS value",
            "permission denied to set role \"" + pg().user() + "\" (SQLSTATE 42501)",
            null),
        Arguments.of(
            "set_config(session_authorization)",
            "SELECT set_config('session_authorization', '"
                + pg().user()
                + "', true) AS x, 1 AS value",
            "permission denied to set session authorization \""
                + pg().user()
                + "\" (SQLSTATE 42501)",
            null),
        Arguments.of("SET ROLE", "SET ROLE " + pg().user(), notAQuery("SET"), syntax(pg().user())),
        Arguments.of(
            "a query, then SET ROLE",
            "SELECT 1 AS value; SET ROLE " + pg().user() + "; DELETE FROM " + t,
            statements(3),
            syntax(";")),
        // PREPARE / EXECUTE, DO, CALL
        Arguments.of(
            "PREPARE then EXECUTE",
            "PREPARE p AS DELETE FROM " + t + "; EXECUTE p",
            statements(2),
            syntax("AS")),
        Arguments.of(
            "PREPARE", "PREPARE p AS DELETE FROM " + t, notAQuery("PREPARE"), syntax("AS")),
        Arguments.of("EXECUTE", "EXECUTE p", notAQuery("EXECUTE"), syntax(")")),
        Arguments.of(
            "a DO block",
            "DO $$ BEGIN DELETE FROM " + t + "; END $$",
            notAQuery("DO"),
            syntax("DO")),
        Arguments.of(
            "a query, then a DO block",
            "SELECT 1 AS value; DO $$BEGIN DELETE FROM " + t + "; END$$",
            statements(2),
            syntax(";")),
        Arguments.of("CALL", "CALL " + SCHEMA + ".wipe()", notAQuery("CALL"), syntax(".")),
        // data-modifying WITH, SELECT INTO
        Arguments.of(
            "WITH ... DELETE RETURNING",
            "WITH d AS (DELETE FROM " + t + " RETURNING 1) SELECT count(*) AS value FROM d",
            TOP_LEVEL,
            null),
        Arguments.of(
            "WITH ... UPDATE RETURNING",
            "WITH u AS (UPDATE "
                + t
                + " SET amount = 0 RETURNING 1) SELECT count(*) AS value FROM u",
            TOP_LEVEL,
            null),
        Arguments.of(
            "WITH ... INSERT RETURNING",
            "WITH i AS (INSERT INTO "
                + t
                + " VALUES (999, 'x', 1) RETURNING 1) SELECT count(*) AS value FROM i",
            TOP_LEVEL,
            null),
        Arguments.of(
            "WITH then DELETE", "WITH x AS (SELECT 1) DELETE FROM " + t, syntax("DELETE"), null),
        Arguments.of(
            "WITH then INSERT",
            "WITH x AS (SELECT 1) INSERT INTO " + t + " SELECT 1000, 'x', 1",
            syntax("INSERT"),
            null),
        Arguments.of(
            "DELETE RETURNING in a subquery",
            "SELECT * FROM (DELETE FROM " + t + " RETURNING id) d",
            syntax("FROM"),
            null),
        Arguments.of("SELECT INTO a temporary table", "SELECT 1 AS value INTO TEMP x", INTO, null),
        Arguments.of(
            "SELECT INTO a table", "SELECT * INTO " + SCHEMA + ".copy FROM " + t, INTO, null),
        // locks
        Arguments.of(
            "LOCK TABLE",
            "LOCK TABLE " + t + " IN ACCESS EXCLUSIVE MODE",
            notAQuery("LOCK"),
            syntax("TABLE")),
        Arguments.of(
            "FOR UPDATE",
            "SELECT 1 AS value FROM " + t + " WHERE id = 1 FOR UPDATE",
            readOnly("SELECT FOR UPDATE"),
            null),
        Arguments.of(
            "FOR NO KEY UPDATE NOWAIT",
            "SELECT 1 AS value FROM " + t + " WHERE id = 1 FOR NO KEY UPDATE NOWAIT",
            readOnly("SELECT FOR NO KEY UPDATE"),
            null),
        Arguments.of(
            "FOR SHARE",
            "SELECT 1 AS value FROM " + t + " WHERE id = 1 FOR SHARE",
            readOnly("SELECT FOR SHARE"),
            null),
        // NOTIFY / LISTEN
        Arguments.of("NOTIFY", "NOTIFY ch, 'x'", notAQuery("NOTIFY"), syntax(",")),
        Arguments.of("LISTEN", "LISTEN ch", notAQuery("LISTEN"), syntax(")")),
        Arguments.of(
            "a query, then NOTIFY", "SELECT 1 AS value; NOTIFY ch", statements(2), syntax(";")),
        // plain writes and utility commands
        Arguments.of("DELETE", "DELETE FROM " + t, notAQuery("DELETE"), syntax("FROM")),
        Arguments.of("UPDATE", "UPDATE " + t + " SET amount = 0", notAQuery("UPDATE"), syntax(".")),
        Arguments.of(
            "INSERT",
            "INSERT INTO " + t + " VALUES (1000, 'x', 1)",
            notAQuery("INSERT"),
            syntax("INTO")),
        Arguments.of("TRUNCATE", "TRUNCATE " + t, notAQuery("TRUNCATE"), syntax(".")),
        Arguments.of(
            "CREATE TEMP TABLE",
            "CREATE TEMP TABLE x (a int)",
            notAQuery("CREATE"),
            syntax("CREATE")),
        Arguments.of(
            "a DELETE in parentheses behind a comment",
            "/* looks like a query */ (DELETE FROM " + t + ")",
            notAQuery("DELETE"),
            syntax("FROM")),
        Arguments.of(
            "EXPLAIN ANALYZE DELETE",
            "EXPLAIN ANALYZE DELETE FROM " + t,
            notAQuery("EXPLAIN"),
            syntax("ANALYZE")),
        Arguments.of(
            "VALUES, then DELETE", "VALUES (1); DELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of(
            "TABLE, then DELETE", "TABLE " + t + "; DELETE FROM " + t, statements(2), syntax(";")),
        Arguments.of("VACUUM", "VACUUM " + t, notAQuery("VACUUM"), syntax(".")),
        Arguments.of(
            "ALTER ROLE",
            "ALTER ROLE " + SCHEMA + "_writer SUPERUSER",
            notAQuery("ALTER"),
            syntax(SCHEMA + "_writer")));
  }

  /** The superuser, known once the class has set up (the variants name it). */
  private static Fixtures.Postgres pg() {
    return pg != null ? pg : new Fixtures.Postgres("", "cutover", "");
  }

  /** Every variant as every role, with and without our lexer's wall. */
  static Stream<Arguments> runs() {
    List<Arguments> all = new ArrayList<>();
    for (Arguments v : variants()) {
      Object[] a = v.get();
      String withLexer = (String) a[2];
      String withoutLexer = a[3] == null ? withLexer : (String) a[3];
      for (String role :
          List.of("writer", "superuser", "program", "writeFiles", "readFiles", "superMember")) {
        for (boolean lexer : new boolean[] {true, false}) {
          String expected =
              role.equals("writer")
                  ? (lexer ? withLexer : withoutLexer)
                  // Our lexer answers before anything is sent; otherwise the role is refused first.
                  : lexer && withLexer.startsWith("refused before sending") ? withLexer : null;
          all.add(Arguments.of(a[0], a[1], role, lexer, expected));
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} as {2}, lexer wall {3}")
  @MethodSource("runs")
  void aHostileCheckIsAnErrorAndWritesNothing(
      String name, String sql, String role, boolean lexer, String expected) throws IOException {
    Run source = SOURCES.get(role + (lexer ? "/all walls" : "/without our lexer"));

    Reading r = measure(source, sql);

    assertThat(r).isEqualTo(Reading.error("q", expected != null ? expected : roleRefusal(role)));
    assertNothingChanged();
    // The connection it used is clean: still read-only, and an honest check reads.
    Reading after =
        measure(
            source,
            "SELECT CASE WHEN current_setting('transaction_read_only') = 'on'"
                + " AND current_setting('default_transaction_read_only') = 'on' THEN 1 ELSE 0 END AS value");
    assertThat(after)
        .isEqualTo(
            role.equals("writer")
                ? Reading.value("q", 1.0, "")
                : Reading.error("q", roleRefusal(role)));
  }

  private static String roleRefusal(String role) {
    String user = ROLES.get(role).user();
    String what =
        switch (role) {
          case "superuser" -> "is a superuser";
          case "program" -> "is a member of pg_execute_server_program";
          case "writeFiles" -> "is a member of pg_write_server_files";
          case "readFiles" -> "is a member of pg_read_server_files";
          case "superMember" -> "is a member of the superuser role \"" + SUPER_ROLE + "\"";
          default -> throw new IllegalArgumentException(role);
        };
    return "refused: role \""
        + user
        + "\" "
        + what
        + ", so a check could run programs or read or write files on the"
        + " database server; give the worker a read-only role (docs/sql-checks.md)";
  }

  // ------------------------------------------------------------------ side effects a rollback
  // undoes

  @Test
  void whatAReadOnlyRoleMayStillCallInASelectLeavesNothingBehind() throws Exception {
    Run writer = SOURCES.get("writer/all walls");
    try (java.sql.Connection listener =
            DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement l = listener.createStatement()) {
      l.execute("LISTEN cutover_hostile");

      // Each reads a value: none of these is refused, and none may outlive the check.
      assertThat(
              measure(writer, "SELECT 1 AS value FROM (SELECT pg_notify('cutover_hostile', 'x')) s")
                  .kind())
          .isEqualTo(Reading.Kind.VALUE);
      assertThat(measure(writer, "SELECT 1 AS value FROM (SELECT pg_advisory_lock(4242)) s").kind())
          .isEqualTo(Reading.Kind.VALUE);
      assertThat(measure(writer, "SELECT lo_from_bytea(0, 'x') AS value").kind())
          .isEqualTo(Reading.Kind.VALUE);
      assertThat(
              measure(
                      writer,
                      "SELECT 1 AS value FROM (SELECT set_config('default_transaction_read_only', 'off',"
                          + " false)) s")
                  .kind())
          .isEqualTo(Reading.Kind.VALUE);

      // The notification was never delivered (the transaction rolled back)...
      Thread.sleep(300);
      l.execute("SELECT 1");
      assertThat(listener.unwrap(org.postgresql.PGConnection.class).getNotifications()).isEmpty();
    }
    // ...the session lock was released, no large object was kept, the session is still read-only.
    assertNothingChanged();
    assertThat(
            measure(
                writer,
                "SELECT CASE WHEN current_setting('default_transaction_read_only') = 'on' THEN 1"
                    + " ELSE 0 END AS value"))
        .isEqualTo(Reading.value("q", 1.0, ""));
  }

  // ------------------------------------------------------------------ the tests' own controls

  @Test
  void aSuperuserCouldWriteAFileFromInsideAReadOnlySelectWhichIsWhyTheRoleIsRefused()
      throws Exception {
    // Positive control for the marker check, and the reason for the role wall: PostgreSQL lets a
    // superuser's lo_export write a file from a SELECT in a READ ONLY transaction, wrapped or not.
    Path marker = Path.of(MARK + "-control");
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password())) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        s.execute(
            SqlWalls.wrapped("SELECT lo_export(" + largeObject + ", '" + marker + "') AS value"));
      }
      c.rollback();
    }
    assertThat(marker).exists();
    Files.delete(marker);

    Reading r =
        measure(
            SOURCES.get("superuser/without our lexer"),
            "SELECT lo_export(" + largeObject + ", '" + marker + "') AS value");

    assertThat(r).isEqualTo(Reading.error("q", roleRefusal("superuser")));
    assertThat(marker).doesNotExist();
  }

  @Test
  void theServerRefusesAParseMessageHoldingSeveralCommandsWhichIsWhyExtendedModeIsForced()
      throws Exception {
    // pgjdbc's parser takes ×$$ for a dollar quote, PostgreSQL for an identifier: the driver sends
    // one piece that holds three commands. In extended mode the server refuses it; in simple mode
    // it would run all three.
    String sql = "SELECT 1 AS \u00d7$$; DELETE FROM " + T + "; SELECT 2 AS \u00d7$$";
    assertThat(runDirectly(sql, "extended"))
        .isEqualTo("cannot insert multiple commands into a prepared statement (SQLSTATE 42601)");
    assertThat(runDirectly(sql, "simple")).isEqualTo("deleted 30 rows, rolled back");
    assertThat(tableState()).isEqualTo(initialTable);
  }

  /** Runs {@code sql} as the superuser in a transaction that is rolled back; what came of it. */
  private static String runDirectly(String sql, String mode) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", pg.user());
    p.setProperty("password", pg.password());
    p.setProperty("preferQueryMode", mode);
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), p)) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute(sql);
        String deleted =
            "deleted "
                + (30 - Integer.parseInt(tableStateIn(c).split(" ")[0]))
                + " rows, rolled back";
        c.rollback();
        return deleted;
      } catch (SQLException e) {
        c.rollback();
        return SqlSource.reason(e);
      }
    }
  }

  @Test
  void theChecksSeeAChange() throws Exception {
    // Guards the tests above: checks that cannot fail would make them pass vacuously.
    exec("UPDATE " + T + " SET amount = amount + 1 WHERE id = 1");
    assertThat(tableState()).isNotEqualTo(initialTable);
    exec("UPDATE " + T + " SET amount = amount - 1 WHERE id = 1");
    assertThat(tableState()).isEqualTo(initialTable);
    assertThat(query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isEqualTo("0");
    try (java.sql.Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_lock(1)");
      assertThat(query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isEqualTo("1");
    }
  }

  @Test
  void countsTheVariants() {
    // The closing note of issue 9 reports these.
    assertThat(variants()).hasSize(85);
    assertThat(runs()).hasSize(85 * 12);
  }

  // ------------------------------------------------------------------ helpers

  private static Reading measure(Run run, String sql) {
    return run.source()
        .measure(
            new Check("q", new Check.SqlQuery("db", sql), null, null, Duration.ofSeconds(10)),
            new Connection(
                "db",
                Connection.Kind.POSTGRES,
                pg.url(),
                run.user(),
                "${env:PG_PASSWORD}",
                Map.of()));
  }

  private static void assertNothingChanged() throws IOException {
    assertThat(tableState()).isEqualTo(initialTable);
    assertThat(query("SELECT last_value || ' ' || is_called FROM " + SEQ)).isEqualTo("1 false");
    assertThat(largeObjects()).isEqualTo(initialLargeObjects);
    assertThat(query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isEqualTo("0");
    assertThat(
            query(
                "SELECT count(*) FROM pg_class WHERE relname = 'copy' AND relnamespace = '"
                    + SCHEMA
                    + "'::regnamespace"))
        .isEqualTo("0");
    try (Stream<Path> files = Files.list(Path.of("/tmp"))) {
      assertThat(files.map(Path::toString).filter(f -> f.startsWith(MARK))).isEmpty();
    }
  }

  /** Row count and a checksum over every row of the test table. */
  private static String tableState() {
    return query(
        "SELECT count(*) || ' ' || md5(string_agg(id || ':' || status || ':' || amount, ',' ORDER BY id))"
            + " FROM "
            + T);
  }

  private static String tableStateIn(java.sql.Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + T)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static long largeObjects() {
    return Long.parseLong(query("SELECT count(*) FROM pg_largeobject_metadata"));
  }

  private static String query(String sql) {
    try (Statement s = admin.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void exec(String... statements) throws SQLException {
    try (Statement s = admin.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }
}
