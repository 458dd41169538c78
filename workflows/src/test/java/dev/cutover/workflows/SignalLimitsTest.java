package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SignalLimitsTest {
  static SignalPayload p(String stage, String by, String comment, String reason, String check) {
    return new SignalPayload(stage, by, comment, reason, check);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of(
            p(null, "a".repeat(101), null, null, null),
            "?",
            "by is 101 characters long; at most 100 are read"),
        Arguments.of(
            p(null, "alice\n", null, null, null), "?", "by \"alice\\n\" holds control characters"),
        Arguments.of(
            p(null, "ali\u200Bce", null, null, null),
            "?",
            "by \"ali\\u200bce\" holds control characters"),
        Arguments.of(
            p(null, "\u202Eecila", null, null, null),
            "?",
            "by \"\\u202eecila\" holds control characters"),
        Arguments.of(
            p("c".repeat(64), "bob", null, null, null),
            "bob",
            "stage is 64 characters long; at most 63 are read"),
        Arguments.of(
            p("canary\r", "bob", null, null, null),
            "bob",
            "stage \"canary\\r\" holds control characters"),
        Arguments.of(
            p(null, "bob", null, null, "e".repeat(129)),
            "bob",
            "check is 129 characters long; at most 128 are read"),
        Arguments.of(
            new SignalPayload("canary", "bob", null, null, null, "2026-01-01T00:00:00Z\n", "sig"),
            "bob",
            "signedAt \"2026-01-01T00:00:00Z\\n\" holds control characters"),
        Arguments.of(
            new SignalPayload("canary", "bob", null, null, null, "t", "s".repeat(201)),
            "bob",
            "signature is 201 characters long; at most 200 are read"),
        Arguments.of(
            SignalPayload.confirming("t".repeat(64), "bob", null),
            "bob",
            "task is 64 characters long; at most 63 are read"),
        Arguments.of(
            SignalPayload.confirming("dns\u2028ttl", "bob", null),
            "bob",
            "task \"dns\\u2028ttl\" holds control characters"));
  }

  @ParameterizedTest
  @MethodSource("refused")
  void aNameTooLongOrHoldingControlCharactersRefusesTheSignal(
      SignalPayload payload, String by, String why) {
    SignalLimits.Checked c = SignalLimits.check(payload);
    assertThat(c.refusal()).isEqualTo(why);
    assertThat(c.by()).isEqualTo(by);
    assertThat(c.payload()).isNull();
  }

  @Test
  void freeTextLosesControlCharactersAndIsCutWithAMarker() {
    String reason =
        "p95 up\n  Jan 1 12:00:00  alice     approved stage full\u202e" + "x".repeat(1_048_576);
    SignalLimits.Checked c = SignalLimits.check(p(null, " bob ", "fine\r\nby me", reason, null));
    assertThat(c.refusal()).isNull();
    assertThat(c.by()).isEqualTo("bob");
    assertThat(c.payload().comment()).isEqualTo("fine  by me");
    assertThat(c.payload().reason())
        .startsWith("p95 up   Jan 1 12:00:00  alice     approved stage full xxx")
        .endsWith("x [... " + (reason.length() - 1_000) + " more characters cut]")
        .hasSize(1_000 + (" [... " + (reason.length() - 1_000) + " more characters cut]").length());
    assertThat(c.payload().reason()).doesNotContain("\n", "\u202e");
  }

  @Test
  void cuttingNeverSplitsASurrogatePair() {
    String text = "a".repeat(999) + "\uD83D\uDE00" + "tail";
    assertThat(UntrustedText.clean(text, 1_000))
        .isEqualTo("a".repeat(999) + " [... 6 more characters cut]");
    assertThat(UntrustedText.clean("\uD800 lone", 10)).isEqualTo("  lone");
  }

  @Test
  void aSignalWithinBoundsIsHandedOverAsSent() {
    SignalPayload sent =
        new SignalPayload(
            "canary", "alice", "graphs are flat", "ok", null, "2026-01-01T00:00:00Z", "c2ln");
    SignalLimits.Checked c = SignalLimits.check(sent);
    assertThat(c.refusal()).isNull();
    assertThat(c.payload())
        .isEqualTo(
            new SignalPayload(
                "canary", "alice", "graphs are flat", "ok", null, "2026-01-01T00:00:00Z", "c2ln"));
  }

  static Stream<Arguments> invalidOperations() {
    return Stream.of(
        Arguments.of(
            new Operation("explode", p(null, "bob", null, null, null)),
            "\"explode\" is not a signal: one of [approve, abort, pause, resume, promote, acknowledge, retry, abandon, confirm]"),
        Arguments.of(
            new Operation(null, p(null, "bob", null, null, null)),
            "an operation names a signal: one of [approve, abort, pause, resume, promote, acknowledge, retry, abandon, confirm]"),
        Arguments.of(new Operation("pause", null), "say who you are (by is required)"),
        Arguments.of(
            new Operation("pause", p(null, " ", null, null, null)),
            "say who you are (by is required)"),
        Arguments.of(
            new Operation("pause", p(null, "bob\n", null, null, null)),
            "by \"bob\\n\" holds control characters"),
        Arguments.of(
            new Operation("pause", p(null, "bob", null, "r".repeat(1_001), null)),
            "reason is 1001 characters long; at most 1000 are kept"),
        Arguments.of(
            new Operation("approve", p("canary", "bob", "c".repeat(5_000), null, null)),
            "comment is 5000 characters long; at most 1000 are kept"),
        Arguments.of(
            new Operation("approve", p("x".repeat(70), "bob", null, null, null)),
            "stage is 70 characters long; at most 63 are read"));
  }

  @ParameterizedTest
  @MethodSource("invalidOperations")
  void theUpdateValidatorRefusesMalformedAndOversizedOperations(Operation op, String message) {
    assertThatThrownBy(() -> SignalLimits.validate(op))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void visibleTextShowsEveryControlCharacterAsAnEscape() {
    assertThat(UntrustedText.visible("a\nb\tc\u0000d\u202ee\u2028f\uDB40\uDC01"))
        .isEqualTo("a\\nb\\tc\\u0000d\\u202ee\\u2028f\\U000e0001");
    assertThat(UntrustedText.visible("plain: ünïcödé 😀")).isEqualTo("plain: ünïcödé 😀");
  }
}
