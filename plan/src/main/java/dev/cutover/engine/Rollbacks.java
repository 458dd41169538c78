package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.RollbackInfo;
import dev.cutover.engine.CutoverState.Soak;
import dev.cutover.plan.Rollback;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.List;
import java.util.Locale;

/**
 * Rollback: of everything applied, or of the current stage only ({@code rollback: stage}), and what
 * follows when its steps are done.
 */
final class Rollbacks extends Part {

  Rollbacks(Engine engine) {
    super(engine);
  }

  /** Starts rolling back (only while a stage is active): from now on only the undo steps run. */
  void start(Turn t, long now, String reason, String by, Rule.Scope scope) {
    start(t, now, reason, by, scope, Command.Notify.Kind.ROLLBACK_STARTED, null);
  }

  /**
   * As {@link #start(Turn, long, String, String, Rule.Scope)}, its message of {@code kind} about
   * {@code subject}: a rule's breach or escalation pages under that rule's key.
   */
  void start(
      Turn t,
      long now,
      String reason,
      String by,
      Rule.Scope scope,
      Command.Notify.Kind kind,
      String subject) {
    if (!t.phase().active()) {
      return;
    }
    boolean partial =
        scope == Rule.Scope.STAGE
            && t.position.stage() >= 1
            && t.phase() != State.CHECKING_PREREQUISITES;
    t.run = t.run.oneMoreRollback();
    if (t.cursor.effect() != null) {
      t.cursor = t.cursor.withEffect(t.cursor.effect().orphan());
    }
    List<Step> steps = partial ? engine.stages.undoStage(t) : engine.stages.undoAll(t);
    t.setPhase(State.ROLLING_BACK, now);
    t.cursor = t.cursor.start(steps, now);
    t.holds.clear();
    String promoteBy = t.progress.promoteBy();
    if (t.progress.promoteAt() != null) {
      t.decide(
          now,
          promoteBy,
          SignalName.PROMOTE.wire(),
          false,
          "rejected: rolling back before the fresh measurements settled");
    }
    t.progress = t.progress.withApproval(null).promoting(null, null);
    t.position = t.position.waitingFor(null, null);
    t.rules.clear();
    t.journal = t.journal.withNextStatusAt(null);
    t.rollback =
        new RollbackInfo(
            reason, by, now, partial ? Rule.Scope.STAGE : Rule.Scope.ALL, 0, null, null, null);
    String what = partial ? "rolling back stage " + t.stage().name() + " only" : "rolling back";
    t.incident(now, "rollback", partial ? t.stage().name() : "all", what + ": " + reason);
    t.decide(now, by, "rollback", true, what + ": " + reason);
    t.notify(
        kind,
        subject,
        Command.Notify.Level.PAGE,
        what.toUpperCase(Locale.ROOT).charAt(0) + what.substring(1) + ": " + reason);
  }

  /**
   * Every undo step is done. A stage rollback holds at the stage before, soaking it again once
   * resumed; a full rollback holds for {@code retry} or {@code abandon}, or ends ({@code then:
   * end}).
   */
  void finish(Turn t, long now) {
    RollbackInfo rb = t.rollback;
    t.rollback = rb.completedAt(now);
    t.cursor = t.cursor.cleared();
    if (rb.scope() == Rule.Scope.STAGE) {
      Stage undone = t.stage();
      int back = t.position.stage() - 1;
      t.applied = t.applied.leaving(t.position.stage());
      t.position = t.position.atStage(back, now);
      t.setPhase(State.SOAKING, now);
      t.progress = t.progress.withSoak(Soak.ZERO);
      engine.rules.addWatch(t, now);
      engine.rules.addGates(t, back, now);
      Stage stage = t.stage();
      String text =
          "stage "
              + undone.name()
              + " rolled back; holding at stage "
              + stage.name()
              + " (resume to soak it again, abort to roll back everything)";
      t.addHold(Hold.Kind.STAGE_ROLLED_BACK, undone.name(), ENGINE, rb.reason(), now);
      t.journal = t.journal.withNextStatusAt(engine.words.nextStatusAt(t, now));
      t.decide(now, ENGINE, "rolled-back", true, text);
      t.notify(Command.Notify.Kind.ROLLED_BACK, "rollback", Command.Notify.Level.WARN, text);
      return;
    }
    boolean end = plan.rollback().then() == Rollback.Then.END;
    Integer percent = t.applied.percent();
    String text =
        "rolled back"
            + (percent != null ? ": traffic at " + percent + "%" : "")
            + (rb.note() != null ? " (" + rb.note() + ")" : "")
            + (end
                ? "; the cutover ends (then: end)"
                : "; holding: send retry to start over or abandon to end");
    t.decide(now, ENGINE, "rolled-back", true, text);
    t.notify(Command.Notify.Kind.ROLLED_BACK, "rollback", Command.Notify.Level.PAGE, text);
    t.setPhase(end ? State.ABANDONED : State.ROLLED_BACK, now);
  }
}
