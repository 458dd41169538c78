package dev.cutover.engine;

import dev.cutover.engine.CutoverState.Approval;
import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.plan.Approvals;
import dev.cutover.plan.Names;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.List;
import java.util.Optional;

/**
 * Operator signals. Each one is judged against the state and recorded as a {@link
 * CutoverState.Decision}, accepted or rejected with the reason; a rejected signal changes nothing
 * else. Who may send a promoting signal is decided first ({@link Signatures}).
 */
final class Signals extends Part {
  private final Signatures signatures;

  Signals(Engine engine, Signatures signatures) {
    super(engine);
    this.signatures = signatures;
  }

  void on(Turn t, Signal s, long now) {
    String by = s.by() == null ? "" : s.by().trim();
    String name = s.name() == null ? "" : s.name();
    if (by.isEmpty()) {
      t.decide(now, "?", name, false, "rejected: say who you are (by is required)");
      return;
    }
    if (t.phase().terminal()) {
      reject(t, now, by, name, "the cutover has ended (" + t.phase() + ")");
      return;
    }
    if (s.promoting()) {
      String refused = signatures.refusal(t, s, by, name, now);
      if (refused != null) {
        reject(t, now, by, name, refused);
        return;
      }
    }
    Optional<SignalName> kind = s.kind();
    if (kind.isEmpty()) {
      reject(t, now, by, name, "unknown signal \"" + name + "\" (" + SignalName.all() + ")");
      return;
    }
    String reason = s.reason() == null || s.reason().isBlank() ? "" : ": " + s.reason().trim();
    switch (kind.get()) {
      case APPROVE -> approve(t, s, by, now);
      case ABORT -> abort(t, by, reason, now);
      case PAUSE -> pause(t, s, by, reason, now);
      case RESUME -> resume(t, by, reason, now);
      case PROMOTE -> promote(t, by, reason, now);
      case ACKNOWLEDGE -> acknowledge(t, s, by, now);
      case RETRY -> retry(t, by, reason, now);
      case ABANDON -> abandon(t, by, reason, now);
      case CONFIRM -> engine.checklists.confirm(t, s, by, now);
    }
  }

  private static void reject(Turn t, long now, String by, String action, String why) {
    t.decide(now, by, action, false, "rejected: " + why);
  }

  private static void reject(Turn t, long now, String by, SignalName signal, String why) {
    reject(t, now, by, signal.wire(), why);
  }

  private void approve(Turn t, Signal s, String by, long now) {
    State phase = t.phase();
    if (phase == State.AWAITING_CHECKLIST && t.position.pendingStage() != null) {
      // Never confused with a confirm: the stage's checklist comes first, then its approval.
      Stage pending = plan.stages().get(t.position.pendingStage());
      reject(
          t,
          now,
          by,
          SignalName.APPROVE,
          "stage "
              + pending.name()
              + " waits for its checklist before it starts (an approval confirms no task); send"
              + " confirm for each task, then approve");
      return;
    }
    if (phase != State.APPLYING
        && phase != State.SOAKING
        && phase != State.AWAITING_APPROVAL
        && phase != State.AWAITING_CHECKLIST) {
      reject(t, now, by, SignalName.APPROVE, "no stage is active (" + t.displayState() + ")");
      return;
    }
    boolean toStart = phase == State.AWAITING_APPROVAL && t.position.pendingStage() != null;
    Stage current = plan.stages().get(toStart ? t.position.pendingStage() : t.position.stage());
    if (s.stage() == null || !s.stage().equals(current.name())) {
      reject(
          t,
          now,
          by,
          SignalName.APPROVE,
          "stage "
              + (s.stage() == null ? "(none given)" : "\"" + s.stage() + "\"")
              + " is not the current stage ("
              + current.name()
              + ")");
      return;
    }
    if (!toStart && !current.approvalToComplete()) {
      reject(t, now, by, SignalName.APPROVE, "stage " + current.name() + " needs no approval");
      return;
    }
    String refused = whyNotApprover(t, by);
    if (refused != null) {
      reject(t, now, by, SignalName.APPROVE, refused);
      return;
    }
    Approval given = t.progress.approval();
    if (given != null) {
      reject(
          t,
          now,
          by,
          SignalName.APPROVE,
          "stage " + current.name() + " is already approved by " + given.by());
      return;
    }
    t.progress = t.progress.withApproval(new Approval(current.name(), by, now, s.comment()));
    boolean early = phase == State.APPLYING || phase == State.SOAKING;
    t.decide(
        now,
        by,
        SignalName.APPROVE.wire(),
        true,
        (toStart ? "approved the start of stage " : "approved stage ")
            + current.name()
            + (s.comment() == null || s.comment().isBlank() ? "" : ": " + s.comment())
            + (early ? " (before the soak is met: kept, acts when it is, voided by a breach)" : "")
            + (phase == State.AWAITING_CHECKLIST
                ? " (kept: the stage completes once its checklist is confirmed)"
                : "")
            + (s.signature().status() == Signal.Signature.Status.VERIFIED ? " (signed)" : ""));
  }

