package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.workflows.AdmitRequest;
import dev.cutover.workflows.SignalPayload;
import dev.cutover.workflows.SignatureRequest;
import dev.cutover.workflows.SignatureVerdict;
import dev.cutover.workflows.SignedSignals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's approver keyring: read from a real file, refused when malformed, re-read for every
 * verification.
 */
class ApproverKeysTest {
  static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final KeyPair ALICE = SignedSignals.generate();
  static final KeyPair ALICE_LAPTOP = SignedSignals.generate();
  static final KeyPair MALLORY = SignedSignals.generate();
  static final String WID = "cutover-shop";

  @TempDir Path dir;

  static String line(String name, KeyPair k) {
    return name + " ed25519 " + SignedSignals.encodePublicKey(k.getPublic());
  }

  Path keyring(String... lines) throws IOException {
    Path f = dir.resolve("approvers");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  ApproverKeys keys(Path file) {
    return Fixtures.settings(Map.of(ApproverKeys.KEYRING_VARIABLE, file.toString()), CLOCK)
        .approverKeys();
  }

  static SignatureRequest approval(KeyPair signer, String by, Instant signedAt) {
    SignalPayload p = new SignalPayload("canary", by, "ok", null, null);
    return new SignatureRequest(
        WID, "approve", SignedSignals.sign(signer.getPrivate(), WID, "approve", p, signedAt));
  }

  @Test
  void aMalformedKeyringStopsTheWorkerNamingTheLine() throws IOException {
    String alice = SignedSignals.encodePublicKey(ALICE.getPublic());
    record Case(List<String> lines, String message) {}
    List<Case> cases =
        List.of(
            new Case(
                List.of("alice ed25519"),
                "line 1: expected \"<name> ed25519 <base64 public key> [comment]\", found 2 fields"),
            new Case(
                List.of("# approvers", "", "alice rsa " + alice),
                "line 3: unknown key type \"rsa\" (only ed25519)"),
            new Case(
                List.of("alice ed25519 AAAA"),
                "line 1: the public key is not an Ed25519 key (32 bytes, or 44 as X.509; found 3)"),
            new Case(List.of("alice ed25519 not-base64!"), "line 1: the public key is not base64"),
            new Case(
                List.of("ali\u200Dce ed25519 " + alice),
                "line 1: the name \"ali<U+200D>ce\" has an invisible, control or"
                    + " direction-changing character (U+200D)"),
            new Case(
                List.of("\u0430lice ed25519 " + alice),
                "line 1: the name \"\u0430lice\" mixes letters of Cyrillic and"
                    + " Latin script (a look-alike of another name?)"),
            new Case(
                List.of(line("alice", ALICE), line("Alice", ALICE_LAPTOP)),
                "line 2: \"Alice\" is the same person as"
                    + " \"alice\" after Unicode normalisation; spell one name one way"),
            new Case(
                List.of(line("alice", ALICE), line("bob", ALICE)),
                "line 2: this key is already on line 1, for alice: a key"
                    + " belongs to one person"),
            new Case(
                List.of(line("alice", ALICE), line("alice", ALICE)),
                "line 2: this key is already on line 1"));
    for (Case c : cases) {
      Path f = keyring(c.lines().toArray(String[]::new));
      assertThatThrownBy(() -> keys(f))
          .as(c.message())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("CUTOVER_APPROVER_KEYS (" + f + ") " + c.message());
      assertThatThrownBy(
              () ->
                  new CutoverActivitiesImpl(
                      Fixtures.settings(ApproverKeys.KEYRING_VARIABLE, f.toString()),
                      Duration.ofSeconds(5)))
          .as("the activities the worker builds at start")
          .hasMessageContaining(c.message());
    }
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> keys(missing))
        .hasMessage("CUTOVER_APPROVER_KEYS (" + missing + "): no such file");
    Path binary = dir.resolve("binary");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
    assertThatThrownBy(() -> keys(binary))
        .hasMessage("CUTOVER_APPROVER_KEYS (" + binary + "): not UTF-8 text");
  }

  @Test
  void theRequirementIsTrueOrFalseAndNeedsAKeyring() throws IOException {
    Path f = keyring(line("alice", ALICE));
    record Case(String value, Boolean required, String message) {}
    List<Case> cases =
        List.of(
            new Case(null, false, null),
            new Case("", false, null),
            new Case("false", false, null),
            new Case("true", true, null),
            new Case(" TRUE ", true, null),
            new Case("yes", null, "CUTOVER_REQUIRE_SIGNED_SIGNALS=yes is neither true nor false"));
    for (Case c : cases) {
      Map<String, String> env =
          c.value() == null
              ? Map.of(ApproverKeys.KEYRING_VARIABLE, f.toString())
              : Map.of(
                  ApproverKeys.KEYRING_VARIABLE,
                  f.toString(),
                  ApproverKeys.REQUIRE_VARIABLE,
                  c.value());
      if (c.required() == null) {
        assertThatThrownBy(() -> Fixtures.settings(env, CLOCK).approverKeys())
            .hasMessage(c.message());
      } else {
        assertThat(Fixtures.settings(env, CLOCK).approverKeys().signaturesRequired())
            .as(c.value())
            .isEqualTo(c.required());
      }
    }
    assertThatThrownBy(
            () ->
                Fixtures.settings(Map.of(ApproverKeys.REQUIRE_VARIABLE, "true"), CLOCK)
                    .approverKeys())
        .hasMessage(
            "CUTOVER_REQUIRE_SIGNED_SIGNALS=true needs CUTOVER_APPROVER_KEYS (a file of \"<name> ed25519 <base64"
                + " public key>\" lines): no signature could ever verify");
    ApproverKeys none = Fixtures.settings(Map.of(), CLOCK).approverKeys();
    assertThat(none.configured()).isFalse();
    assertThat(none.signaturesRequired()).isFalse();
  }

