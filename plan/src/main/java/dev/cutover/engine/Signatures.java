package dev.cutover.engine;

import dev.cutover.engine.CutoverState.SignatureUse;
import dev.cutover.plan.Names;
import dev.cutover.plan.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may send a promoting signal ({@link SignalName#promoting}): a name that can stand for a
 * person, and a signature where one is given or required. The worker verifies signatures; this only
 * judges its verdict ({@link Signal.Signature}) against the plan, the worker's rule and what was
 * used before.
 */
final class Signatures {
  /** At most this many remembered signatures; only holders of keyring keys can add to them. */
  static final int MAX_SIGNATURES_USED = 100;

  /** A signature made this long before the cutover started may still be for it (clock skew). */
  static final Duration SIGNED_BEFORE_START = Duration.ofMinutes(2);

  private final Plan plan;
  private final Engine.Options options;

  Signatures(Plan plan, Engine.Options options) {
    this.plan = plan;
    this.options = options;
  }

  /**
   * Why a promoting signal is refused for who sent it, or null when it may go on: a name that
   * cannot stand for a person; a signature that did not verify, that verified for someone else,
   * that was made before this cutover started or that was used already; or no signature where the
   * plan ({@code approvals.signed}) or the worker requires one. A verified signature is remembered
   * whatever the signal's outcome, so that copying it from history never makes it count again.
   */
  String refusal(Turn t, Signal s, String by, String name, long now) {
    if (options.normaliseNames()) {
      String problem = Names.problem(by);
      if (problem != null) {
        return "the name \""
            + Names.display(by)
            + "\" "
            + problem
            + " (names are compared after Unicode normalisation)";
      }
    }
    SignalName kind = s.kind().orElseThrow();
    Signal.Signature sig = s.signature();
    String what =
        switch (kind) {
              case APPROVE ->
                  "stage "
                      + Names.display(s.stage() == null ? currentStageName(t) : s.stage())
                      + ": approval";
              case ACKNOWLEDGE ->
                  "acknowledgement of "
                      + (s.check() == null ? "(no check)" : Names.display(s.check()));
              default -> name;
            }
            + " by "
            + Names.display(by);
    return switch (sig.status()) {
      case INVALID -> what + " has a signature that does not verify: " + sig.problem();
      case VERIFIED -> verifiedRefusal(t, sig, by, what, now);
      default -> unsignedRefusal(t, s, kind, what);
    };
  }

  private String verifiedRefusal(Turn t, Signal.Signature sig, String by, String what, long now) {
    if (!Names.same(sig.signer(), by)) {
      return what + " carries a signature by " + Names.display(sig.signer());
    }
    if (sig.id() == null || sig.signedAt() == null) {
      return what + " has a signature without its fingerprint or time";
    }
    if (sig.signedAt() < t.run.startedAt() - SIGNED_BEFORE_START.toMillis()) {
      return what
          + " was signed at "
          + Instant.ofEpochMilli(sig.signedAt())
          + ", before this cutover started"
          + " (a signature is good for one cutover; sign again)";
    }
    List<SignatureUse> used = new ArrayList<>(t.journal.signaturesUsed());
    used.removeIf(u -> u.signedAt() < now - Engine.SIGNATURE_MEMORY.toMillis());
    boolean repeated = used.stream().anyMatch(u -> u.id().equals(sig.id()));
    if (!repeated) {
      used.add(new SignatureUse(sig.id(), sig.signedAt()));
      while (used.size() > MAX_SIGNATURES_USED) {
        used.remove(0);
      }
    }
    t.journal = t.journal.withSignatures(used);
    return repeated
        ? what
            + " repeats a signature already used (a signature is good for one signal; sign again)"
        : null;
  }

  private String unsignedRefusal(Turn t, Signal s, SignalName kind, String what) {
    String who =
        plan.approvals().signed()
            ? "this plan requires signed " + signedKinds(kind) + " (approvals.signed)"
            : options.workerRequiresSignatures()
                ? "this worker requires signed "
                    + signedKinds(kind)
                    + " (CUTOVER_REQUIRE_SIGNED_SIGNALS)"
                : null;
    if (who == null) {
      return null;
    }
    String args =
        switch (kind) {
          case APPROVE ->
              " --stage " + Names.display(s.stage() == null ? currentStageName(t) : s.stage());
          case ACKNOWLEDGE ->
              " --check " + (s.check() == null ? "CHECK" : Names.display(s.check()));
          default -> "";
        };
    return what
        + " is not signed; "
        + who
        + ": cutover "
        + kind.wire()
        + " "
        + plan.name()
        + args
        + " --key FILE";
  }

  private static String signedKinds(SignalName kind) {
    return kind == SignalName.APPROVE
        ? "approvals"
        : "approve, promote, acknowledge, resume and retry";
  }

  private String currentStageName(Turn t) {
    Integer pending = t.position.pendingStage();
    int stage = t.position.stage();
    Integer index =
        t.phase() == State.AWAITING_APPROVAL && pending != null
            ? pending
            : stage >= 0 ? stage : null;
    return index == null ? "(none)" : plan.stages().get(index).name();
  }
}
