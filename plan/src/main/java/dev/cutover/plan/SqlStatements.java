package dev.cutover.plan;

/**
 * Counts the statements in SQL text the way PostgreSQL splits them: a {@code ;} inside a string,
 * a quoted identifier, a comment or a dollar-quoted body does not end a statement. Used to refuse
 * chained statements before they are sent; the read-only transaction is the real guard.
 */
public final class SqlStatements {
  private SqlStatements() {}

  /** The number of non-empty statements in {@code sql}. */
  public static int count(String sql) {
    int statements = 0;
    boolean content = false;
    int i = 0;
    int n = sql.length();
    int blockDepth = 0;
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (blockDepth > 0) {
        if (c == '/' && next == '*') {
          blockDepth++;
          i += 2;
        } else if (c == '*' && next == '/') {
          blockDepth--;
          i += 2;
        } else {
          i++;
        }
        continue;
      }
      if (c == '-' && next == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (c == '/' && next == '*') {
        blockDepth = 1;
        i += 2;
      } else if (c == '\'' || c == '"') {
        content = true;
        i = skipQuoted(sql, i, c);
      } else if (c == '$' && dollarTag(sql, i) != null) {
        content = true;
        String tag = dollarTag(sql, i);
        int end = sql.indexOf(tag, i + tag.length());
        i = end < 0 ? n : end + tag.length();
      } else if (c == ';') {
        if (content) {
          statements++;
        }
        content = false;
        i++;
      } else {
        if (!Character.isWhitespace(c)) {
          content = true;
        }
        i++;
      }
    }
    return content ? statements + 1 : statements;
  }

  private static int skipQuoted(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2; // doubled quote is an escaped quote
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return sql.length();
  }

  /** {@code $tag$} or {@code $$} starting at {@code i}, else null. */
  private static String dollarTag(String sql, int i) {
    int j = i + 1;
    while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
      j++;
    }
    if (j < sql.length() && sql.charAt(j) == '$') {
      String tag = sql.substring(i, j + 1);
      // $1 is a positional parameter, not a dollar quote.
      if (tag.length() > 2 && Character.isDigit(tag.charAt(1))) {
        return null;
      }
      return tag;
    }
    return null;
  }
}
