package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.engine.Engine;
import dev.cutover.engine.Signal;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SignedSignalsTest {
  static final String WID = "cutover-shop";
  static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  static final KeyPair ALICE = SignedSignals.generate();
  static final KeyPair BOB = SignedSignals.generate();

  static SignalPayload approval() {
    return new SignalPayload("canary", "alice", "dashboards clean", null, null);
  }

  static SignalPayload signed(SignalPayload p, Instant at) {
    return SignedSignals.sign(ALICE.getPrivate(), WID, "approve", p, at);
  }

  static SignatureVerdict verify(List<PublicKey> keys, String wid, String signal, SignalPayload p) {
    return SignedSignals.verify(keys, wid, signal, p, NOW);
  }

  @Test
  void aSignedApprovalVerifiesWithTheSignersKeyAndCarriesWhenItWasSigned() {
    SignalPayload p = signed(approval(), NOW.minusSeconds(30));
    assertThat(p.signedAt()).isEqualTo("2026-03-02T09:59:30Z");
    assertThat(Base64.getDecoder().decode(p.signature())).hasSize(64);
    assertThat(verify(List.of(ALICE.getPublic()), WID, "approve", p))
        .isEqualTo(
            new SignatureVerdict(
                true, "verified with a key the worker's keyring lists for this name"));
    assertThat(verify(List.of(BOB.getPublic(), ALICE.getPublic()), WID, "approve", p).valid())
        .isTrue();
  }

  @Test
  void changingAnySignedFieldOrWhereItIsSentBreaksTheSignature() {
    SignalPayload p = signed(approval(), NOW.minusSeconds(30));
    record Case(String what, String wid, String signal, UnaryOperator<SignalPayload> change) {}
    List<Case> cases =
        List.of(
            new Case(
                "stage",
                WID,
                "approve",
                x -> with(x, "full", x.by(), x.comment(), x.reason(), x.check(), x.signedAt())),
            new Case(
                "by",
                WID,
                "approve",
                x ->
                    with(
                        x, x.stage(), "mallory", x.comment(), x.reason(), x.check(), x.signedAt())),
            new Case(
                "comment",
                WID,
                "approve",
                x -> with(x, x.stage(), x.by(), "lgtm", x.reason(), x.check(), x.signedAt())),
            new Case(
                "comment removed",
                WID,
                "approve",
                x -> with(x, x.stage(), x.by(), null, x.reason(), x.check(), x.signedAt())),
            new Case(
                "reason added",
                WID,
                "approve",
                x -> with(x, x.stage(), x.by(), x.comment(), "r", x.check(), x.signedAt())),
            new Case(
                "reason empty, not absent",
                WID,
                "approve",
                x -> with(x, x.stage(), x.by(), x.comment(), "", x.check(), x.signedAt())),
            new Case(
                "check",
                WID,
                "approve",
                x -> with(x, x.stage(), x.by(), x.comment(), x.reason(), "errors", x.signedAt())),
            new Case(
                "signedAt",
                WID,
                "approve",
                x ->
                    with(
                        x,
                        x.stage(),
                        x.by(),
                        x.comment(),
                        x.reason(),
                        x.check(),
                        "2026-03-02T09:59:31Z")),
            new Case(
                "signedAt, same instant spelled otherwise",
                WID,
                "approve",
                x ->
                    with(
                        x,
                        x.stage(),
                        x.by(),
                        x.comment(),
                        x.reason(),
                        x.check(),
                        "2026-03-02T09:59:30.000Z")),
            new Case("another cutover", "cutover-other", "approve", x -> x),
            new Case("another signal", WID, "promote", x -> x),
            new Case(
                "a field shifted into the next",
                WID,
                "approve",
                x -> with(x, "canaryalice", "", x.comment(), x.reason(), x.check(), x.signedAt())));
    for (Case c : cases) {
      SignatureVerdict v =
          verify(List.of(ALICE.getPublic()), c.wid(), c.signal(), c.change().apply(p));
      assertThat(v.valid()).as(c.what()).isFalse();
      assertThat(v.reason())
          .as(c.what())
          .isEqualTo(
              "the signature does not verify with the keyring's key for this name"
                  + " (another key, cutover or signal, or a changed field)");
    }
  }

  @Test
  void aSignatureFromAnotherKeyDoesNotVerify() {
    SignalPayload p = SignedSignals.sign(BOB.getPrivate(), WID, "approve", approval(), NOW);
    assertThat(verify(List.of(ALICE.getPublic()), WID, "approve", p).reason())
        .isEqualTo(
            "the signature does not verify with the keyring's key for this name (another key, cutover or signal,"
                + " or a changed field)");
    assertThat(verify(List.of(), WID, "approve", p))
        .isEqualTo(
            new SignatureVerdict(false, "the worker's approver keyring has no key for this name"));
  }

  @Test
  void signaturesAreGoodForTenMinutesAndAtMostTwoMinutesAhead() {
    record Case(Duration age, boolean valid, String reason) {}
    List<Case> cases =
        List.of(
            new Case(Duration.ZERO, true, null),
            new Case(Duration.ofMinutes(10), true, null),
            new Case(
                Duration.ofMinutes(10).plusSeconds(1),
                false,
                "signed 10 min 1 s ago; a signature is good for 10 min (sign again)"),
            new Case(
                Duration.ofHours(3),
                false,
                "signed 180 min ago; a signature is good for 10 min (sign again)"),
            new Case(Duration.ofMinutes(-2), true, null),
            new Case(
                Duration.ofMinutes(-2).minusSeconds(1),
                false,
                "signed 2 min 1 s ahead of the worker's clock; clocks may differ by at most 2 min"),
            new Case(
                Duration.ofDays(-365),
                false,
                "signed 525600 min ahead of the worker's clock; clocks may differ by at most 2 min"));
    for (Case c : cases) {
      SignatureVerdict v =
          verify(
              List.of(ALICE.getPublic()), WID, "approve", signed(approval(), NOW.minus(c.age())));
      assertThat(v.valid()).as(c.age().toString()).isEqualTo(c.valid());
      if (!c.valid()) {
        assertThat(v.reason()).as(c.age().toString()).isEqualTo(c.reason());
      }
    }
  }

  @Test
  void malformedSignaturesAreRefusedWithAReasonNeverAnException() {
    SignalPayload good = signed(approval(), NOW);
    record Case(SignalPayload p, String reason) {}
    List<Case> cases =
        List.of(
            new Case(null, "not signed"),
            new Case(approval(), "not signed"),
            new Case(with(good, null, "   "), "not signed"),
            new Case(with(good, null, good.signature()), "signed without signedAt"),
            new Case(
                with(good, "yesterday", good.signature()),
                "signedAt is not an ISO-8601 instant such as 2026-01-31T12:00:00Z"),
            new Case(
                with(good, good.signedAt(), "not base64 at all!"),
                "the signature is not a base64 Ed25519 signature"),
            new Case(
                with(good, good.signedAt(), Base64.getEncoder().encodeToString(new byte[63])),
                "the signature is not a base64 Ed25519 signature"),
            new Case(
                with(good, good.signedAt(), Base64.getEncoder().encodeToString(new byte[64])),
                "the signature does not verify with the keyring's key for this name (another key, cutover or signal, or a"
                    + " changed field)"),
            new Case(
                new SignalPayload(
                    "canary", "alice\uD800", null, null, null, good.signedAt(), good.signature()),
                "a signed field is not valid Unicode"));
    for (Case c : cases) {
      assertThat(verify(List.of(ALICE.getPublic()), WID, "approve", c.p()))
          .as(String.valueOf(c.p()))
          .isEqualTo(new SignatureVerdict(false, c.reason()));
    }
  }

  @Test
  void theCanonicalEncodingFramesEveryFieldAndTellsAbsentFromEmpty() {
    SignalPayload a = new SignalPayload("ab", "c", null, null, null, "t", null);
    SignalPayload b = new SignalPayload("a", "bc", null, null, null, "t", null);
    SignalPayload empty = new SignalPayload("ab", "c", "", null, null, "t", null);
    assertThat(SignedSignals.canonical(WID, "approve", a))
        .isNotEqualTo(SignedSignals.canonical(WID, "approve", b));
    assertThat(SignedSignals.canonical(WID, "approve", a))
        .isNotEqualTo(SignedSignals.canonical(WID, "approve", empty));
    byte[] bytes = SignedSignals.canonical(WID, "approve", a);
    // tag, then the workflow id: presence byte, 4-byte length, UTF-8.
    assertThat(new String(bytes, 5, 17, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(SignedSignals.DOMAIN);
    assertThat(bytes[22]).isEqualTo((byte) 1);
    assertThat(new String(bytes, 27, WID.length(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(WID);
  }

  @Test
  void keysRoundTripThroughTheirTextForms() {
    String pub = SignedSignals.encodePublicKey(ALICE.getPublic());
    assertThat(Base64.getDecoder().decode(pub)).hasSize(32);
    assertThat(SignedSignals.publicKey(pub)).isEqualTo(ALICE.getPublic());
    String x509 = Base64.getEncoder().encodeToString(ALICE.getPublic().getEncoded());
    assertThat(SignedSignals.publicKey(x509)).isEqualTo(ALICE.getPublic());
    assertThat(
            SignedSignals.privateKey(SignedSignals.encodePrivateKey(ALICE.getPrivate()))
                .getEncoded())
        .isEqualTo(ALICE.getPrivate().getEncoded());
    assertThatThrownBy(() -> SignedSignals.publicKey("AAAA"))
        .hasMessage("the public key is not an Ed25519 key (32 bytes, or 44 as X.509; found 3)");
    assertThatThrownBy(() -> SignedSignals.publicKey("%%%"))
        .hasMessage("the public key is not base64");
    assertThatThrownBy(() -> SignedSignals.privateKey(pub))
        .hasMessage("not an Ed25519 private key (base64 of PKCS#8)");
  }

  @Test
  void theEngineIsToldVerifiedForTheSenderWithAFingerprintThatIgnoresHowTheSignatureIsWritten() {
    SignalPayload p = signed(approval(), NOW);
    Signal.Signature s =
        SignedSignals.toSignature(WID, "approve", p, new SignatureVerdict(true, "ok"));
    assertThat(s.status()).isEqualTo(Signal.Signature.Status.VERIFIED);
    assertThat(s.signer()).isEqualTo("alice");
    assertThat(s.signedAt()).isEqualTo(NOW.toEpochMilli());
    SignalPayload respelled = with(p, p.signedAt(), " " + p.signature() + " ");
    assertThat(
            SignedSignals.toSignature(WID, "approve", respelled, new SignatureVerdict(true, "ok"))
                .id())
        .isEqualTo(s.id());
    SignalPayload later = signed(approval(), NOW.plusSeconds(1));
    assertThat(
            SignedSignals.toSignature(WID, "approve", later, new SignatureVerdict(true, "ok")).id())
        .isNotEqualTo(s.id());

    assertThat(
            SignedSignals.toSignature(
                WID, "approve", p, new SignatureVerdict(false, "signed 11 min ago")))
        .isEqualTo(Signal.Signature.invalid("signed 11 min ago"));
    assertThat(SignedSignals.toSignature(WID, "approve", approval(), null))
        .isEqualTo(Signal.Signature.UNSIGNED);
    assertThat(SignedSignals.needsVerification("approve", p)).isTrue();
    assertThat(SignedSignals.needsVerification("abort", p)).isFalse();
    assertThat(SignedSignals.needsVerification("approve", approval())).isFalse();
  }

  @Test
  void theEngineRemembersSignaturesLongerThanTheyVerify() {
    assertThat(Engine.SIGNATURE_MEMORY)
        .isGreaterThan(SignedSignals.MAX_AGE.plus(SignedSignals.MAX_SKEW));
  }

  static SignalPayload with(
      SignalPayload p,
      String stage,
      String by,
      String comment,
      String reason,
      String check,
      String signedAt) {
    return new SignalPayload(stage, by, comment, reason, check, signedAt, p.signature());
  }

  static SignalPayload with(SignalPayload p, String signedAt, String signature) {
    return new SignalPayload(
        p.stage(), p.by(), p.comment(), p.reason(), p.check(), signedAt, signature);
  }
}
