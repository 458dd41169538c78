package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PrimitivesTest {
  @ParameterizedTest
  @CsvSource({"90s,90", "30m,1800", "24h,86400", "7d,604800", "1h30m,5400", "2w,1209600", "0,0"})
  void durationsReadAsOperatorsWriteThem(String text, long seconds) {
    assertThat(Durations.parse(text)).contains(Duration.ofSeconds(seconds));
    assertThat(Durations.parse(Durations.format(Duration.ofSeconds(seconds))))
        .contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource({"24 hours", "1.5h", "h", "-5m", "5", "''", "1y"})
  void durationsRejectWhatIsNotOne(String text) {
    assertThat(Durations.parse(text)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"1ms,1", "1m1ms,60001", "007s,7000", "1h1h,7200000", "3652500d,315576000000000"})
  void durationsKeepMillisecondsAndReachTenThousandYears(String text, long millis) {
    assertThat(Durations.parse(text)).contains(Duration.ofMillis(millis));
    assertThat(Durations.isTooLong(text)).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "3652501d",
    "1000000000000d",
    "99999999999999999999999w",
    "1000000000000000ms",
    "9223372036854775807s1s",
    "3652500d1ms"
  })
  void durationsPastTenThousandYearsAreTooLongNotAnOverflow(String text) {
    assertThat(Durations.parse(text)).isEmpty();
    assertThat(Durations.isTooLong(text)).isTrue();
    assertThat(Durations.isTooLong(text.replace("d", "x").replace("w", "x").replace("s", "x")))
        .isFalse();
  }

  @Test
  void anyDurationFormatsWithoutOverflowing() {
    assertThat(Durations.format(Durations.MAX)).isEqualTo("3652500d");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE)))
        .isEqualTo("106751991167300d15h30m7s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1s500ms");
    assertThat(Durations.format(Duration.ofSeconds(Long.MIN_VALUE)))
        .isEqualTo("PT-2562047788015215H-30M-8S");
    assertThat(Durations.parse("1s".repeat(100_000))).contains(Duration.ofSeconds(100_000));
  }

  @Test
  void sharedSyntaxRulesNameWhatIsWrong() {
    assertThat(PlanSyntax.httpUrlProblem("https://[2001:db8::1]:8443/x")).isNull();
    assertThat(PlanSyntax.httpUrlProblem("https://${env:HOST}:${env:PORT}/x?y=${percent}"))
        .isNull();
    assertThat(PlanSyntax.httpUrlProblem("http://10.0.0.1:8080")).isNull();
    assertThat(PlanSyntax.httpUrlProblem("https://a.b:0/"))
        .isEqualTo("the port is not a number from 1 to 65535");
    assertThat(PlanSyntax.httpUrlProblem("https://a.b:/"))
        .isEqualTo("the port is not a number from 1 to 65535");
    assertThat(PlanSyntax.httpUrlProblem("https://[1:2]/"))
        .isEqualTo("the host is not an IPv6 address");
    assertThat(PlanSyntax.httpUrlProblem("https://" + "a".repeat(64) + ".b/"))
        .isEqualTo("a label of the host name is longer than 63 characters");
    assertThat(PlanSyntax.programProblem("/usr/local/bin/sync")).isNull();
    assertThat(PlanSyntax.programProblem("../sync")).startsWith("not a program name or path");
    assertThat(PlanSyntax.nginxKeyProblem("${cookie_session}")).isNull();
    assertThat(PlanSyntax.nginxKeyProblem("$a b")).isNotNull();
    assertThat(PlanSyntax.nginxFileProblem("/etc/nginx/split.conf\n")).isNotNull();
    assertThat(PlanSyntax.nginxFileProblem("/etc/nginx/split.conf")).isNull();
    assertThat(PlanSyntax.headerValueProblem("Bearer ${env:T}\t")).isNull();
  }

  @Test
  void jsonPathsReadOneValue() throws Exception {
    var node = new ObjectMapper().readTree("{\"a\":{\"b\":[{\"c\":5}]},\"d-e\":true}");
    assertThat(JsonPaths.read(node, "$.a.b[0].c").asInt()).isEqualTo(5);
    assertThat(JsonPaths.read(node, "$['d-e']").asBoolean()).isTrue();
    assertThat(JsonPaths.read(node, "$.a.x").isMissingNode()).isTrue();
    assertThat(JsonPaths.isValid("$.a[?(@.x =~ /a.*/)]")).isFalse();
    assertThat(JsonPaths.isValid("a.b")).isFalse();
    assertThat(JsonPaths.isValid("$.a[2147483647]")).isTrue();
    assertThat(JsonPaths.isValid("$.a[2147483648]")).isFalse();
    assertThat(JsonPaths.isValid("$.a[" + "9".repeat(1000) + "]")).isFalse();
    assertThat(
            JsonPaths.sameValue(
                new ObjectMapper().readTree("10.0"), new ObjectMapper().readTree("10")))
        .isTrue();
  }

  static Stream<Arguments> windows() {
    String w = "Mon-Thu 09:00-16:00 Europe/Berlin";
    return Stream.of(
        Arguments.of(w, "2026-11-23T08:00:00Z", true, "2026-11-23T08:00:00Z"), // Mon 09:00 Berlin
        Arguments.of(w, "2026-11-23T07:59:59Z", false, "2026-11-23T08:00:00Z"),
        Arguments.of(w, "2026-11-23T15:00:00Z", false, "2026-11-24T08:00:00Z"), // Mon 16:00: closed
        Arguments.of(w, "2026-11-27T10:00:00Z", false, "2026-11-30T08:00:00Z"), // Fri: next Monday
        Arguments.of(
            "Fri 22:00-02:00 UTC",
            "2026-11-28T01:00:00Z",
            true,
            "2026-11-28T01:00:00Z"), // Sat 01:00 is Fri's night
        Arguments.of("Fri 22:00-02:00 UTC", "2026-11-28T03:00:00Z", false, "2026-12-04T22:00:00Z"),
        Arguments.of(
            "daily 00:00-23:59 UTC", "2026-11-28T12:00:00Z", true, "2026-11-28T12:00:00Z"));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @MethodSource("windows")
  void windowsOpenAndCloseOnTheirOwnClock(String text, String at, boolean open, String next) {
    Window window = Window.parse(text).window();
    assertThat(window.isOpen(Instant.parse(at))).isEqualTo(open);
    assertThat(window.nextOpening(Instant.parse(at))).isEqualTo(Instant.parse(next));
  }

  @Test
  void windowDaysAcceptRangesListsAndDaily() {
    assertThat(Window.parse("Mon,Wed 09:00-10:00 UTC").window().days())
        .containsExactlyInAnyOrder(DayOfWeek.MONDAY, DayOfWeek.WEDNESDAY);
    assertThat(Window.parse("Sat-Mon 09:00-10:00 UTC").window().days()).hasSize(3);
    assertThat(Window.parse("Funday 09:00-10:00 UTC").error()).contains("is not a set of days");
    assertThat(Window.parse("Mon 09:00-10:00 Mars/Olympus").error()).contains("is not a time zone");
  }

  @Test
  void httpTargetsAreAbsoluteOrRelativeToAConnection() {
    HttpCall rel = HttpCall.parse("PUT flags:/api/flags/x").orElseThrow();
    assertThat(rel.connection()).contains("flags");
    assertThat(rel.path()).isEqualTo("/api/flags/x");
    HttpCall abs = HttpCall.parse("GET https://host:8443/health").orElseThrow();
    assertThat(abs.connection()).isEmpty();
    assertThat(HttpCall.parse("FETCH /x")).isEmpty();
  }
}
