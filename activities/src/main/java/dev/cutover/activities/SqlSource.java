package dev.cutover.activities;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.JdbcUrls;
import dev.cutover.plan.SqlParameters;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a {@code sql} check against PostgreSQL, changing nothing.
 *
 * <p>Walls, outermost first (docs/sql-checks.md says what each one is and is not):
 *
 * <ol>
 *   <li>The connection ({@link SqlPools}): its JDBC URL must pass {@link JdbcUrls} (no {@code
 *       ${...}}, no user or password in it, only allow-listed parameters), for every plan whatever
 *       its rules; every host it names must be allowed by the worker's {@link HostPolicy} after
 *       DNS, checked before connecting and again on each socket ({@link PolicySocketFactory}). The
 *       worker's own settings are given after the URL's, which carries no parameter at all to the
 *       driver, so a plan cannot override them: extended query protocol, read-only sessions ({@code
 *       default_transaction_read_only}), timeouts, the socket factory, and a password always given
 *       (empty when the plan names none) so that the driver never reads {@code ~/.pgpass}.
 *   <li>Before anything is sent, the text must be one statement by our own lexer ({@link
 *       SqlWalls#refusal}) and a query (SELECT, WITH, VALUES or TABLE). This is for clear messages;
 *       nothing below relies on it.
 *   <li>Before the query runs, on its connection, in the transaction: the role (session and current
 *       user) must not be a superuser nor a member of a superuser role or of {@code
 *       pg_execute_server_program}, {@code pg_write_server_files} or {@code pg_read_server_files}
 *       ({@link SqlWalls#roleRefusal}); else the reading is ERROR and the query is never sent.
 *   <li>The query is sent as {@code SELECT * FROM (\n<query>\n) AS cutover_check} (its trailing
 *       semicolons dropped), and only if the driver's own parser ({@link SqlWalls#driverRefusal}),
 *       on this connection and with its {@code standard_conforming_strings}, makes exactly one
 *       statement of that text. In extended-protocol mode that one statement is one Parse message,
 *       which PostgreSQL refuses when it holds more than one command; and PostgreSQL itself parses
 *       it as a SELECT whose FROM holds the user's text, where a smuggled {@code ;}, a utility
 *       command ({@code COPY}, {@code SET}, {@code DO}, {@code CALL}, ...), a data-modifying {@code
 *       WITH} or {@code SELECT INTO} is an error.
 *   <li>It runs in a {@code REPEATABLE READ, READ ONLY} transaction (so {@code minSamples} and the
 *       figure see one snapshot) with {@code SET LOCAL statement_timeout} (the check's timeout) and
 *       {@code lock_timeout} (at most 5 s); that transaction is always rolled back, never
 *       committed, and session advisory locks are released afterwards.
 * </ol>
 *
 * What remains is what a read-only role may do in a SELECT: read what it is granted, call the
 * functions it may execute. Give the worker a role that can read only what the gates need.
 *
 * <p>Value rule (docs/plan-format.md): one row; the column {@code value}, else the only numeric
 * column. No row or a NULL is NO_DATA; several rows, no numeric column or any SQL error is ERROR,
 * with the SQLSTATE and the first line of PostgreSQL's message.
 *
 * <p>Connections: one pool per distinct URL, resolved user and password ({@link SqlPools}).
 *
 * <p>Thread-safe: each measurement uses its own connection.
 */
final class SqlSource implements MetricSource<Check.SqlQuery>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqlSource.class);
  static final Duration MAX_LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** Rows read at most: enough to say "returned N rows" for any sane mistake. */
  static final int MAX_ROWS = 1000;

  private static final Set<Integer> NUMERIC =
      Set.of(
          Types.TINYINT,
          Types.SMALLINT,
          Types.INTEGER,
          Types.BIGINT,
          Types.REAL,
          Types.FLOAT,
          Types.DOUBLE,
          Types.NUMERIC,
          Types.DECIMAL);

  private final Secrets secrets;
  private final SqlPools pools;

  /** False only in tests that prove the walls behind our own lexer hold without it. */
  private final boolean lexerWall;

  SqlSource(Secrets secrets, HostPolicy hostPolicy) {
    this(secrets, hostPolicy, true);
  }

  SqlSource(Secrets secrets, HostPolicy hostPolicy, boolean lexerWall) {
    this.secrets = secrets;
    this.pools = new SqlPools(hostPolicy);
    this.lexerWall = lexerWall;
  }

  /** A query's answer before the value rule's verdict: a number, or why there is none. */
  private record Answer(Double value, Reading.Kind kind, String reason) {}

  @Override
  public Class<Check.SqlQuery> sourceType() {
    return Check.SqlQuery.class;
  }

  @Override
  public Reading measure(Check check, Check.SqlQuery query, Connection connection) {
    return measure(check, query, connection, CheckContext.NONE);
  }

  /**
   * As {@link #measure(Check, Check.SqlQuery, Connection)}, with {@code :stage_start} and {@code
   * :baseline} bound from {@code context} as JDBC parameters ({@link SqlParameters}).
   */
  @Override
  public Reading measure(
      Check check, Check.SqlQuery query, Connection connection, CheckContext context) {
    String name = check.name();
    String refused = SqlWalls.refusal(query.query());
    if (refused == null && check.minSamples() != null) {
      refused = SqlWalls.refusal(check.minSamples().query());
      refused = refused == null ? null : "minSamples: " + refused;
    }
    return inTransaction(
        name,
        query.connectionName(),
        connection,
        refused,
        check.timeout(),
        (handle, deadline) -> run(handle, deadline, check, query, context));
  }

  /**
   * The counts of a compare check: each of {@code queries} (keyed by count name, e.g. {@code
   * newFailures}) must return one number by the value rule; all run in one read-only {@code
   * REPEATABLE READ} transaction (one snapshot, so the four counts agree with each other) within
   * {@code timeout}. The first count that is refused, fails or has no number makes the whole
   * reading ERROR or NO_DATA, its reason prefixed with the count's name.
   */
  Reading counts(
      String name,
      String connectionName,
      Connection connection,
      Map<String, String> queries,
      Duration timeout) {
    String refused = null;
    for (Map.Entry<String, String> q : queries.entrySet()) {
      String r = SqlWalls.refusal(q.getValue());
      if (r != null) {
        refused = q.getKey() + ": " + r;
        break;
      }
    }
    return inTransaction(
        name,
        connectionName,
        connection,
        refused,
        timeout,
        (handle, deadline) -> {
          Map<String, Double> counts = new LinkedHashMap<>();
          for (Map.Entry<String, String> q : queries.entrySet()) {
            Answer a;
            try {
              a = query(handle, q.getValue(), deadline);
            } catch (SQLException | JdbiException e) {
              // The server refused or cancelled this count: say which one.
              return Reading.error(name, q.getKey() + ": " + reason(e));
            }
            if (a.kind() != Reading.Kind.VALUE) {
              return new Reading(
                  name, a.kind(), null, List.of(), q.getKey() + ": " + a.reason(), null);
            }
            counts.put(q.getKey(), a.value());
          }
          return Reading.counts(name, counts, "");
        });
  }

  /** The part of a measurement inside the transaction; {@code deadline} is a {@code nanoTime}. */
  @FunctionalInterface
  private interface InTransaction {
    Reading run(Handle handle, long deadline) throws SQLException;
  }

  /**
   * Checks the connection, refuses what {@code refused} says, then runs {@code body} in a read-only
   * {@code REPEATABLE READ} transaction with {@code lock_timeout}, always rolled back.
   */
  private Reading inTransaction(
      String name,
      String connectionName,
      Connection connection,
      String refused,
      Duration timeout,
      InTransaction body) {
    if (connection == null || connection.kind() != Connection.Kind.POSTGRES) {
      return Reading.error(
          name,
          connection == null
              ? "no connection named \"" + connectionName + "\""
              : "connection \""
                  + connection.name()
                  + "\" is "
                  + connection.kind().name().toLowerCase(Locale.ROOT)
                  + ", not postgres");
    }
    if (refused != null && lexerWall) {
      return Reading.error(name, refused);
    }
    JdbcUrls.Parsed url;
    try {
      url = JdbcUrls.parse(connection.url());
    } catch (JdbcUrls.Refused e) {
      // Nothing was resolved: the message holds only what the plan itself says.
      return Reading.error(name, "connection \"" + connection.name() + "\": " + e.getMessage());
    }
    String hostRefused = pools.hostRefusal(url);
    if (hostRefused != null) {
      return Reading.error(name, secrets.redact("cannot connect: " + hostRefused));
    }
    Jdbi jdbi;
    try {
      jdbi =
          pools.jdbi(
              url, secrets.resolve(connection.user()), secrets.resolve(connection.password()));
    } catch (EffectException e) {
      return Reading.error(name, secrets.redact(e.getMessage()));
    } catch (RuntimeException e) {
      // HikariCP refuses a malformed configuration (a URL no driver accepts) at construction.
      return Reading.error(
          name,
          secrets.redact(
              "cannot use connection \""
                  + connection.name()
                  + "\": "
                  + HttpCalls.firstLine(e.getMessage())));
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      Handle handle = jdbi.open();
      try {
        handle.begin();
        try {
          handle.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
          handle.execute(
              "SET LOCAL lock_timeout = '"
                  + HttpCalls.min(timeout, MAX_LOCK_TIMEOUT).toMillis()
                  + "ms'");
          String roleRefused = SqlWalls.roleRefusal(handle.getConnection());
          if (roleRefused != null) {
            return secretFree(Reading.error(name, roleRefused));
          }
          return secretFree(body.run(handle, deadline));
        } finally {
          rollback(handle);
        }
      } finally {
        close(handle);
      }
    } catch (ConnectionException e) {
      HostPolicy.Refused r = HostPolicy.refusedIn(e);
      return Reading.error(
          name, secrets.redact("cannot connect: " + (r != null ? r.getMessage() : reason(e))));
    } catch (JdbiException | SQLException e) {
      return Reading.error(name, secrets.redact(reason(e)));
    }
  }

  private static Reading run(
      Handle handle, long deadline, Check check, Check.SqlQuery query, CheckContext context)
      throws SQLException {
    String name = check.name();
    String samples = "";
    if (check.minSamples() != null) {
      Answer a = query(handle, check.minSamples().query(), deadline, context);
      if (a.kind() != Reading.Kind.VALUE) {
        return new Reading(name, a.kind(), null, List.of(), "minSamples: " + a.reason(), null);
      }
      long n = (long) Math.floor(a.value());
      if (n < check.minSamples().atLeast()) {
        return Reading.noData(
            name, n + " samples, fewer than minSamples " + check.minSamples().atLeast());
      }
      samples = n + " samples";
    }
    Answer a = query(handle, query.query(), deadline, context);
    if (a.kind() != Reading.Kind.VALUE) {
      return new Reading(name, a.kind(), null, List.of(), a.reason(), null);
    }
    return Reading.value(name, a.value(), samples);
  }

  /** Runs one user query, its text as written, under the time left and applies the value rule. */
  private static Answer query(Handle handle, String sql, long deadline) throws SQLException {
    return query(handle, sql, deadline, null);
  }

  /**
   * Runs one user query under the time left and applies the value rule; with {@code context}, its
   * named parameters ({@code :stage_start}, {@code :baseline}) are bound from it.
   */
  private static Answer query(Handle handle, String sql, long deadline, CheckContext context)
      throws SQLException {
    SqlParameters.Bound bound =
        context == null ? new SqlParameters.Bound(sql, List.of()) : SqlParameters.bind(sql);
    if (!bound.names().isEmpty()) {
      return prepared(handle, bound, deadline, context);
    }
    long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
    if (leftMillis < 1) {
      // statement_timeout = 0 would mean "no limit": never send it.
      return new Answer(
          null, Reading.Kind.ERROR, "the check's timeout ran out before the query started");
    }
    String wrapped = SqlWalls.wrapped(sql);
    String refused = SqlWalls.driverRefusal(handle.getConnection(), wrapped, false);
    if (refused != null) {
      return new Answer(null, Reading.Kind.ERROR, refused);
    }
    handle.execute("SET LOCAL statement_timeout = '" + leftMillis + "ms'");
    // A plain Statement, not JDBI's prepared one: the text is sent as written, so a '?' (a jsonb
    // operator) or ':name' is not taken for a parameter, and nothing is rewritten.
    try (Statement st = handle.getConnection().createStatement()) {
      st.setEscapeProcessing(false);
      st.setMaxRows(MAX_ROWS + 1);
      // Backstop for a server that ignores statement_timeout: the driver cancels from the client.
      st.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis / 1000 + 2));
      try (ResultSet rs = st.executeQuery(wrapped)) {
        return valueRule(rs);
      }
    }
  }

  /**
   * A query with named parameters, sent as a prepared statement whose values are bound, never part
   * of the text: the text is held to the driver's parser as it will be sent (one statement), like a
   * plain query's.
   */
  private static Answer prepared(
      Handle handle, SqlParameters.Bound bound, long deadline, CheckContext context)
      throws SQLException {
    if (bound.names().contains(SqlParameters.STAGE_START) && context.stageStart() == null) {
      return new Answer(
          null,
          Reading.Kind.ERROR,
          ":stage_start has no value: no stage has started yet (a prerequisite cannot use it)");
    }
    long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
    if (leftMillis < 1) {
      return new Answer(
          null, Reading.Kind.ERROR, "the check's timeout ran out before the query started");
    }
    String wrapped = SqlWalls.wrapped(bound.text());
    String refused = SqlWalls.driverRefusal(handle.getConnection(), wrapped, true);
    if (refused != null) {
      return new Answer(null, Reading.Kind.ERROR, refused);
    }
    handle.execute("SET LOCAL statement_timeout = '" + leftMillis + "ms'");
    try (PreparedStatement ps = handle.getConnection().prepareStatement(wrapped)) {
      int i = 1;
      for (String name : bound.names()) {
        if (name.equals(SqlParameters.STAGE_START)) {
          ps.setObject(
              i++,
              OffsetDateTime.ofInstant(Instant.ofEpochMilli(context.stageStart()), ZoneOffset.UTC));
        } else if (context.baseline() == null) {
          ps.setNull(i++, Types.DOUBLE);
        } else {
          ps.setDouble(i++, context.baseline());
        }
      }
      ps.setMaxRows(MAX_ROWS + 1);
      ps.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis / 1000 + 2));
      try (ResultSet rs = ps.executeQuery()) {
        return valueRule(rs);
      }
    }
  }

  /** The value rule: one row back; the column {@code value}, else the only numeric column. */
  static Answer valueRule(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int column = -1;
    List<Integer> numeric = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      if (md.getColumnLabel(i).equalsIgnoreCase("value")) {
        column = i;
      }
      if (NUMERIC.contains(md.getColumnType(i))) {
        numeric.add(i);
      }
    }
    if (column > 0 && !NUMERIC.contains(md.getColumnType(column))) {
      return new Answer(
          null,
          Reading.Kind.ERROR,
          "column \""
              + md.getColumnLabel(column)
              + "\" is "
              + md.getColumnTypeName(column)
              + ", not a number");
    }
    if (column < 0) {
      if (numeric.isEmpty()) {
        return new Answer(
            null, Reading.Kind.ERROR, "no numeric column; return the number AS value");
      }
      if (numeric.size() > 1) {
        return new Answer(
            null,
            Reading.Kind.ERROR,
            numeric.size()
                + " numeric columns and none named value; name the one to judge AS value");
      }
      column = numeric.get(0);
    }
    if (!rs.next()) {
      return new Answer(null, Reading.Kind.NO_DATA, "no rows");
    }
    double v = rs.getDouble(column);
    boolean isNull = rs.wasNull();
    int rows = 1;
    while (rs.next()) {
      rows++;
    }
    if (rows > 1) {
      return new Answer(
          null,
          Reading.Kind.ERROR,
          "returned "
              + (rows > MAX_ROWS ? "more than " + MAX_ROWS : rows)
              + " rows; a check's query returns one row");
    }
    if (isNull) {
      return new Answer(null, Reading.Kind.NO_DATA, "value is NULL");
    }
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return new Answer(null, Reading.Kind.NO_DATA, "value is " + v);
    }
    return new Answer(v, Reading.Kind.VALUE, "");
  }

  private static void rollback(Handle handle) {
    try {
      handle.rollback();
      // Session advisory locks outlive a rollback and would stay with the pooled connection.
      try (Statement st = handle.getConnection().createStatement()) {
        st.execute("SELECT pg_catalog.pg_advisory_unlock_all()");
      }
    } catch (RuntimeException | SQLException e) {
      // The connection is broken (a cancelled query, a dead socket): HikariCP evicts it on close.
      LOG.debug("rollback failed: {}", e.getClass().getSimpleName());
    }
  }

  private static void close(Handle handle) {
    try {
      handle.close();
    } catch (RuntimeException e) {
      LOG.debug("closing a handle failed: {}", e.getClass().getSimpleName());
    }
  }

  /** SQLSTATE and the first line of the deepest SQLException's message, e.g. a server error. */
  static String reason(Throwable e) {
    SQLException deepest = null;
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof SQLException s) {
        deepest = s;
      }
    }
    if (deepest == null) {
      return e.getClass().getSimpleName() + ": " + HttpCalls.firstLine(e.getMessage());
    }
    String message =
        HttpCalls.firstLine(deepest.getMessage()).replaceFirst("^(ERROR|FATAL|PANIC): +", "");
    return deepest.getSQLState() == null
        ? message
        : message + " (SQLSTATE " + deepest.getSQLState() + ")";
  }

  private Reading secretFree(Reading r) {
    return new Reading(
        r.check(), r.kind(), r.value(), r.unmet(), secrets.redact(r.reason()), r.counts());
  }

  /** Closes every pool; measurements after this are ERROR. */
  @Override
  public void close() {
    pools.close();
  }
}
