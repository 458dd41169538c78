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
    assertThat(Durations.parse(Durations.format(Duration.ofSeconds(seconds)))).contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource({"24 hours", "1.5h", "h", "-5m", "5", "''", "1y"})
  void durationsRejectWhatIsNotOne(String text) {
    assertThat(Durations.parse(text)).isEmpty();
  }

  @Test
  void jsonPathsReadOneValue() throws Exception {
    var node = new ObjectMapper().readTree("{\"a\":{\"b\":[{\"c\":5}]},\"d-e\":true}");
    assertThat(JsonPaths.read(node, "$.a.b[0].c").asInt()).isEqualTo(5);
    assertThat(JsonPaths.read(node, "$['d-e']").asBoolean()).isTrue();
    assertThat(JsonPaths.read(node, "$.a.x").isMissingNode()).isTrue();
    assertThat(JsonPaths.isValid("$.a[*]")).isFalse();
    assertThat(JsonPaths.isValid("a.b")).isFalse();
    assertThat(JsonPaths.sameValue(new ObjectMapper().readTree("10.0"), new ObjectMapper().readTree("10"))).isTrue();
  }

  static Stream<Arguments> windows() {
    String w = "Mon-Thu 09:00-16:00 Europe/Berlin";
    return Stream.of(
        Arguments.of(w, "2026-11-23T08:00:00Z", true, "2026-11-23T08:00:00Z"),   // Mon 09:00 Berlin
        Arguments.of(w, "2026-11-23T07:59:59Z", false, "2026-11-23T08:00:00Z"),
        Arguments.of(w, "2026-11-23T15:00:00Z", false, "2026-11-24T08:00:00Z"),  // Mon 16:00: closed
        Arguments.of(w, "2026-11-27T10:00:00Z", false, "2026-11-30T08:00:00Z"),  // Fri: next Monday
        Arguments.of("Fri 22:00-02:00 UTC", "2026-11-28T01:00:00Z", true, "2026-11-28T01:00:00Z"), // Sat 01:00 is Fri's night
        Arguments.of("Fri 22:00-02:00 UTC", "2026-11-28T03:00:00Z", false, "2026-12-04T22:00:00Z"),
        Arguments.of("daily 00:00-23:59 UTC", "2026-11-28T12:00:00Z", true, "2026-11-28T12:00:00Z"));
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
    assertThat(Window.parse("Mon,Wed 09:00-10:00 UTC").window().days()).containsExactlyInAnyOrder(DayOfWeek.MONDAY, DayOfWeek.WEDNESDAY);
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
