package dev.cutover.activities;

import dev.cutover.plan.SqlStatements;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.Query;
import org.postgresql.core.QueryExecutor;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * The walls {@link SqlSource} puts around a check's SQL, besides the connection's ({@link
 * SqlPools}) and the read-only transaction: our own lexer's verdict before anything is sent ({@link
 * #refusal}), the role the connection is logged in as ({@link #roleRefusal}), the text wrapped as a
 * subquery of ours ({@link #wrapped}), and the driver's own parser's verdict on that text ({@link
 * #driverRefusal}). Each says why, or null when the check may go on.
 */
final class SqlWalls {
  /**
   * What the user's query is placed in; the newlines end a trailing {@code --} comment and keep
   * line numbers.
   */
  static final String WRAP_BEFORE = "SELECT * FROM (\n";

  static final String WRAP_AFTER = "\n) AS cutover_check";
  private static final Set<String> QUERY_KEYWORDS = Set.of("SELECT", "WITH", "VALUES", "TABLE");

  private SqlWalls() {}

  /** Why {@code sql} is not sent at all, or null when it may be. */
  static String refusal(String sql) {
    int statements = SqlStatements.count(sql);
    if (statements == 0) {
      return "refused before sending: no SQL statement";
    }
    if (statements > 1) {
      return "refused before sending: "
          + statements
          + " statements; a check's SQL is one statement";
    }
    String keyword = SqlStatements.firstKeyword(sql);
    if (!QUERY_KEYWORDS.contains(keyword)) {
      return "refused before sending: a check's SQL is a query (SELECT, WITH, VALUES or TABLE), not "
          + (keyword.isEmpty() ? "this" : keyword);
    }
    return null;
  }

  /**
   * The text sent for the user's {@code sql}: a subquery of ours, so that PostgreSQL parses one
   * SELECT.
   */
  static String wrapped(String sql) {
    return WRAP_BEFORE + SqlStatements.withoutTrailingSemicolons(sql) + WRAP_AFTER;
  }

  /**
   * Why {@code text} is not sent on {@code connection}, judged by the driver itself; null when it
   * may be. The driver splits a Statement's text with its own parser ({@code
   * org.postgresql.core.Parser}) and sends each piece as its own Parse message: this asks it, with
   * the same call {@code PgStatement} makes and this connection's {@code
   * standard_conforming_strings}, how many pieces it would send. One piece in extended mode is one
   * Parse message, which PostgreSQL refuses if it holds several commands. {@code prepared}: the
   * text of a prepared statement ({@code ?} parameters, JDBC escapes processed, as {@code
   * prepareStatement} parses it).
   */
  static String driverRefusal(java.sql.Connection connection, String text, boolean prepared)
      throws SQLException {
    BaseConnection pg = connection.unwrap(BaseConnection.class);
    if (pg.getPreferQueryMode() != PreferQueryMode.EXTENDED) {
      // Simple mode sends the whole text in one Query message, which the server splits itself.
      return "refused before sending: the connection is not in extended query mode";
    }
    QueryExecutor executor = pg.getQueryExecutor();
    Query query =
        executor.createQueryByKey(executor.createQueryKey(text, prepared, prepared)).query;
    int pieces = query.getSubqueries() == null ? 1 : query.getSubqueries().length;
    if (pieces != 1) {
      return "refused before sending: the driver reads "
          + pieces
          + " statements in it; a check's SQL is one statement";
    }
    return null;
  }

  /**
   * Why the role {@code connection} is logged in as may not run a check, or null when it may: a
   * superuser, or a member (directly or through other roles, inherited or not: {@code SET ROLE}
   * reaches it) of a superuser role or of a role that runs programs or reads or writes files on the
   * database server. Every name is schema-qualified, so a {@code search_path} cannot put another
   * {@code pg_roles} in the way.
   */
  static String roleRefusal(java.sql.Connection connection) throws SQLException {
    String sql =
        "SELECT session_user::text, r.rolname::text, r.rolsuper,"
            + " r.rolname OPERATOR(pg_catalog.=) session_user OR r.rolname OPERATOR(pg_catalog.=) current_user"
            + " FROM pg_catalog.pg_roles r"
            + " WHERE (r.rolsuper OR r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_execute_server_program',"
            + " 'pg_write_server_files', 'pg_read_server_files']::pg_catalog.name[]))"
            + " AND (pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')"
            + " OR pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))"
            + " ORDER BY 4 DESC, 3 DESC, 2";
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      if (!rs.next()) {
        return null;
      }
      String user = rs.getString(1);
      String role = rs.getString(2);
      boolean superuser = rs.getBoolean(3);
      boolean self = rs.getBoolean(4);
      String what =
          self && superuser
              ? "is a superuser"
              : superuser
                  ? "is a member of the superuser role \"" + role + "\""
                  : "is a member of " + role;
      return "refused: role \""
          + user
          + "\" "
          + what
          + ", so a check could run programs or read or write files on"
          + " the database server; give the worker a read-only role (docs/sql-checks.md)";
    }
  }
}