  @Test
  void onlyAKeyTheKeyringListsForTheSenderVerifiesAndOnlyWhileFresh() throws IOException {
    ApproverKeys keys =
        keys(
            keyring(
                "# who may approve",
                line("alice", ALICE) + " alice@desk",
                line("alice", ALICE_LAPTOP),
                line("bob", SignedSignals.generate())));
    record Case(String what, SignatureRequest request, SignatureVerdict verdict) {}
    SignatureVerdict ok =
        new SignatureVerdict(true, "verified with a key the worker's keyring lists for this name");
    String wrongKey =
        "the signature does not verify with the keyring's keys for this name (another key, cutover or"
            + " signal, or a changed field)";
    List<Case> cases =
        List.of(
            new Case("alice's first key", approval(ALICE, "alice", NOW), ok),
            new Case("alice's second key", approval(ALICE_LAPTOP, "alice", NOW), ok),
            new Case("alice, spelled otherwise", approval(ALICE, "ＡＬＩＣＥ", NOW), ok),
            new Case(
                "mallory's key, sent as alice",
                approval(MALLORY, "alice", NOW),
                new SignatureVerdict(false, wrongKey)),
            new Case(
                "alice's key, sent as bob",
                approval(ALICE, "bob", NOW),
                new SignatureVerdict(
                    false,
                    "the signature does not verify with the keyring's key for this name (another key, cutover or signal, or a"
                        + " changed field)")),
            new Case(
                "a name the keyring lacks",
                approval(MALLORY, "mallory", NOW),
                new SignatureVerdict(
                    false, "the worker's approver keyring has no key for this name")),
            new Case(
                "a hidden character",
                approval(ALICE, "ali\u200Dce", NOW),
                new SignatureVerdict(
                    false,
                    "the name has an invisible, control or direction-changing character (U+200D)")),
            new Case(
                "eleven minutes old",
                approval(ALICE, "alice", NOW.minus(Duration.ofMinutes(11))),
                new SignatureVerdict(
                    false, "signed 11 min ago; a signature is good for 10 min (sign again)")),
            new Case(
                "unsigned",
                new SignatureRequest(
                    WID, "approve", new SignalPayload("canary", "alice", null, null, null)),
                new SignatureVerdict(false, "not signed")),
            new Case(
                "no payload",
                new SignatureRequest(WID, "approve", null),
                new SignatureVerdict(false, "not signed")),
            new Case("no request", null, new SignatureVerdict(false, "not signed")));
    for (Case c : cases) {
      assertThat(keys.verify(c.request())).as(c.what()).isEqualTo(c.verdict());
    }
  }

  @Test
  void removingAKeyFromTheFileRevokesItAtOnceAndABrokenFileVerifiesNothing() throws IOException {
    Path f = keyring(line("alice", ALICE), line("bob", MALLORY));
    ApproverKeys keys = keys(f);
    SignatureRequest signed = approval(ALICE, "alice", NOW);
    assertThat(keys.verify(signed).valid()).isTrue();

    Files.writeString(f, line("bob", MALLORY) + "\n");
    assertThat(keys.verify(signed))
        .isEqualTo(
            new SignatureVerdict(false, "the worker's approver keyring has no key for this name"));

    Files.writeString(f, line("alice", ALICE) + "\nalice ed25519\n");
    assertThat(keys.verify(signed))
        .isEqualTo(
            new SignatureVerdict(
                false, "the worker's approver keyring cannot be read (its log says why)"));
    Files.delete(f);
    assertThat(keys.verify(signed))
        .isEqualTo(
            new SignatureVerdict(
                false, "the worker's approver keyring cannot be read (its log says why)"));

    Files.writeString(f, line("alice", ALICE) + "\n", StandardCharsets.UTF_8);
    assertThat(keys.verify(signed).valid()).isTrue();
  }

  private static final com.fasterxml.jackson.databind.JsonNode PLAN =
      Fixtures.tree(
          """
      version: 1
      name: x
      checks: { up: { http: "GET https://app.internal/up", expect: { status: 200 } } }
      stages: [{ name: all, percent: 100, gates: [up] }]
      """);

  @Test
  void theWorkersActivityVerifiesAgainstItsKeyringAndReportsTheRequirement() throws IOException {
    Path f = keyring(line("alice", ALICE));
    try (CutoverActivitiesImpl activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                ApproverKeys.KEYRING_VARIABLE, f.toString(), ApproverKeys.REQUIRE_VARIABLE, "true"),
            Duration.ofSeconds(5))) {
      assertThat(activities.verifySignature(approval(ALICE, "alice", Instant.now())).valid())
          .isTrue();
      assertThat(activities.verifySignature(approval(MALLORY, "alice", Instant.now())).valid())
          .isFalse();
      assertThat(activities.admit(new AdmitRequest("cutover-x", PLAN, null)).signaturesRequired())
          .isTrue();
    }
    try (CutoverActivitiesImpl activities =
        new CutoverActivitiesImpl(Fixtures.settings(), Duration.ofSeconds(5))) {
      assertThat(activities.verifySignature(approval(ALICE, "alice", Instant.now())))
          .isEqualTo(
              new SignatureVerdict(
                  false, "this worker has no approver keyring (CUTOVER_APPROVER_KEYS)"));
      assertThat(activities.admit(new AdmitRequest("cutover-x", PLAN, null)).signaturesRequired())
          .isFalse();
    }
  }
}
