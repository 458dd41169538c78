package dev.cutover.engine;

import static dev.cutover.engine.EngineTest.HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Signal.Signature;
import dev.cutover.plan.PlanReader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may move a cutover on: names compared after normalisation, and signed signals. */
class SignedApprovalsTest {
  static final String STAGES =
      """
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [ok_rate], approval: true }
        - { name: full, percent: 100, soak: 1h, every: 10m, gates: [ok_rate] }
      """;

  static Harness awaitingApproval(String approvals, Engine.Options options, String startedBy) {
    Harness h = new Harness(PlanReader.read(HEADER + approvals + STAGES), options);
    h.value("ok_rate", 99).value("errors", 0.01).start(startedBy);
    h.until(State.AWAITING_APPROVAL, Duration.ofHours(2));
    return h;
  }

  static Signature verified(String signer, String id, long signedAt) {
    return Signature.verified(signer, id, signedAt);
  }

  /** Sends a signal and asserts it was refused, changing nothing but the decisions. */
  static void assertRefused(Harness h, Signal s, String text) {
    CutoverState before = h.state;
    h.signal(s);
    assertThat(h.lastDecision().accepted()).as(s.toString()).isFalse();
    assertThat(h.lastDecision().text()).as(s.toString()).isEqualTo(text);
    assertThat(h.state.phase()).as(s.toString()).isEqualTo(before.phase());
    assertThat(h.state.progress().approval())
        .as(s.toString())
        .isEqualTo(before.progress().approval());
    assertThat(h.state.holds()).as(s.toString()).isEqualTo(before.holds());
    assertThat(h.state.stage()).as(s.toString()).isEqualTo(before.stage());
  }

