package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signed approvals through the workflow, on skipped time: the workflow asks the worker (its {@code
 * verifySignature} local activity, here {@link FakeWorld} verifying with the real {@link
 * SignedSignals} against a keyring of generated Ed25519 keys) before the engine judges a signed
 * promoting signal, and the engine refuses unsigned ones where the worker's admission ({@code
 * CUTOVER_REQUIRE_SIGNED_SIGNALS}) or the plan ({@code approvals.signed}) requires them.
 */
class SignedApprovalsWorkflowTest {
  static final KeyPair ALICE = SignedSignals.generate();
  static final KeyPair BOB = SignedSignals.generate();
  static final String WID = "cutover-shop";
  static final String TAMPERED =
      "the signature does not verify with the keyring's key for this name (another key,"
          + " cutover or signal, or a changed field)";

  static FakeWorld world() {
    return CutoverWorkflowTest.healthy()
        .approver("alice", ALICE.getPublic())
        .approver("bob", BOB.getPublic());
  }

  /** The test environment's clock, which the workflow and the fake worker's verifier share. */
  static Instant now(Tw tw) {
    return Instant.ofEpochMilli(tw.env.currentTimeMillis());
  }

  static SignalPayload signed(Tw tw, KeyPair key, String signal, SignalPayload p) {
    return SignedSignals.sign(key.getPrivate(), WID, signal, p, now(tw));
  }

  static Tw tw(FakeWorld world) {
    Tw tw = new Tw(world);
    world.clock = () -> now(tw);
    return tw;
  }

  static CutoverState.Decision last(CutoverWorkflow wf) {
    List<CutoverState.Decision> d = wf.status().decisions();
    return d.get(d.size() - 1);
  }

  static OperationResult operate(CutoverWorkflow wf, String signal, SignalPayload p) {
    return wf.operate(new Operation(signal, p));
  }

