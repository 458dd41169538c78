package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SqlStatementsTest {
  static Stream<Arguments> statements() {
    return Stream.of(
        // plain
        Arguments.of("SELECT 1", 1),
        Arguments.of("SELECT 1;", 1),
        Arguments.of("SELECT 1;;  ;", 1),
        Arguments.of("  ;  ", 0),
        Arguments.of("-- only a comment", 0),
        Arguments.of("/* only a comment */ ;", 0),
        Arguments.of("SELECT 1; SELECT 2", 2),
        Arguments.of("COMMIT; DELETE FROM t", 2),
        Arguments.of(";SELECT 1", 1),
        // strings
        Arguments.of("SELECT ';'", 1),
        Arguments.of("SELECT 'it''s;'", 1),
        Arguments.of(
            "SELECT '\\'; DELETE FROM t", 2), // a backslash is ordinary in a standard string
        Arguments.of("SELECT 'a' 'b'; SELECT 2", 2),
        // escape strings: the example and its relatives
        Arguments.of(
            "SELECT 1 AS value, E'\\'' ; COMMIT; BEGIN READ WRITE; DELETE FROM t WHERE id = 2; COMMIT; "
                + "SELECT 1 AS value -- '",
            6),
        Arguments.of("SELECT e'\\''; DELETE FROM t", 2),
        Arguments.of("SELECT E'\\\\'; DELETE FROM t", 2),
        Arguments.of("SELECT E'\\\\\\''; DELETE FROM t; SELECT '", 3),
        Arguments.of("SELECT E'a''b;c'", 1),
        Arguments.of("SELECT (E'\\'');DELETE FROM t", 2),
        Arguments.of(
            "SELECT abe'\\'; DELETE FROM t", 2), // abe is an identifier, then a standard string
        Arguments.of("SELECT xe'x'; SELECT 2", 2),
        // other prefixes
        Arguments.of("SELECT B'1010'; SELECT X'1F'", 2),
        Arguments.of("SELECT N'a;b'", 1),
        Arguments.of("SELECT n'a''b'; SELECT 2", 2),
        Arguments.of("SELECT U&'\\0027;' AS value", 1),
        Arguments.of("SELECT U&'\\'; DELETE FROM t; SELECT '", 3),
        Arguments.of("SELECT U&'d!0061t!+000061;' UESCAPE '!'", 1),
        Arguments.of("SELECT u&'x'; SELECT 2", 2),
        Arguments.of("SELECT U&\"d;\" FROM t", 1),
        Arguments.of("SELECT U&\"a\"\";b\" FROM t", 1),
        // quoted identifiers
        Arguments.of("SELECT \"a;b\" FROM t", 1),
        Arguments.of("SELECT \"a\"\";\" FROM t; SELECT 2", 2),
        // identifiers containing $
        Arguments.of("SELECT 1 AS a$b; DELETE FROM t; SELECT 2 AS a$b", 3),
        Arguments.of("SELECT 1 AS a$1$; DELETE FROM t; SELECT $1$", 3),
        Arguments.of("SELECT 1 AS a$$; DELETE FROM t; SELECT 2 AS a$$", 3),
        Arguments.of("SELECT 1 AS \u00d7$$; DELETE FROM t; SELECT 2 AS \u00d7$$", 3),
        Arguments.of("SELECT 1 AS \u00e9$x$; DELETE FROM t; SELECT 2 AS \u00e9$x$", 3),
        // dollar quotes
        Arguments.of("SELECT $$;$$", 1),
        Arguments.of("SELECT $tag$ ; $tag$", 1),
        Arguments.of("SELECT $a$ $b$ ; $a$", 1),
        Arguments.of("SELECT $_x1$;$_x1$", 1),
        Arguments.of("SELECT $\u00e9$;$\u00e9$", 1),
        Arguments.of("SELECT 1$a$;$a$", 1), // after a number, $a$ opens a dollar quote
        Arguments.of("SELECT $1; SELECT $2", 2),
        Arguments.of("SELECT $1$; DELETE FROM t", 2), // $1 is a parameter, never a tag
        Arguments.of("SELECT $a$;", 1), // unterminated: runs to the end
        // comments
        Arguments.of("SELECT 1 -- ; DELETE", 1),
        Arguments.of("SELECT 1 --\r; DELETE FROM t", 2), // a carriage return ends a line comment
        Arguments.of("SELECT 1 /* ; */", 1),
        Arguments.of("SELECT 1 /* /* */ ; */", 1),
        Arguments.of("SELECT 1 /* /* */ */ ; DELETE FROM t", 2),
        Arguments.of(
            "SELECT 1 /*/ ; DELETE FROM t; */", 1), // /*/ opens a comment and closes nothing
        Arguments.of("SELECT 1 /*/**/ ; */ ; DELETE FROM t", 2),
        Arguments.of("SELECT 1 /**/; DELETE FROM t", 2),
        Arguments.of("SELECT 1 -/* ; */- 1", 1),
        Arguments.of("SELECT '/*'; SELECT '*/'", 2),
        Arguments.of("SELECT '--'; SELECT 2", 2),
        // semicolons in odd places
        Arguments.of("SELECT (1; 2)", 2),
        Arguments.of("SELECT 1 FROM t WHERE a = 'x';\tDELETE FROM t", 2),
        Arguments.of("SELECT 1\u000b;\u000bSELECT 2", 2),
        Arguments.of("SELECT count(*)::int;SELECT 2", 2),
        Arguments.of("SELECT '{\"a\": 1}'::jsonb ? 'a'; SELECT 2", 2));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("statements")
  void countsStatementsAsPostgresSplitsThem(String sql, int count) {
    assertThat(SqlStatements.count(sql)).isEqualTo(count);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT 1|1",
        "SELECT 1;|1",
        "SELECT 1; SELECT 2|2",
        "SELECT ';'|1",
        "SELECT 1 -- ; DELETE|1",
        "SELECT 1 /* ; */|1",
        "SELECT $$;$$|1",
        "SELECT $tag$ ; $tag$|1",
        "SELECT \"a;b\" FROM t|1",
        "COMMIT; DELETE FROM t|2",
        "SELECT 'it''s;'|1",
        "  ;  |0",
        // What it got wrong, kept so that plans of cutovers started before HARDENED read as they
        // did.
        "SELECT E'\\'' ; DELETE FROM t -- '|1",
        "SELECT 1 AS a$b$, 2; DELETE FROM t; SELECT 1 AS c$b$|1"
      })
  void theFirstReleasesCountIsKeptForOlderPlans(String sql, int count) {
    assertThat(SqlStatements.countAsFirstReleased(sql)).isEqualTo(count);
  }

  static Stream<Arguments> trailing() {
    return Stream.of(
        Arguments.of("SELECT 1", "SELECT 1"),
        Arguments.of("SELECT 1;", "SELECT 1 "),
        Arguments.of("SELECT 1 ; ;\n", "SELECT 1    \n"),
        Arguments.of("SELECT 1; -- done", "SELECT 1  -- done"),
        Arguments.of("SELECT 1; /* ; */", "SELECT 1  /* ; */"),
        Arguments.of("SELECT ';'", "SELECT ';'"),
        Arguments.of("SELECT 1; SELECT 2;", "SELECT 1; SELECT 2 "),
        Arguments.of("SELECT $$;$$;", "SELECT $$;$$ "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("trailing")
  void dropsOnlyTheSemicolonsThatEndTheLastStatement(String sql, String expected) {
    assertThat(SqlStatements.withoutTrailingSemicolons(sql)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void theFirstKeywordIsFoundPastBlanksCommentsAndParentheses() {
    assertThat(SqlStatements.firstKeyword("SELECT 1")).isEqualTo("SELECT");
    assertThat(SqlStatements.firstKeyword("  (( with x AS (SELECT 1) SELECT * FROM x"))
        .isEqualTo("WITH");
    assertThat(SqlStatements.firstKeyword("-- why\nvalues (1)")).isEqualTo("VALUES");
    // PostgreSQL ends a -- comment at a carriage return too: what follows it is the statement.
    assertThat(SqlStatements.firstKeyword("-- looks harmless\rCOPY t TO PROGRAM 'x'"))
        .isEqualTo("COPY");
    assertThat(SqlStatements.firstKeyword("/* a /* nested */ comment */ table t"))
        .isEqualTo("TABLE");
    assertThat(SqlStatements.firstKeyword("/* never closed SELECT")).isEmpty();
    assertThat(SqlStatements.firstKeyword("")).isEmpty();
    assertThat(SqlStatements.firstKeyword("  ;")).isEmpty();
  }
}