  @Test
  void fourEyesRefusesTheStarterUnderEverySpellingOfTheirName() {
    record Case(String by, String text) {}
    List<Case> cases =
        List.of(
            new Case(
                "carol", "rejected: four eyes: carol started this cutover and may not approve it"),
            new Case(
                "Carol",
                "rejected: four eyes: Carol (the same person as carol) started this cutover and may not approve it"),
            new Case(
                "CAROL",
                "rejected: four eyes: CAROL (the same person as carol) started this cutover and may not approve it"),
            new Case(
                "ｃａｒｏｌ",
                "rejected: four eyes: ｃａｒｏｌ (the same person as carol) started this cutover and may not approve it"),
            new Case(
                " carol ",
                "rejected: four eyes: carol started this cutover and may not approve it"),
            new Case(
                "car\u200Dol",
                "rejected: the name \"car<U+200D>ol\" has an invisible, control or direction-changing"
                    + " character (U+200D) (names are compared after Unicode normalisation)"),
            new Case(
                "\u202Ecarol",
                "rejected: the name \"<U+202E>carol\" has an invisible, control or direction-changing"
                    + " character (U+202E) (names are compared after Unicode normalisation)"),
            new Case(
                "\u0441arol",
                "rejected: the name \"\u0441arol\" mixes letters of Cyrillic and Latin script (a look-alike"
                    + " of another name?) (names are compared after Unicode normalisation)"),
            new Case(
                "ca\u0336rol",
                "rejected: the name \"ca\u0336rol\" has a combining mark (U+0336) that does not form a letter"
                    + " (names are compared after Unicode normalisation)"));
    Harness h =
        awaitingApproval("approvals: { fourEyes: true }\n", Engine.Options.DEFAULT, "carol");
    for (Case c : cases) {
      assertRefused(h, Signal.approve("canary", c.by(), null), c.text());
    }
    h.approve("canary", "alice");
    assertThat(h.lastDecision().accepted()).isTrue();
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aStarterWhoseNameHidesCharactersIsStillTheSamePersonForFourEyes() {
    for (String starter : List.of("car\u200Dol", "Carol", "ｃａｒｏｌ", "\u0441\u0430r\u043El")) {
      Harness h =
          awaitingApproval("approvals: { fourEyes: true }\n", Engine.Options.DEFAULT, starter);
      h.approve("canary", "carol");
      assertThat(h.lastDecision().accepted()).as(shown(starter)).isFalse();
      assertThat(h.lastDecision().text())
          .as(shown(starter))
          .startsWith("rejected: four eyes: carol (the same person as ");
      assertThat(h.state.progress().approval()).isNull();
    }
  }

  @Test
  void approversAreMatchedAfterNormalisationAndLookAlikesOfThemAreRefused() {
    record Case(String by, boolean accepted, String text) {}
    List<Case> cases =
        List.of(
            new Case("mallory", false, "rejected: mallory is not an approver (alice, bob)"),
            new Case("alice2", false, "rejected: alice2 is not an approver (alice, bob)"),
            new Case(
                "\u0430lice",
                false,
                "rejected: the name \"\u0430lice\" mixes letters of Cyrillic and Latin script"
                    + " (a look-alike of another name?) (names are compared after Unicode normalisation)"),
            new Case("ALICE", true, "approved stage canary"));
    for (Case c : cases) {
      Harness h =
          awaitingApproval(
              "approvals: { approvers: [alice, bob] }\n", Engine.Options.DEFAULT, "carol");
      h.approve("canary", c.by());
      assertThat(h.lastDecision().accepted()).as(c.by()).isEqualTo(c.accepted());
      assertThat(h.state.decisions()).as(c.by()).anyMatch(d -> d.text().equals(c.text()));
    }
  }

  @Test
  void cutoversStartedBeforeNormalisationKeepComparingNamesExactly() {
    Harness h = awaitingApproval("approvals: { fourEyes: true }\n", Engine.Options.LEGACY, "carol");
    h.approve("canary", "Carol");
    assertThat(h.lastDecision().accepted()).isTrue();
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aPlanThatRequiresSignedApprovalsRefusesEverythingButAVerifiedSignatureForTheSender() {
    record Case(String by, Signature signature, String text) {}
    long t0 = Harness.T0;
    List<Case> cases =
        List.of(
            new Case(
                "alice",
                Signature.UNSIGNED,
                "rejected: stage canary: approval by alice is not signed; this plan"
                    + " requires signed approvals (approvals.signed): cutover approve t --stage canary --key FILE"),
            new Case(
                "alice",
                Signature.invalid("the signature does not verify with alice's key"),
                "rejected: stage canary: approval by alice has a signature that does not verify: the signature does not"
                    + " verify with alice's key"),
            new Case(
                "alice",
                verified("bob", "id-1", t0),
                "rejected: stage canary: approval by alice carries a signature by bob"),
            new Case(
                "alice",
                verified("alice", "id-2", t0 - Duration.ofMinutes(3).toMillis()),
                "rejected: stage canary: approval by alice was signed at 2023-11-14T22:10:20Z, before this cutover started"
                    + " (a signature is good for one cutover; sign again)"),
            new Case(
                "alice",
                new Signature(Signature.Status.VERIFIED, "alice", null, null, null),
                "rejected: stage canary: approval by alice has a signature without its fingerprint or time"));
    Harness h =
        awaitingApproval(
            "approvals: { approvers: [alice, bob], signed: true }\n",
            Engine.Options.DEFAULT,
            "carol");
    for (Case c : cases) {
      assertRefused(
          h, Signal.approve("canary", c.by(), null).withSignature(c.signature()), c.text());
    }
    h.signal(
        Signal.approve("canary", "Alice", "dashboards clean")
            .withSignature(verified("alice", "id-3", h.now)));
    assertThat(h.state.decisions())
        .anyMatch(
            d ->
                d.accepted()
                    && d.by().equals("Alice")
                    && d.text().equals("approved stage canary: dashboards clean (signed)"));
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aWorkerThatRequiresSignaturesRefusesEveryUnsignedPromotingSignalButNeverASafeOne() {
    record Case(Signal signal, String text) {}
    List<Case> refused =
        List.of(
            new Case(
                Signal.approve("canary", "alice", null),
                "rejected: stage canary: approval by alice is not signed; this"
                    + " worker requires signed approvals (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover approve t --stage canary --key FILE"),
            new Case(
                Signal.of("promote", "alice", null),
                "rejected: promote by alice is not signed; this worker requires"
                    + " signed approve, promote, acknowledge, resume and retry (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover promote t --key FILE"),
            new Case(
                Signal.of("resume", "alice", null),
                "rejected: resume by alice is not signed; this worker requires"
                    + " signed approve, promote, acknowledge, resume and retry (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover resume t --key FILE"),
            new Case(
                Signal.of("retry", "alice", null),
                "rejected: retry by alice is not signed; this worker requires"
                    + " signed approve, promote, acknowledge, resume and retry (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover retry t --key FILE"),
            new Case(
                Signal.acknowledge("errors", "alice", null),
                "rejected: acknowledgement of errors by alice is not signed;"
                    + " this worker requires signed approve, promote, acknowledge, resume and retry (CUTOVER_REQUIRE_SIGNED_SIGNALS):"
                    + " cutover acknowledge t --check errors --key FILE"));
    Harness h = new Harness(PlanReader.read(HEADER + STAGES), Engine.Options.of(true));
    h.value("ok_rate", 99).value("errors", 0.01).start("carol");
    h.signal(Signal.of("pause", "bob", "lunch"));
    assertThat(h.lastDecision().accepted()).isTrue();
    for (Case c : refused) {
      assertRefused(h, c.signal(), c.text());
    }
    assertThat(h.state.holds())
        .extracting(CutoverState.Hold::kind)
        .containsExactly(CutoverState.Hold.Kind.PAUSED);
    h.signal(
        Signal.of("abort", "bob", "enough").withSignature(Signature.invalid("no key for bob")));
    assertThat(h.lastDecision().accepted()).isTrue();
    assertThat(h.state.phase()).isEqualTo(State.ROLLED_BACK);
    assertThat(h.trafficHistory()).containsExactly(10, 0);
    assertThat(h.state.rollback().reason()).isEqualTo("aborted by bob: enough");
  }

  @Test
  void anInvalidSignatureIsRefusedEvenWhereNoSignatureIsRequired() {
    Harness h = awaitingApproval("", Engine.Options.DEFAULT, "carol");
    assertRefused(
        h,
        Signal.approve("canary", "alice", null)
            .withSignature(Signature.invalid("signed 14 min ago; a signature is good for 10 min")),
        "rejected: stage canary: approval by alice has a signature that does not verify: signed 14 min ago; a signature"
            + " is good for 10 min");
    h.approve("canary", "alice");
    assertThat(h.lastDecision().accepted()).isTrue();
    assertThat(h.trafficHistory()).containsExactly(10, 100);
  }

  @Test
  void aSignedSignalCountsOnceSoACopyFromHistoryCannotReleaseALaterHold() {
    Harness h =
        new Harness(
            PlanReader.read(HEADER + "approvals: { signed: true }\n" + STAGES),
            Engine.Options.DEFAULT);
    h.value("ok_rate", 99).value("errors", 0.01).start("carol");
    h.signal(Signal.of("pause", "bob", "look at this"));
    Signal resume =
        Signal.of("resume", "alice", null).withSignature(verified("alice", "fingerprint-1", h.now));
    h.signal(resume);
    assertThat(h.lastDecision().text()).isEqualTo("released paused by bob");
    h.advance(Duration.ofMinutes(3));
    h.signal(Signal.of("pause", "bob", "again"));
    assertRefused(
        h,
        resume,
        "rejected: resume by alice repeats a signature already used (a signature is good for one"
            + " signal; sign again)");
    assertThat(h.state.journal().signaturesUsed())
        .extracting(CutoverState.SignatureUse::id)
        .containsExactly("fingerprint-1");
    h.signal(
        Signal.of("resume", "alice", null)
            .withSignature(verified("alice", "fingerprint-2", h.now)));
    assertThat(h.lastDecision().accepted()).isTrue();
    // Forgotten once they could no longer verify anyway; the memory stays small.
    h.advance(Engine.SIGNATURE_MEMORY.plusMinutes(1));
    h.signal(
        Signal.of("promote", "alice", null)
            .withSignature(verified("alice", "fingerprint-3", h.now)));
    assertThat(h.state.journal().signaturesUsed())
        .extracting(CutoverState.SignatureUse::id)
        .containsExactly("fingerprint-3");
  }

  @Test
  void aVerifiedSignatureIsRememberedEvenWhenTheSignalItCarriesIsRejected() {
    Harness h =
        new Harness(
            PlanReader.read(HEADER + "approvals: { signed: true }\n" + STAGES),
            Engine.Options.DEFAULT);
    h.value("ok_rate", 99).value("errors", 0.01).start("carol");
    Signal resume =
        Signal.of("resume", "alice", null).withSignature(verified("alice", "early", h.now));
    h.signal(resume);
    assertThat(h.lastDecision().text()).isEqualTo("rejected: nothing is held");
    h.signal(Signal.of("pause", "bob", null));
    assertRefused(
        h,
        resume,
        "rejected: resume by alice repeats a signature already used (a signature is good for one"
            + " signal; sign again)");
  }

  @Test
  void unsignedSignalsActAsBeforeWhenNothingRequiresSignatures() {
    Harness h =
        awaitingApproval("approvals: { fourEyes: true }\n", Engine.Options.DEFAULT, "carol");
    h.approve("canary", "alice");
    assertThat(h.state.decisions())
        .anyMatch(d -> d.accepted() && d.text().equals("approved stage canary"));
    assertThat(h.state.journal().signaturesUsed()).isEmpty();
  }

  private static String shown(String s) {
    return dev.cutover.plan.Names.display(s);
  }
}