  @Test
  void
      aWorkerThatRequiresSignaturesRejectsUnsignedAndTamperedApprovalsAndAcceptsASignedOneFromAnApprover() {
    FakeWorld world = world();
    world.signaturesRequired = true;
    try (Tw tw = tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(25));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      String unsigned =
          "rejected: stage canary: approval by alice is not signed; this worker requires signed approvals"
              + " (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover approve shop --stage canary --key FILE";

      // Unsigned, as an update and as a plain signal (which only status shows).
      OperationResult r = operate(wf, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      assertThat(r).isEqualTo(new OperationResult(false, unsigned, "AWAITING_APPROVAL"));
      wf.approve(CutoverWorkflowTest.approval("canary", "alice"));
      tw.sleep(Duration.ofSeconds(1));
      assertThat(last(wf))
          .extracting(
              CutoverState.Decision::by,
              CutoverState.Decision::action,
              CutoverState.Decision::accepted,
              CutoverState.Decision::text)
          .containsExactly("alice", "approve", false, unsigned);
      assertThat(world.verified).as("an unsigned signal is not sent to the verifier").isEmpty();

      // Signed by alice, then a field changed on the way: the signature no longer covers it.
      SignalPayload good =
          signed(tw, ALICE, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      SignalPayload tampered =
          new SignalPayload(
              "canary",
              "alice",
              "ok, and skip the soak",
              null,
              null,
              good.signedAt(),
              good.signature());
      assertThat(operate(wf, "approve", tampered))
          .isEqualTo(
              new OperationResult(
                  false,
                  "rejected: stage canary: approval by alice has a signature that does not verify: "
                      + TAMPERED,
                  "AWAITING_APPROVAL"));
      // bob's key, claiming to be alice.
      SignalPayload impostor =
          signed(tw, BOB, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      assertThat(operate(wf, "approve", impostor).text())
          .isEqualTo(
              "rejected: stage canary: approval by alice has a signature that does not verify: "
                  + TAMPERED);
      // Signed for another cutover.
      SignalPayload elsewhere =
          SignedSignals.sign(
              ALICE.getPrivate(),
              "cutover-other",
              "approve",
              CutoverWorkflowTest.approval("canary", "alice"),
              now(tw));
      assertThat(operate(wf, "approve", elsewhere).text()).endsWith(TAMPERED);
      assertThat(world.traffic()).containsExactly(10);
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");

      // The genuine one, as a plain signal: accepted, and the next stage starts.
      wf.approve(good);
      tw.sleep(Duration.ofSeconds(5));
      Status after = wf.status();
      assertThat(after.decisions())
          .anyMatch(
              d ->
                  d.accepted()
                      && d.by().equals("alice")
                      && d.action().equals("approve")
                      && d.text().equals("approved stage canary: ok (signed)"));
      assertThat(after.stage().name()).isEqualTo("half");
      assertThat(world.traffic()).containsExactly(10, 50);
      assertThat(world.verified).extracting(SignatureRequest::workflowId).containsOnly(WID);
      assertThat(world.verified).extracting(SignatureRequest::signal).containsOnly("approve");

      // A copy of the accepted signal (anyone who reads history can make one) counts once.
      tw.sleep(Duration.ofMinutes(1));
      assertThat(operate(wf, "approve", good).text())
          .isEqualTo(
              "rejected: stage canary: approval by alice repeats a"
                  + " signature already used (a signature is good for one signal; sign again)");

      // Making a cutover safer never needs a signature.
      OperationResult abort = operate(wf, "abort", CutoverWorkflowTest.by("dave"));
      assertThat(abort.accepted()).as(abort.text()).isTrue();
      tw.sleep(Duration.ofSeconds(5));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
      assertThat(world.traffic()).containsExactly(10, 50, 0);

      // retry moves it on again: unsigned, refused; signed, accepted.
      assertThat(operate(wf, "retry", CutoverWorkflowTest.by("alice")).text())
          .isEqualTo(
              "rejected: retry by alice is not"
                  + " signed; this worker requires signed approve, promote, acknowledge, resume and retry"
                  + " (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover retry shop --key FILE");
      OperationResult retry =
          operate(wf, "retry", signed(tw, BOB, "retry", CutoverWorkflowTest.by("bob")));
      assertThat(retry.accepted()).as(retry.text()).isTrue();
      assertThat(wf.status().decisions())
          .anyMatch(
              d ->
                  d.accepted()
                      && d.by().equals("bob")
                      && d.text().equals("starting over from the first stage (attempt 2): test"));
      tw.sleep(Duration.ofSeconds(5));
      assertThat(world.traffic()).containsExactly(10, 50, 0, 10);
    }
  }

  @Test
  void aPlanWithSignedApprovalsRequiresThemOnAWorkerThatDoesNot() {
    FakeWorld world = world();
    String plan =
        CutoverWorkflowTest.PLAN.replace(
            "approvals: { approvers: [alice, bob], fourEyes: true }",
            "approvals: { approvers: [alice, bob], fourEyes: true, signed: true }");
    try (Tw tw = tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(plan), "carol");
      tw.sleep(Duration.ofHours(25));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");

      wf.approve(CutoverWorkflowTest.approval("canary", "alice"));
      tw.sleep(Duration.ofSeconds(1));
      assertThat(last(wf).text())
          .isEqualTo(
              "rejected: stage canary: approval by alice is not signed; this plan requires"
                  + " signed approvals (approvals.signed): cutover approve shop --stage canary --key FILE");
      SignalPayload good =
          signed(tw, ALICE, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      SignalPayload tampered =
          new SignalPayload("half", "alice", "ok", null, null, good.signedAt(), good.signature());
      wf.approve(tampered);
      tw.sleep(Duration.ofSeconds(1));
      assertThat(last(wf).text())
          .isEqualTo(
              "rejected: stage half: approval by alice has a signature that does not"
                  + " verify: "
                  + TAMPERED);
      assertThat(world.traffic()).containsExactly(10);

      OperationResult approved = operate(wf, "approve", good);
      assertThat(approved.accepted()).as(approved.text()).isTrue();
      tw.sleep(Duration.ofSeconds(5));
      assertThat(wf.status().decisions())
          .anyMatch(d -> d.accepted() && d.text().equals("approved stage canary: ok (signed)"));
      assertThat(wf.status().stage().name()).isEqualTo("half");
      assertThat(world.traffic()).containsExactly(10, 50);

      wf.abort(CutoverWorkflowTest.by("dave"));
      tw.sleep(Duration.ofSeconds(5));
      Status aborted = wf.status();
      assertThat(aborted.state()).isEqualTo("ROLLED_BACK");
      assertThat(aborted.decisions())
          .anyMatch(
              d ->
                  d.accepted()
                      && d.by().equals("dave")
                      && d.text().equals("rolling back: aborted by dave: test"));
      assertThat(world.traffic()).containsExactly(10, 50, 0);
    }
  }

  @Test
  void withoutARequirementUnsignedApprovalsCountButASignatureThatDoesNotVerifyIsStillRejected() {
    FakeWorld world = world();
    try (Tw tw = tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(25));
      SignalPayload good =
          signed(tw, ALICE, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      SignalPayload tampered =
          new SignalPayload(
              "canary", "alice", "lgtm", null, null, good.signedAt(), good.signature());
      assertThat(operate(wf, "approve", tampered).text())
          .isEqualTo(
              "rejected: stage canary: approval by alice has a signature that does not verify: "
                  + TAMPERED);
      // A signature made 11 minutes before it arrives is stale.
      SignalPayload early =
          signed(tw, BOB, "approve", CutoverWorkflowTest.approval("canary", "bob"));
      tw.sleep(Duration.ofMinutes(11));
      assertThat(operate(wf, "approve", early).text())
          .isEqualTo(
              "rejected: stage canary: approval by bob has a signature"
                  + " that does not verify: signed 11 min ago; a signature is good for 10 min (sign again)");
      assertThat(world.traffic()).containsExactly(10);

      assertThat(operate(wf, "approve", CutoverWorkflowTest.approval("canary", "alice")).accepted())
          .isTrue();
      tw.sleep(Duration.ofSeconds(5));
      assertThat(wf.status().decisions())
          .anyMatch(d -> d.accepted() && d.text().equals("approved stage canary: ok"));
      assertThat(world.traffic()).containsExactly(10, 50);
    }
  }

  @Test
  void aWorkerThatCannotCheckASignatureMakesItInvalidNeverValid() {
    FakeWorld world = world();
    world.keyringBroken = true;
    try (Tw tw = tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(25));
      SignalPayload good =
          signed(tw, ALICE, "approve", CutoverWorkflowTest.approval("canary", "alice"));
      assertThat(operate(wf, "approve", good).text())
          .isEqualTo(
              "rejected: stage canary: approval by alice has a"
                  + " signature that does not verify: the worker could not check the signature");
      assertThat(world.verified).as("the local activity's three attempts").hasSize(3);
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      assertThat(world.traffic()).containsExactly(10);
    }
  }
}