  /** Why {@code by} may not approve (not an approver; four eyes and the starter), or null. */
  private String whyNotApprover(Turn t, String by) {
    Approvals approvals = plan.approvals();
    boolean normalise = engine.options().normaliseNames();
    List<String> approvers = approvals.approvers();
    if (normalise ? !approvals.mayApprove(by) : !approvers.isEmpty() && !approvers.contains(by)) {
      return Names.display(by) + " is not an approver (" + String.join(", ", approvers) + ")";
    }
    String starter = t.run.startedBy();
    if (approvals.fourEyes() && (normalise ? Names.same(by, starter) : by.equals(starter))) {
      return "four eyes: "
          + Names.display(by)
          + (by.equals(starter) ? "" : " (the same person as " + Names.display(starter) + ")")
          + " started this cutover and may not approve it";
    }
    return null;
  }

  private void abort(Turn t, String by, String reason, long now) {
    if (t.phase() == State.ROLLING_BACK) {
      reject(t, now, by, SignalName.ABORT, "already rolling back (" + t.rollback.reason() + ")");
    } else if (t.phase() == State.ROLLED_BACK) {
      reject(t, now, by, SignalName.ABORT, "already rolled back; send abandon to end the cutover");
    } else {
      engine.rollbacks.start(t, now, "aborted by " + by + reason, by, Rule.Scope.ALL);
    }
  }

  private static void pause(Turn t, Signal s, String by, String reason, long now) {
    if (!t.phase().active()) {
      reject(t, now, by, SignalName.PAUSE, "nothing to pause while " + t.displayState());
    } else if (t.hasHold(Hold.Kind.PAUSED)) {
      reject(t, now, by, SignalName.PAUSE, "already paused");
    } else {
      t.addHold(Hold.Kind.PAUSED, "cutover", by, s.reason(), now);
      t.resetSoak();
      t.decide(
          now,
          by,
          SignalName.PAUSE.wire(),
          true,
          "paused" + reason + "; checks go on, nothing is promoted");
      t.notify(
          Command.Notify.Kind.PAUSED, null, Command.Notify.Level.INFO, "paused by " + by + reason);
    }
  }

  private void resume(Turn t, String by, String reason, long now) {
    if (t.holds.isEmpty()) {
      reject(t, now, by, SignalName.RESUME, "nothing is held");
      return;
    }
    String released = engine.words.holdSummary(t);
    for (Hold h : t.holds) {
      if (h.kind() == Hold.Kind.INCONCLUSIVE) {
        RuleState r = t.rules.get(h.subject());
        if (r != null) {
          t.rules.put(r.id(), r.resumed(now));
        }
      } else if (h.kind() == Hold.Kind.APPLY_FAILED) {
        t.cursor = t.cursor.again(now);
      }
    }
    t.holds.clear();
    t.resetSoak();
    t.decide(now, by, SignalName.RESUME.wire(), true, "released " + released + reason);
    t.notify(
        Command.Notify.Kind.RESUMED,
        null,
        Command.Notify.Level.INFO,
        "resumed by " + by + ": released " + released);
  }

