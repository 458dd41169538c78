package dev.cutover.activities;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.SqlStatements;
import io.temporal.failure.ApplicationFailure;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a {@code sql} check against PostgreSQL, changing nothing.
 *
 * <p>Walls, outermost first: the text must be one statement ({@link SqlStatements#count}) and a
 * query (it starts with SELECT, WITH, VALUES or TABLE; a read-only transaction does not stop
 * {@code COPY ... TO PROGRAM}), refused before anything is sent; it runs in a {@code REPEATABLE
 * READ, READ ONLY} transaction (so {@code minSamples} and the figure see one snapshot) with {@code
 * SET LOCAL statement_timeout} (the check's timeout) and {@code lock_timeout} (at most 5 s); that
 * transaction is always rolled back, never committed. The database user should still be a
 * read-only role: functions such as {@code lo_export} are a superuser's to call, whatever the
 * transaction says.
 *
 * <p>Value rule (PLAN.md): one row; the column {@code value}, else the only numeric column. No row
 * or a NULL is NO_DATA; several rows, no numeric column or any SQL error is ERROR, with the
 * SQLSTATE and the first line of PostgreSQL's message.
 *
 * <p>Connections: one HikariCP pool (at most 2 connections, 5 s to get one) per distinct resolved
 * URL, user and password, created on first use. The password is part of the key so that a check
 * with a wrong password never borrows a connection opened with the right one.
 *
 * <p>Thread-safe: pools are created once per key through a concurrent map; each measurement uses
 * its own connection.
 */
final class SqlSource implements MetricSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqlSource.class);
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
  static final Duration MAX_LOCK_TIMEOUT = Duration.ofSeconds(5);
  /** Rows read at most: enough to say "returned N rows" for any sane mistake. */
  static final int MAX_ROWS = 1000;
  private static final Set<Integer> NUMERIC = Set.of(Types.TINYINT, Types.SMALLINT, Types.INTEGER,
      Types.BIGINT, Types.REAL, Types.FLOAT, Types.DOUBLE, Types.NUMERIC, Types.DECIMAL);
  private static final Set<String> QUERY_KEYWORDS = Set.of("SELECT", "WITH", "VALUES", "TABLE");
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final Secrets secrets;
  private final ConcurrentMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
  private volatile boolean closed;

  SqlSource(Secrets secrets) {
    this.secrets = secrets;
  }

  /** What a pool is for. {@code toString} leaves the password out, in case it is ever logged. */
  private record PoolKey(String url, String user, String password) {
    @Override
    public String toString() {
      return "PoolKey[url=" + url + ", user=" + user + "]";
    }
  }

  private record Pool(HikariDataSource dataSource, Jdbi jdbi) {}

  /** A query's answer before the value rule's verdict: a number, or why there is none. */
  private record Answer(Double value, Reading.Kind kind, String reason) {}

  @Override
  public Reading measure(Check check, Connection connection) {
    String name = check.name();
    if (!(check.source() instanceof Check.SqlQuery query)) {
      return Reading.error(name, "not a sql check");
    }
    String refused = refusal(query.query());
    if (refused == null && check.minSamples() != null) {
      refused = refusal(check.minSamples().query());
      refused = refused == null ? null : "minSamples: " + refused;
    }
    return inTransaction(name, query.connectionName(), connection, refused, check.timeout(),
        (handle, deadline) -> run(handle, deadline, check, query));
  }

  /**
   * The counts of a compare check: each of {@code queries} (keyed by count name, e.g. {@code
   * newFailures}) must return one number by the value rule; all run in one read-only {@code
   * REPEATABLE READ} transaction (one snapshot, so the four counts agree with each other) within
   * {@code timeout}. The first count that is refused, fails or has no number makes the whole
   * reading ERROR or NO_DATA, its reason prefixed with the count's name.
   */
  Reading counts(String name, String connectionName, Connection connection, Map<String, String> queries,
      Duration timeout) {
    String refused = null;
    for (Map.Entry<String, String> q : queries.entrySet()) {
      String r = refusal(q.getValue());
      if (r != null) {
        refused = q.getKey() + ": " + r;
        break;
      }
    }
    return inTransaction(name, connectionName, connection, refused, timeout, (handle, deadline) -> {
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
          return new Reading(name, a.kind(), null, List.of(), q.getKey() + ": " + a.reason(), null);
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
   * Checks the connection, refuses what {@code refused} says, then runs {@code body} in a
   * read-only {@code REPEATABLE READ} transaction with {@code lock_timeout}, always rolled back.
   */
  private Reading inTransaction(String name, String connectionName, Connection connection, String refused,
      Duration timeout, InTransaction body) {
    if (connection == null || connection.kind() != Connection.Kind.POSTGRES) {
      return Reading.error(name, connection == null ? "no connection named \"" + connectionName + "\""
          : "connection \"" + connection.name() + "\" is " + connection.kind().name().toLowerCase() + ", not postgres");
    }
    if (refused != null) {
      return Reading.error(name, refused);
    }
    Pool pool;
    try {
      pool = pool(new PoolKey(secrets.resolve(connection.url()), secrets.resolve(connection.user()),
          secrets.resolve(connection.password())));
    } catch (ApplicationFailure e) {
      return Reading.error(name, secrets.redact(e.getOriginalMessage()));
    } catch (RuntimeException e) {
      // HikariCP refuses a malformed configuration (a URL no driver accepts) at construction.
      return Reading.error(name, secrets.redact("cannot use connection \"" + connection.name() + "\": "
          + HttpCalls.firstLine(e.getMessage())));
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      Handle handle = pool.jdbi().open();
      try {
        handle.begin();
        try {
          handle.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
          handle.execute("SET LOCAL lock_timeout = '" + HttpCalls.min(timeout, MAX_LOCK_TIMEOUT).toMillis() + "ms'");
          return secretFree(body.run(handle, deadline));
        } finally {
          rollback(handle);
        }
      } finally {
        close(handle);
      }
    } catch (ConnectionException e) {
      return Reading.error(name, secrets.redact("cannot connect: " + reason(e)));
    } catch (JdbiException | SQLException e) {
      return Reading.error(name, secrets.redact(reason(e)));
    }
  }

  private static Reading run(Handle handle, long deadline, Check check, Check.SqlQuery query) throws SQLException {
    String name = check.name();
    String samples = "";
    if (check.minSamples() != null) {
      Answer a = query(handle, check.minSamples().query(), deadline);
      if (a.kind() != Reading.Kind.VALUE) {
        return new Reading(name, a.kind(), null, List.of(), "minSamples: " + a.reason(), null);
      }
      long n = (long) Math.floor(a.value());
      if (n < check.minSamples().atLeast()) {
        return Reading.noData(name, n + " samples, fewer than minSamples " + check.minSamples().atLeast());
      }
      samples = n + " samples";
    }
    Answer a = query(handle, query.query(), deadline);
    if (a.kind() != Reading.Kind.VALUE) {
      return new Reading(name, a.kind(), null, List.of(), a.reason(), null);
    }
    return Reading.value(name, a.value(), samples);
  }

  /** Runs one user query under the time left and applies the value rule. */
  private static Answer query(Handle handle, String sql, long deadline) throws SQLException {
    long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
    if (leftMillis < 1) {
      // statement_timeout = 0 would mean "no limit": never send it.
      return new Answer(null, Reading.Kind.ERROR, "the check's timeout ran out before the query started");
    }
    handle.execute("SET LOCAL statement_timeout = '" + leftMillis + "ms'");
    // A plain Statement, not JDBI's prepared one: the text is sent as written, so a '?' (a jsonb
    // operator) or ':name' is not taken for a parameter, and nothing is rewritten.
    try (Statement st = handle.getConnection().createStatement()) {
      st.setEscapeProcessing(false);
      st.setMaxRows(MAX_ROWS + 1);
      // Backstop for a server that ignores statement_timeout: the driver cancels from the client.
      st.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis / 1000 + 2));
      try (ResultSet rs = st.executeQuery(sql)) {
        return valueRule(rs);
      }
    }
  }

  /** PLAN.md: one row back; the column {@code value}, else the only numeric column. */
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
      return new Answer(null, Reading.Kind.ERROR, "column \"" + md.getColumnLabel(column) + "\" is "
          + md.getColumnTypeName(column) + ", not a number");
    }
    if (column < 0) {
      if (numeric.isEmpty()) {
        return new Answer(null, Reading.Kind.ERROR, "no numeric column; return the number AS value");
      }
      if (numeric.size() > 1) {
        return new Answer(null, Reading.Kind.ERROR, numeric.size()
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
      return new Answer(null, Reading.Kind.ERROR, "returned " + (rows > MAX_ROWS ? "more than " + MAX_ROWS : rows)
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

  /** Why {@code sql} is not sent at all, or null when it may be. */
  static String refusal(String sql) {
    int statements = SqlStatements.count(sql);
    if (statements == 0) {
      return "refused before sending: no SQL statement";
    }
    if (statements > 1) {
      return "refused before sending: " + statements + " statements; a check's SQL is one statement";
    }
    String keyword = firstKeyword(sql);
    if (!QUERY_KEYWORDS.contains(keyword)) {
      return "refused before sending: a check's SQL is a query (SELECT, WITH, VALUES or TABLE), not "
          + (keyword.isEmpty() ? "this" : keyword);
    }
    return null;
  }

  /** The first word of {@code sql} in upper case, past blanks, comments and opening parentheses. */
  static String firstKeyword(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (c == '-' && next == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (c == '/' && next == '*') {
        int depth = 1;
        i += 2;
        while (i < n && depth > 0) {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        }
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && (Character.isLetter(sql.charAt(i)) || sql.charAt(i) == '_')) {
      i++;
    }
    return sql.substring(start, i).toUpperCase(Locale.ROOT);
  }

  private Pool pool(PoolKey key) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    return pools.computeIfAbsent(key, k -> {
      HikariConfig c = new HikariConfig();
      // The pool name is logged by HikariCP: a number, never the URL or user.
      c.setPoolName("cutover-sql-" + POOLS.incrementAndGet());
      c.setJdbcUrl(k.url());
      c.setUsername(k.user());
      c.setPassword(k.password());
      c.setMaximumPoolSize(2);
      c.setMinimumIdle(0);
      c.setIdleTimeout(Duration.ofMinutes(2).toMillis());
      c.setMaxLifetime(Duration.ofMinutes(30).toMillis());
      c.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
      c.setValidationTimeout(Duration.ofSeconds(2).toMillis());
      // Lazy: a database that is down must not fail the worker, only the checks that use it.
      c.setInitializationFailTimeout(-1);
      c.setReadOnly(true);
      c.addDataSourceProperty("connectTimeout", String.valueOf(CONNECTION_TIMEOUT.toSeconds()));
      c.addDataSourceProperty("loginTimeout", String.valueOf(CONNECTION_TIMEOUT.toSeconds()));
      // A socket that hangs beyond the longest check timeout (5 min) is dead.
      c.addDataSourceProperty("socketTimeout", "330");
      c.addDataSourceProperty("ApplicationName", "cutover");
      // Read-only even for a transaction we did not start ourselves.
      c.addDataSourceProperty("options", "-c default_transaction_read_only=on");
      HikariDataSource ds = new HikariDataSource(c);
      return new Pool(ds, Jdbi.create(ds));
    });
  }

  private static void rollback(Handle handle) {
    try {
      handle.rollback();
    } catch (RuntimeException e) {
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
    String message = HttpCalls.firstLine(deepest.getMessage()).replaceFirst("^(ERROR|FATAL|PANIC): +", "");
    return deepest.getSQLState() == null ? message : message + " (SQLSTATE " + deepest.getSQLState() + ")";
  }

  private Reading secretFree(Reading r) {
    return new Reading(r.check(), r.kind(), r.value(), r.unmet(), secrets.redact(r.reason()), r.counts());
  }

  /** Closes every pool; measurements after this are ERROR. */
  @Override
  public void close() {
    closed = true;
    for (Pool p : pools.values()) {
      p.dataSource().close();
    }
    pools.clear();
  }
}
