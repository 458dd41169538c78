package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.plan.Deadline;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.time.Duration;
import java.util.List;

/**
 * Hard limits in time: a stage's {@code deadline} ({@code applyWithin}, {@code completeWithin},
 * counted from the stage's start) and the rollback's {@code budget}. Each is a timer of the engine
 * ({@link Engine#nextWakeAt}); it acts once, when the time passes it (the last event before was
 * earlier), so a {@code resume} after a deadline's hold does not set it off again.
 */
final class Deadlines extends Part {

  Deadlines(Engine engine) {
    super(engine);
  }

  /** When the current stage's change-by limit falls, while it still applies; else null. */
  Long applyDue(CutoverState s) {
    Deadline d = current(s);
    if (d == null || d.applyWithin() == null || s.phase() != State.APPLYING || completing(s)) {
      return null;
    }
    return s.position().stageStartedAt() + d.applyWithin().toMillis();
  }

  /** When the current stage's complete-by limit falls, while it is not complete; else null. */
  Long completeDue(CutoverState s) {
    Deadline d = current(s);
    if (d == null || d.completeWithin() == null) {
      return null;
    }
    return s.position().stageStartedAt() + d.completeWithin().toMillis();
  }

  /** When the rollback's budget runs out, while it is rolling back; else null. */
  Long budgetDue(CutoverState s) {
    Duration budget = plan.rollback().budget();
    if (budget == null || s.phase() != State.ROLLING_BACK || s.rollback() == null) {
      return null;
    }
    return s.rollback().startedAt() + budget.toMillis();
  }

  /** Every limit that falls after the last event: for {@link Engine#nextWakeAt}. */
  void dueTimes(CutoverState s, List<Long> times) {
    for (Long at : new Long[] {applyDue(s), completeDue(s), budgetDue(s)}) {
      if (at != null) {
        times.add(at);
      }
    }
  }

  /** Acts on each limit that time has passed since the last event. */
  void check(Turn t, long now) {
    CutoverState s = t.freeze();
    Long budget = budgetDue(s);
    if (passed(t, budget, now)) {
      overBudget(t, now);
    }
    Long apply = applyDue(s);
    if (passed(t, apply, now)) {
      missed(t, now, "applyWithin", current(s).applyWithin(), "its changes were not all made");
      return;
    }
    Long complete = completeDue(s);
    if (passed(t, complete, now)) {
      missed(t, now, "completeWithin", current(s).completeWithin(), "it is not complete");
    }
  }

  private static boolean passed(Turn t, Long due, long now) {
    return due != null && t.before < due && due <= now;
  }

  private void missed(Turn t, long now, String field, Duration limit, String what) {
    Stage stage = t.stage();
    Deadline d = stage.deadline();
    String missed =
        "stage "
            + stage.name()
            + " started "
            + Durations.format(limit)
            + " ago and "
            + what
            + " (deadline."
            + field
            + ")";
    // The decision's kind already says "deadline"; the reason and the page stand alone.
    String text = "deadline: " + missed;
    t.incident(now, "deadline", stage.name(), text);
    if (d.then() == Deadline.Then.ROLLBACK) {
      t.decide(now, ENGINE, "deadline", true, missed + "; rolling back");
      engine.rollbacks.start(
          t, now, text, ENGINE, Rule.Scope.ALL, Command.Notify.Kind.DEADLINE, stage.name());
      return;
    }
    t.addHold(Hold.Kind.DEADLINE, stage.name(), ENGINE, text, now);
    t.decide(now, ENGINE, "deadline", true, missed + "; held until resume");
    t.notify(
        Command.Notify.Kind.DEADLINE,
        stage.name(),
        Command.Notify.Level.PAGE,
        text + "; held until resume (or abort)");
  }

  private void overBudget(Turn t, long now) {
    String text =
        "rollback over its budget: started "
            + Durations.format(plan.rollback().budget())
            + " ago ("
            + t.rollback.reason()
            + ") and not done"
            + (t.cursor.error() != null ? "; failing: " + t.cursor.error() : "");
    t.incident(now, "rollback_overdue", "rollback", text);
    t.decide(now, ENGINE, "rollback-overdue", true, text);
    t.notify(Command.Notify.Kind.ROLLBACK_OVERDUE, "rollback", Command.Notify.Level.PAGE, text);
  }

  /** The current stage's deadline, while it is the current stage and not done; else null. */
  private Deadline current(CutoverState s) {
    if (s.stage() < 0
        || s.pendingStage() != null
        || !(s.phase() == State.APPLYING
            || s.phase() == State.SOAKING
            || s.phase() == State.AWAITING_APPROVAL
            || s.phase() == State.AWAITING_CHECKLIST)) {
      return null;
    }
    return plan.stages().get(s.stage()).deadline();
  }

  /**
   * Whether the steps being run are the current stage's onComplete (it has applied its changes).
   */
  private boolean completing(CutoverState s) {
    List<Step> steps = s.cursor().steps();
    if (s.cursor().finished() || steps.isEmpty()) {
      return true;
    }
    Step first = steps.get(0);
    return first.stage() == s.stage()
        && (first.kind() == Step.Kind.ACTION || first.kind() == Step.Kind.WAIT)
        && plan.stages().get(s.stage()).atCompletion(first.index());
  }
}
