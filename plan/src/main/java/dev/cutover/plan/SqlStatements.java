package dev.cutover.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL text into statements the way PostgreSQL's lexer does (with {@code
 * standard_conforming_strings = on}, its default): a {@code ;} inside a string, a quoted
 * identifier, a comment or a dollar-quoted body does not end a statement.
 *
 * <p>What it knows of the lexer ({@code scan.l}):
 *
 * <ul>
 *   <li>strings {@code '...'} (a doubled quote is a quote; a backslash is an ordinary character),
 *       with the prefixes {@code E} (backslash escapes: {@code E'\''} is one quote), {@code B},
 *       {@code X}, {@code N} and {@code U&} ({@code U&'...' UESCAPE '!'}: the escape character
 *       never ends the string); a prefix counts only as a whole word ({@code abe'x'} is the
 *       identifier {@code abe} and a plain string);
 *   <li>quoted identifiers {@code "..."} and {@code U&"..."} (a doubled quote is a quote);
 *   <li>identifiers, in which {@code $} and any non-ASCII character may follow the first character
 *       ({@code a$b}, {@code a$1$} and {@code ×$$} are identifiers, not dollar quotes);
 *   <li>dollar quotes {@code $$...$$} and {@code $tag$...$tag$} (a tag is an identifier without
 *       {@code $}; {@code $1} is a parameter);
 *   <li>comments {@code --} to the end of the line ({@code \n} or {@code \r}) and {@code /* ...
 *       *}{@code /}, which nest;
 *   <li>an unterminated string, identifier, dollar quote or comment runs to the end of the text
 *       (PostgreSQL refuses it; here it simply hides any later {@code ;}).
 * </ul>
 *
 * A {@code ;} anywhere else ends a statement, inside parentheses too (PostgreSQL's grammar splits
 * there and then fails on the unbalanced parenthesis).
 *
 * <p>This is the friendly first wall (lint, and a refusal before anything is sent), not the guard
 * itself: the worker does not rely on it being right (see {@code SqlSource} and {@code
 * docs/sql-checks.md}).
 */
public final class SqlStatements {
  private SqlStatements() {}

  /**
   * The number of non-empty statements in {@code sql}: those holding more than blanks and comments.
   */
  public static int count(String sql) {
    return lex(sql).statements();
  }

  /**
   * {@code sql} without the semicolons that end its last statement ({@code "SELECT 1; -- done"}
   * becomes {@code "SELECT 1 -- done"}), so that it can be placed inside parentheses. Each removed
   * {@code ;} becomes a blank, so positions in PostgreSQL's messages still match the text as
   * written. Other semicolons are kept.
   */
  public static String withoutTrailingSemicolons(String sql) {
    Lexed lexed = lex(sql);
    char[] chars = sql.toCharArray();
    for (int at : lexed.semicolons()) {
      if (at > lexed.lastContent()) {
        chars[at] = ' ';
      }
    }
    return new String(chars);
  }

  /**
   * The first word of {@code sql} in upper case, past blanks, comments and opening parentheses
   * (what kind of statement it is: {@code SELECT}, {@code WITH}, {@code COPY} ...).
   */
  public static String firstKeyword(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (c == '-' && next == '-') {
        i = lineCommentEnd(sql, i);
      } else if (c == '/' && next == '*') {
        i = blockCommentEnd(sql, i);
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

  /**
   * Where the lexer found top-level semicolons, where the last token that is not a comment ends.
   */
  private record Lexed(int statements, List<Integer> semicolons, int lastContent) {}

  private static Lexed lex(String sql) {
    int n = sql.length();
    int statements = 0;
    boolean content = false;
    int lastContent = -1;
    List<Integer> semicolons = new ArrayList<>();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      int end;
      if (isBlank(c)) {
        i++;
        continue;
      } else if (c == '-' && next == '-') {
        i = lineCommentEnd(sql, i);
        continue;
      } else if (c == '/' && next == '*') {
        i = blockCommentEnd(sql, i);
        continue;
      } else if (c == ';') {
        semicolons.add(i);
        if (content) {
          statements++;
        }
        content = false;
        i++;
        continue;
      } else if (c == '\'') {
        end = quotedEnd(sql, i, '\'', false);
      } else if (c == '"') {
        end = quotedEnd(sql, i, '"', false);
      } else if (c == '$') {
        end = dollarEnd(sql, i);
      } else if (isIdentStart(c)) {
        end = identifierOrPrefixedEnd(sql, i);
      } else if (isDigit(c)) {
        end = i + 1;
        // A number and any junk stuck to it (1e5, 0x1F, 1_000; PostgreSQL refuses 123abc): one
        // token, but never a $, which may start a dollar quote right after a number.
        while (end < n
            && ((isIdentCont(sql.charAt(end)) && sql.charAt(end) != '$')
                || sql.charAt(end) == '.')) {
          end++;
        }
      } else {
        end = i + 1; // an operator character or punctuation
      }
      content = true;
      lastContent = end - 1;
      i = end;
    }
    return new Lexed(content ? statements + 1 : statements, List.copyOf(semicolons), lastContent);
  }

  /** The end of an identifier, or of the string or quoted identifier a one-word prefix opens. */
  static int identifierOrPrefixedEnd(String sql, int start) {
    int n = sql.length();
    int end = start + 1;
    while (end < n && isIdentCont(sql.charAt(end))) {
      end++;
    }
    if (end - start == 1 && end < n) {
      char prefix = Character.toUpperCase(sql.charAt(start));
      char after = sql.charAt(end);
      if (after == '\'' && (prefix == 'E' || prefix == 'B' || prefix == 'X' || prefix == 'N')) {
        return quotedEnd(sql, end, '\'', prefix == 'E');
      }
      if (prefix == 'U'
          && after == '&'
          && end + 1 < n
          && (sql.charAt(end + 1) == '\'' || sql.charAt(end + 1) == '"')) {
        return quotedEnd(sql, end + 1, sql.charAt(end + 1), false);
      }
    }
    return end;
  }

  /**
   * The end (exclusive) of the string or quoted identifier opening at {@code start}: a doubled
   * quote is a quote; with {@code backslashEscapes} ({@code E'...'}) a backslash escapes the
   * character after it.
   */
  static int quotedEnd(String sql, int start, char quote, boolean backslashEscapes) {
    int n = sql.length();
    int i = start + 1;
    while (i < n) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < n && sql.charAt(i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /**
   * The end of the dollar quote opening at {@code start}, or just past the {@code $} when none
   * opens there.
   */
  static int dollarEnd(String sql, int start) {
    int n = sql.length();
    int j = start + 1;
    if (j < n && isIdentStart(sql.charAt(j))) {
      j++;
      while (j < n && isIdentCont(sql.charAt(j)) && sql.charAt(j) != '$') {
        j++;
      }
    }
    if (j < n && sql.charAt(j) == '$') {
      String tag = sql.substring(start, j + 1);
      int close = sql.indexOf(tag, j + 1);
      return close < 0 ? n : close + tag.length();
    }
    // Not a dollar quote: a parameter ($1) or a stray $; its digits are read as a number next.
    return start + 1;
  }

  static int lineCommentEnd(String sql, int start) {
    int i = start + 2;
    while (i < sql.length() && sql.charAt(i) != '\n' && sql.charAt(i) != '\r') {
      i++;
    }
    return i;
  }

  /**
   * The end of a block comment, nested ones included: {@code /*} opens a level, {@code *}{@code /}
   * closes one.
   */
  static int blockCommentEnd(String sql, int start) {
    int n = sql.length();
    int depth = 1;
    int i = start + 2;
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
    return i;
  }

  /**
   * The count as the first release made it, which did not know escape strings, {@code $} inside
   * identifiers or carriage returns ending a comment. Plans of cutovers started before {@code
   * HARDENED} rules are re-read by it on every replay, so that a plan valid when its cutover
   * started stays valid; the worker itself holds every query to the walls in {@code SqlSource}.
   */
  static int countAsFirstReleased(String sql) {
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
        i = quotedEnd(sql, i, c, false);
      } else if (c == '$' && firstReleaseTag(sql, i) != null) {
        content = true;
        String tag = firstReleaseTag(sql, i);
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

  /**
   * {@code $tag$} or {@code $$} at {@code i} as the first release read it (anywhere, even inside a
   * word).
   */
  private static String firstReleaseTag(String sql, int i) {
    int j = i + 1;
    while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
      j++;
    }
    if (j < sql.length() && sql.charAt(j) == '$') {
      String tag = sql.substring(i, j + 1);
      if (tag.length() > 2 && Character.isDigit(tag.charAt(1))) {
        return null;
      }
      return tag;
    }
    return null;
  }

  /** PostgreSQL's blanks: space, tab, newline, carriage return, form feed, vertical tab. */
  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b';
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * {@code [A-Za-z_]} or any non-ASCII character (PostgreSQL's {@code ident_start}, bytes
   * \200-\377).
   */
  static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  /** {@code ident_start}, digits and {@code $}. */
  static boolean isIdentCont(char c) {
    return isIdentStart(c) || isDigit(c) || c == '$';
  }
}