  private void promote(Turn t, String by, String reason, long now) {
    if (t.phase() != State.SOAKING) {
      reject(
          t,
          now,
          by,
          SignalName.PROMOTE,
          "promote ends a soak, and the cutover is " + t.displayState());
    } else if (t.held()) {
      reject(
          t,
          now,
          by,
          SignalName.PROMOTE,
          "the stage is held (" + engine.words.holdSummary(t) + ")");
    } else if (t.progress.promoteAt() != null) {
      reject(
          t,
          now,
          by,
          SignalName.PROMOTE,
          "a promote by " + t.progress.promoteBy() + " is already measuring");
    } else {
      engine.soak.promote(t, by, reason, now);
    }
  }

  private void acknowledge(Turn t, Signal s, String by, long now) {
    if (!t.phase().active()) {
      reject(t, now, by, SignalName.ACKNOWLEDGE, "no stage is active (" + t.displayState() + ")");
      return;
    }
    String check = s.check();
    boolean highBreach = false;
    for (RuleState r : t.rules.values()) {
      if (r.check().equals(check)
          && r.breachedSince() != null
          && engine.rules.rule(r).severity() == Rule.Severity.HIGH) {
        highBreach = true;
      }
    }
    if (check == null || !highBreach) {
      reject(
          t,
          now,
          by,
          SignalName.ACKNOWLEDGE,
          check == null
              ? "no check named"
              : "check " + check + " has no high-severity breach to acknowledge");
      return;
    }
    if (t.progress.acknowledged().contains(check)) {
      reject(t, now, by, SignalName.ACKNOWLEDGE, check + " is already acknowledged for this stage");
      return;
    }
    t.progress = t.progress.acknowledging(check);
    String reason = s.reason() == null || s.reason().isBlank() ? "" : ": " + s.reason().trim();
    t.decide(
        now,
        by,
        SignalName.ACKNOWLEDGE.wire(),
        true,
        "acknowledged "
            + check
            + " for this stage: now medium (holds; rolls back after escalateAfter)"
            + reason);
    t.notify(
        Command.Notify.Kind.ACKNOWLEDGED,
        null,
        Command.Notify.Level.INFO,
        by + " acknowledged " + check + reason);
  }

  private void retry(Turn t, String by, String reason, long now) {
    if (t.phase() != State.ROLLED_BACK) {
      reject(
          t,
          now,
          by,
          SignalName.RETRY,
          "retry starts over after a rollback, and the cutover is " + t.displayState());
      return;
    }
    t.run = t.run.nextAttempt();
    int attempt = t.run.attempt();
    t.decide(
        now,
        by,
        SignalName.RETRY.wire(),
        true,
        "starting over from the first stage (attempt " + attempt + ")" + reason);
    t.notify(
        Command.Notify.Level.INFO, "retry by " + by + ": starting over (attempt " + attempt + ")");
    engine.stages.beginAttempt(t, now);
  }

  private static void abandon(Turn t, String by, String reason, long now) {
    if (t.phase() != State.ROLLED_BACK) {
      reject(
          t,
          now,
          by,
          SignalName.ABANDON,
          "abandon ends a rolled-back cutover, and the cutover is "
              + t.displayState()
              + (t.phase().active() ? "; abort first" : ""));
      return;
    }
    t.decide(now, by, SignalName.ABANDON.wire(), true, "abandoned" + reason);
    t.notify(Command.Notify.Level.INFO, "abandoned by " + by + reason);
    t.setPhase(State.ABANDONED, now);
  }
}
