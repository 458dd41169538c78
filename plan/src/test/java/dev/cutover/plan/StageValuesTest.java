package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pieces of stage baselines without a plan: relative comparisons, SQL named parameters and
 * Prometheus stage placeholders.
 */
class StageValuesTest {

  @ParameterizedTest(name = "\"{0}\" against {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "<= 1.5 * baseline|0.02|<= 1.5 * baseline|<= 0.03",
        "<=1.5*baseline|0.02|<= 1.5 * baseline|<= 0.03",
        ">= baseline - 0.05|0.99|>= baseline - 0.05|>= 0.94",
        "< 2 * baseline + 10|100|< 2 * baseline + 10|< 210",
        "== baseline|7|== baseline|== 7",
        "!= 0.5 * baseline - 1|4|!= 0.5 * baseline - 1|!= 1",
      })
  void readsARelativeConditionAndResolvesItAgainstTheBaseline(
      String text, double baseline, String written, String resolved) {
    Comparison c = Comparison.parse(text).orElseThrow();
    assertThat(c.usesBaseline()).isTrue();
    assertThat(c.toString()).isEqualTo(written);
    assertThat(c.against(baseline).toString()).isEqualTo(resolved);
    assertThat(Comparison.parse(written)).contains(c);
  }

  @Test
  void aRelativeConditionWithoutItsBaselineNeverPasses() {
    Comparison c = Comparison.parse("<= 1.5 * baseline").orElseThrow();
    assertThat(c.test(0)).isFalse();
    assertThat(c.against(0.02).test(0.03)).isTrue();
    assertThat(c.against(0.02).test(0.0301)).isFalse();
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "between baseline and 5",
        "<= baseline *1.5",
        "<= 1.5 * baselines",
        "<= 1.5 x baseline",
        "<= baseline + ",
        "<= -baseline",
        "baseline",
      })
  void refusesWhatIsNotARelativeCondition(String text) {
    assertThat(Comparison.parse(text)).isEmpty();
  }

  /** SQL as written, as sent, and the parameters bound in order. */
  private record BindCase(String sql, String sent, List<String> names) {}

  @Test
  void bindsTheNamedParametersOnlyWhereTheyAreParametersAndEscapesOtherQuestionMarks() {
    List<BindCase> cases =
        List.of(
            new BindCase(
                "SELECT 1 WHERE at >= :stage_start",
                "SELECT 1 WHERE at >= ?",
                List.of("stage_start")),
            new BindCase(
                "SELECT :baseline * 1.5, :stage_start::date",
                "SELECT ? * 1.5, ?::date",
                List.of("baseline", "stage_start")),
            new BindCase(
                "SELECT ':stage_start', \":baseline\" FROM t WHERE a = :stage_start",
                "SELECT ':stage_start', \":baseline\" FROM t WHERE a = ?",
                List.of("stage_start")),
            new BindCase(
                "SELECT $$ :baseline $$, $x$ :baseline $x$ -- :baseline\nWHERE b > :baseline",
                "SELECT $$ :baseline $$, $x$ :baseline $x$ -- :baseline\nWHERE b > ?",
                List.of("baseline")),
            new BindCase(
                "SELECT /* :baseline /* nested */ :baseline */ x::baseline, :baseline",
                "SELECT /* :baseline /* nested */ :baseline */ x::baseline, ?",
                List.of("baseline")),
            new BindCase(
                "SELECT doc ? 'k', :baseline FROM t",
                "SELECT doc ?? 'k', ? FROM t",
                List.of("baseline")),
            new BindCase(
                "SELECT E'\\' :baseline', :baseline",
                "SELECT E'\\' :baseline', ?",
                List.of("baseline")),
            new BindCase(
                "SELECT :stage_starts, :other, :baseline_x",
                "SELECT :stage_starts, :other, :baseline_x",
                List.of()));
    for (BindCase c : cases) {
      assertThat(SqlParameters.bind(c.sql()))
          .as(c.sql())
          .isEqualTo(new SqlParameters.Bound(c.sent(), c.names()));
    }
  }

  @Test
  void aQueryWithoutParametersIsSentExactlyAsWrittenQuestionMarksIncluded() {
    String sql = "SELECT count(*) FROM t WHERE doc ? 'k' AND doc ?| array['a']";
    assertThat(SqlParameters.bind(sql)).isEqualTo(new SqlParameters.Bound(sql, List.of()));
  }

  @Test
  void fillsPrometheusStagePlaceholdersWithNumbersItFormats() {
    CheckContext c = new CheckContext(1_700_000_000_123L, 0.00012);
    String q =
        "rate(errors[${stage_age}] @ ${stage_start}) > ${baseline} * 1.5 or ${other} ${env:X}";
    assertThat(StagePlaceholders.problem(q, c)).isNull();
    assertThat(StagePlaceholders.fill(q, c, 1_700_003_600_999L))
        .isEqualTo("rate(errors[3600s] @ 1700000000.123) > 0.00012 * 1.5 or ${other} ${env:X}");
  }

  @Test
  void aPlaceholderWithoutItsValueIsAProblemNamingIt() {
    assertThat(StagePlaceholders.problem("x[${stage_age}]", CheckContext.NONE))
        .isEqualTo("${stage_age} has no value yet (no stage has started)");
    assertThat(StagePlaceholders.problem("x > ${baseline}", new CheckContext(1L, null)))
        .isEqualTo("${baseline} has no value yet (no stage baseline captured)");
    assertThat(StagePlaceholders.uses("up == 1")).isFalse();
  }
}
