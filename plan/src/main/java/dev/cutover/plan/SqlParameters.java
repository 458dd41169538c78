package dev.cutover.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The named parameters a check's SQL may use, {@code :stage_start} (the time the current stage
 * started, a {@code timestamptz}) and {@code :baseline} (the check's stage baseline, a {@code
 * double precision}), turned into JDBC {@code ?} parameters that the worker binds: their values are
 * never part of the text sent. Found by the same lexer rules as {@link SqlStatements} (not inside
 * strings, quoted identifiers, dollar quotes or comments, and not a {@code ::} cast's type name);
 * every other {@code ?} (a jsonb operator) is doubled, the driver's escape for a literal {@code ?}.
 * Any other {@code :name} is left as written.
 */
public final class SqlParameters {
  /** The start of the current stage, bound as a {@code timestamptz}. */
  public static final String STAGE_START = "stage_start";

  /** The check's stage baseline, bound as a {@code double precision} (NULL when none). */
  public static final String BASELINE = "baseline";

  private static final List<String> NAMES = List.of(STAGE_START, BASELINE);

  private SqlParameters() {}

  /**
   * {@code sql} with its named parameters as {@code ?} ({@code text}), and their names in order
   * ({@code names}, empty when it uses none: then {@code text} is {@code sql} as written).
   */
  public record Bound(String text, List<String> names) {
    public Bound {
      names = List.copyOf(names);
    }
  }

  /** The names of the parameters {@code sql} uses, in order (a name may repeat). */
  public static List<String> names(String sql) {
    return bind(sql).names();
  }

  public static Bound bind(String sql) {
    int n = sql.length();
    StringBuilder out = new StringBuilder(n + 8);
    List<String> names = new ArrayList<>();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      int end;
      if (c == '-' && next == '-') {
        end = SqlStatements.lineCommentEnd(sql, i);
      } else if (c == '/' && next == '*') {
        end = SqlStatements.blockCommentEnd(sql, i);
      } else if (c == '\'' || c == '"') {
        end = SqlStatements.quotedEnd(sql, i, c, false);
      } else if (c == '$') {
        end = SqlStatements.dollarEnd(sql, i);
      } else if (SqlStatements.isIdentStart(c)) {
        end = SqlStatements.identifierOrPrefixedEnd(sql, i);
      } else if (c == ':' && next == ':') {
        // A cast: the type name after it is copied as an identifier.
        end = i + 2;
      } else if (c == ':' && SqlStatements.isIdentStart(next)) {
        int e = i + 2;
        while (e < n && SqlStatements.isIdentCont(sql.charAt(e))) {
          e++;
        }
        String name = sql.substring(i + 1, e);
        if (NAMES.contains(name)) {
          names.add(name);
          out.append('?');
          i = e;
          continue;
        }
        end = i + 1;
      } else if (c == '?') {
        out.append("??");
        i++;
        continue;
      } else {
        end = i + 1;
      }
      out.append(sql, i, end);
      i = end;
    }
    return names.isEmpty() ? new Bound(sql, List.of()) : new Bound(out.toString(), names);
  }
}
