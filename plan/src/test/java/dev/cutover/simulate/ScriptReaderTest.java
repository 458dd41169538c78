package dev.cutover.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.plan.Comparison;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ScriptReaderTest {
  static Plan plan;

  @BeforeAll
  static void readPlan() throws IOException {
    plan = PlanReader.read(Files.readString(Path.of("..", "examples", "full-pass-v2.yaml")));
  }

  @Test
  void csvAndJsonScriptsReadTheSameValuesAndSignals() {
    Script csv =
        ScriptReader.read(
            plan,
            "s.csv",
            """
            time,check,value
            # comments and blank lines are skipped

            +0,error_rate,0.01
            2026-11-03T21:00:00Z,success_rate,nodata
            +2d,signal:abort,by=bob;reason=p95 up
            """);
    Script json =
        ScriptReader.read(
            plan,
            "s.json",
            """
            {"values": [
              {"at": "+0", "check": "error_rate", "value": 0.01},
              {"at": "2026-11-03T21:00:00Z", "check": "success_rate", "value": "nodata"}
             ],
             "signals": [{"at": "+2d", "signal": "abort", "by": "bob", "reason": "p95 up"}]}
            """);
    for (Script s : List.of(csv, json)) {
      assertThat(s.values())
          .extracting(p -> p.at().resolve(0), Script.Point::check, p -> p.value().toString())
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(0L, "error_rate", "0.01"),
              org.assertj.core.groups.Tuple.tuple(
                  Instant.parse("2026-11-03T21:00:00Z").toEpochMilli(), "success_rate", "nodata"));
      assertThat(s.signals()).hasSize(1);
      assertThat(s.signals().get(0).signal().name()).isEqualTo("abort");
      assertThat(s.signals().get(0).signal().by()).isEqualTo("bob");
      assertThat(s.signals().get(0).signal().reason()).isEqualTo("p95 up");
      assertThat(s.signals().get(0).at().resolve(0)).isEqualTo(2 * 86_400_000L);
      assertThat(s.earliestAbsolute()).contains(Instant.parse("2026-11-03T21:00:00Z"));
    }
    assertThat(json.values().get(1).where()).isEqualTo("s.json:3");
  }

  static Stream<Arguments> badLines() {
    return Stream.of(
        Arguments.of(
            "+1h,error_rate", "s.csv:2: expected time,check,value but found \"+1h,error_rate\""),
        Arguments.of(
            "36h,error_rate,1",
            "s.csv:2: \"36h\" is not a time: write +DURATION after the start (+36h, +2d12h) or an"
                + " ISO-8601 instant (2026-11-01T00:00:00Z)"),
        Arguments.of(
            "+36x,error_rate,1",
            "s.csv:2: \"+36x\" is not a time: write +DURATION (+36h) or ISO-8601"),
        Arguments.of(
            "+1h,eror_rate,1",
            "s.csv:2: no check named \"eror_rate\" in plan full-pass-v2 (its checks: schema_ready,"
                + " success_rate, stuck_imports, error_rate, p95_minutes, in_flight_v2, v1_calls,"
                + " health)"),
        Arguments.of(
            "+1h,error_rate,high",
            "s.csv:2: \"high\" is not a value: write a number, or pass, fail, nodata or error"),
        Arguments.of("+1h,error_rate,NaN", "s.csv:2: \"NaN\" is not a finite number"),
        Arguments.of(
            "+1h,health,200",
            "s.csv:2: check health has no pass condition (its HTTP expectations decide): give"
                + " pass, fail, nodata or error"),
        Arguments.of(
            "+1h,signal:approv,by=alice",
            "s.csv:2: no signal named \"approv\" (the signals are approve, abort, pause, resume,"
                + " promote, acknowledge, retry, abandon, confirm)"),
        Arguments.of(
            "+1h,signal:abort,who=alice",
            "s.csv:2: unknown signal field \"who\" (the fields are by, stage, check, reason,"
                + " comment, task)"),
        Arguments.of(
            "+1h,signal:abort,alice",
            "s.csv:2: signal fields are key=value separated by ';', not \"alice\""),
        Arguments.of(
            "+1h,signal:abort,by=" + "x".repeat(129), "s.csv:2: by is at most 128 characters"),
        Arguments.of(
            "+1h,signal:abort,by=bob;reason=ok\u001b[2Jgone",
            "s.csv:2: reason holds a control character"),
        Arguments.of(
            "+1h,signal:abort,by=bob\u2028alice", "s.csv:2: by holds a control character"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLines")
  void aBadCsvLineIsRefusedNamingTheFileAndLine(String line, String message) {
    assertThatThrownBy(() -> ScriptReader.read(plan, "s.csv", "time,check,value\n" + line + "\n"))
        .isInstanceOf(ScriptException.class)
        .hasMessage(message);
  }

  @Test
  void everyProblemIsListedAndTheListIsBounded() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      b.append("+1h,nope,1\n");
    }
    ScriptException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ScriptException.class, () -> ScriptReader.read(plan, "s.csv", b.toString()));
    assertThat(e.problems()).hasSize(21);
    assertThat(e.problems().get(0)).startsWith("s.csv:1: no check named \"nope\"");
    assertThat(e.problems().get(19)).startsWith("s.csv:20: ");
    assertThat(e.problems().get(20)).isEqualTo("s.csv: and 10 more problems");
  }

  @Test
  void badJsonNamesTheLine() {
    assertThatThrownBy(
            () ->
                ScriptReader.read(
                    plan,
                    "s.json",
                    "{\"values\": [\n {\"at\": \"+1h\", \"check\": \"error_rate\", \"value\": 1},\n"
                        + " {\"at\": \"+2h\", \"check\": \"error_rate\", \"valu\": 1}\n]}"))
        .hasMessage(
            "s.json:3: unknown field \"valu\" (the fields are at, check, value)\n"
                + "s.json:3: value is missing");
    assertThatThrownBy(() -> ScriptReader.read(plan, "s.json", "{\"values\": [\n {\"at\": }\n]}"))
        .hasMessageStartingWith("s.json:2: not valid JSON: ");
    assertThatThrownBy(() -> ScriptReader.read(plan, "s.json", "{\"valeus\": []}"))
        .hasMessage("s.json:1: unknown field \"valeus\" (the fields are values, signals)");
  }

  @ParameterizedTest(name = "{0} passes at {1}, fails at {2}")
  @CsvSource({
    "'< 0.05', 0.025, 1.05",
    "'<= 30', 30, 60",
    "'>= 95', 95, 0",
    "'> 0', 1, -1",
    "'== 4', 4, 5",
    "'!= 0', 1, 0",
    "'between 10 and 20', 10, 30",
    "'< 0', -1, 1",
  })
  void scriptedPassAndFailAreValuesThatMeetAndMissTheCondition(
      String condition, double inside, double outside) {
    Comparison c = Comparison.parse(condition).orElseThrow();
    assertThat(Readings.passingValue(List.of(c))).isEqualTo(inside);
    assertThat(Readings.failingValue(c)).isEqualTo(outside);
    assertThat(c.test(inside)).isTrue();
    assertThat(c.test(outside)).isFalse();
  }

  @Test
  void aPassingValueMeetsEveryConditionAcheckIsJudgedBy() {
    // stuck_imports: "== 0" as a gate, "<= 10" as a watch rule: 0 meets both.
    List<Comparison> both =
        List.of(Comparison.parse("<= 10").orElseThrow(), Comparison.parse("== 0").orElseThrow());
    assertThat(Readings.passingValue(both)).isEqualTo(0);
  }
}
