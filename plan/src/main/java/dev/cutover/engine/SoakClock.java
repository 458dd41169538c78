package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Soak;
import dev.cutover.engine.RuleState.Role;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;

/**
 * A stage after it is applied: the soak clock (see {@link Engine} for how it runs), a promote that
 * ends it early on fresh passing gates, and the approval a stage may need before the next starts.
 */
final class SoakClock extends Part {

  SoakClock(Engine engine) {
    super(engine);
  }

  /** The current stage is applied: its gates start and its soak clock is at zero. */
  void startSoaking(Turn t, long now) {
    Stage stage = t.stage();
    t.setPhase(State.SOAKING, now);
    t.cursor = t.cursor.cleared();
    t.resetSoak();
    engine.rules.addGates(t, t.position.stage(), now);
    t.decide(
        now,
        ENGINE,
        "soak",
        true,
        "stage "
            + stage.name()
            + " applied; soaking "
            + Durations.format(stage.soak())
            + (stage.gates().isEmpty() ? "" : ", gates every " + Durations.format(stage.every())));
  }

  /** When the soak clock, running now, reaches the stage's soak; null when it is not running. */
  Long metAt(CutoverState s) {
    Soak soak = s.soak();
    boolean soaking =
        s.phase() == State.SOAKING
            || s.phase() == State.AWAITING_APPROVAL
            || (s.phase() == State.AWAITING_CHECKLIST && s.pendingStage() == null);
    if (!soaking || soak.runningSince() == null) {
      return null;
    }
    return reachedAt(soak, plan.stages().get(s.stage()).soak().toMillis());
  }

  private static long reachedAt(Soak s, long soak) {
    return s.runningSince() + Math.max(0, soak - s.accumulated());
  }

  /**
   * SOAKING, AWAITING_CHECKLIST (before the stage completes) or AWAITING_APPROVAL: moves on when
   * the soak is met, nothing holds, every task due before the stage completes is confirmed and
   * approval is given.
   */
  boolean soakAndApprove(Turn t, long now) {
    Stage stage = t.stage();
    update(t, now);
    if (t.progress.promoteAt() != null) {
      settlePromote(t, now);
    }
    boolean met = soakMet(t, now);
    boolean blocked = t.held();
    boolean approved = t.progress.approval() != null;
    State phase = t.phase();
    if (phase != State.SOAKING) {
      if (blocked || !met) {
        t.setPhase(State.SOAKING, now);
        return true;
      }
    } else if (!met || blocked) {
      return false;
    }
    if (engine.checklists.waitBeforeComplete(t, now)) {
      // Waiting already: nothing moved. Just begun waiting: the phase changed.
      return phase != State.AWAITING_CHECKLIST;
    }
    if (phase == State.AWAITING_APPROVAL && !approved) {
      return false;
    }
    if (stage.approvalToComplete() && !approved) {
      t.setPhase(State.AWAITING_APPROVAL, now);
      String text =
          "stage "
              + stage.name()
              + " has soaked; waiting for approval from "
              + engine.words.approvers(t);
      t.decide(now, ENGINE, "await-approval", true, text);
      t.notify(Command.Notify.Kind.WAITING, stage.name(), Command.Notify.Level.INFO, text);
      return true;
    }
    engine.stages.soaked(t, now);
    return true;
  }

  /**
   * Runs the clock while every gate passes and nothing holds or is being applied; stops it
   * otherwise.
   */
  private static void update(Turn t, long now) {
    boolean canRun = !t.held() && t.cursor.effect() == null && RuleBook.allPass(t, Role.GATE);
    Soak s = t.progress.soak();
    if (s.runningSince() != null && !canRun) {
      t.progress = t.progress.withSoak(s.stopped(now));
    } else if (s.runningSince() == null && canRun) {
      t.progress = t.progress.withSoak(s.running(now));
    }
  }

  private static boolean soakMet(Turn t, long now) {
    Soak s = t.progress.soak();
    if (s.promoted()) {
      return !t.held();
    }
    if (s.runningSince() == null) {
      return false;
    }
    long soak = t.stage().soak().toMillis();
    if (s.accumulated() + (now - s.runningSince()) < soak) {
      return false;
    }
    // The soak ends on evidence, not on a clock alone: every gate measured at or after the moment
    // the clock reached the soak.
    long reachedAt = reachedAt(s, soak);
    boolean fresh = true;
    for (RuleState r : List.copyOf(t.rules.values())) {
      if (r.role() == Role.GATE && r.latest().at() < reachedAt) {
        fresh = false;
        if (r.inFlight() == null && r.nextDueAt() > now) {
          t.rules.put(r.id(), r.withDue(now));
        }
      }
    }
    return fresh;
  }

  /**
   * A promote asks for a fresh measurement of every gate (none: it settles at once): the soak ends
   * when they all pass, and the promote is rejected when one does not.
   */
  void promote(Turn t, String by, String reason, long now) {
    t.progress = t.progress.promoting(now, by);
    if (!RuleBook.measureGatesNow(t, now)) {
      settlePromote(t, now);
    } else {
      t.decide(
          now,
          by,
          SignalName.PROMOTE.wire(),
          true,
          "measuring the gates once more before ending the soak" + reason);
    }
  }

  private void settlePromote(Turn t, long now) {
    long promoteAt = t.progress.promoteAt();
    List<String> failing = new ArrayList<>();
    for (RuleState r : t.rules.values()) {
      if (r.role() != Role.GATE) {
        continue;
      }
      Measurement m = r.latest();
      if (m == null || m.at() < promoteAt) {
        return; // fresh measurements still to come
      }
      if (m.outcome() != Outcome.PASS) {
        failing.add(
            r.check() + " " + m.outcome() + (m.reason().isEmpty() ? "" : " (" + m.reason() + ")"));
      }
    }
    String by = t.progress.promoteBy();
    t.progress = t.progress.promoting(null, null);
    if (failing.isEmpty()) {
      t.progress = t.progress.withSoak(t.progress.soak().endedByPromote());
      t.decide(
          now,
          by,
          SignalName.PROMOTE.wire(),
          true,
          "soak of " + t.stage().name() + " ended early: fresh gate measurements passed");
    } else {
      t.decide(
          now,
          by,
          SignalName.PROMOTE.wire(),
          false,
          "fresh gate measurements did not pass: " + String.join("; ", failing));
    }
  }
}
