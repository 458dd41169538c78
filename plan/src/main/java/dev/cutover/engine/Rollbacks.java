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
    int point = engine.stages.pointOfNoReturn(t);
    if (point >= 0) {
      int current = t.position.stage();
      boolean staysPast =
          partial
              && current > point
              && engine.stages.percentAt(t, current - 1) >= engine.stages.percentAt(t, point);
      if (!staysPast) {
        pastPointOfNoReturn(t, now, reason, by, point);
        return;
      }
    }
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
   * A rollback asked for after the point of no return at stage {@code point}: nothing before it is
   * undone. By {@code afterPointOfNoReturn}: back to its stage (or the point, if later) when the
   * cutover is past it, else hold and page until resume.
   */
  private void pastPointOfNoReturn(Turn t, long now, String reason, String by, int point) {
    Rollback.AfterPointOfNoReturn after = plan.rollback().afterPointOfNoReturn();
    String at = engine.stages.irreversibleAt(point);
    int target = after.hold() ? -1 : Math.max(plan.stageIndex(after.stage()), point);
    if (target >= 0 && target < t.position.stage() && t.phase() != State.CHECKING_PREREQUISITES) {
      t.run = t.run.oneMoreRollback();
      if (t.cursor.effect() != null) {
        t.cursor = t.cursor.withEffect(t.cursor.effect().orphan());
      }
      List<Step> steps = engine.stages.undoBackTo(t, target);
      t.setPhase(State.ROLLING_BACK, now);
      t.cursor = t.cursor.start(steps, now);
      t.holds.clear();
      t.progress = t.progress.withApproval(null).promoting(null, null);
      t.position = t.position.waitingFor(null, null);
      t.rules.clear();
      t.journal = t.journal.withNextStatusAt(null);
      t.rollback = new RollbackInfo(reason, by, now, Rule.Scope.STAGE, 0, null, null, null, target);
      String what =
          "past the point of no return ("
              + at
              + " ran): rolling back to stage "
              + plan.stages().get(target).name()
              + " only";
      t.incident(now, "rollback", plan.stages().get(target).name(), what + ": " + reason);
      t.decide(now, by, "rollback", true, what + ": " + reason);
      t.notify(Command.Notify.Level.PAGE, "Past " + what.substring(5) + ": " + reason);
      return;
    }
    if (t.hasHold(Hold.Kind.POINT_OF_NO_RETURN)) {
      return; // held already: one page, not one per evaluation
    }
    String text =
        "past the point of no return ("
            + at
            + " ran): nothing is undone; holding at stage "
            + t.stage().name()
            + " (fix forward, then resume): "
            + reason;
    t.addHold(Hold.Kind.POINT_OF_NO_RETURN, t.stage().name(), by, reason, now);
    t.incident(now, "point-of-no-return", t.stage().name(), text);
    t.decide(now, by, "hold", true, text);
    t.notify(
        Command.Notify.Level.PAGE,
        text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1));
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
      int back = rb.backTo() != null ? rb.backTo() : t.position.stage() - 1;
      for (int index : List.copyOf(t.applied.entered())) {
        if (index > back) {
          t.applied = t.applied.leaving(index);
        }
      }
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
