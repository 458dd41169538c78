package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.cutover.engine.CutoverState.Progress;
import dev.cutover.engine.RuleState.Role;
import dev.cutover.plan.Action;
import dev.cutover.plan.Stage;
import dev.cutover.plan.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stages, forward and back: starting (over), the prerequisites, moving to the next stage once
 * its window and approval allow, and the steps that apply a stage or undo what was applied.
 */
final class Stages extends Part {

  Stages(Engine engine) {
    super(engine);
  }

  /** Starts (over) from the prerequisites: nothing entered, nothing held, nothing approved. */
  void beginAttempt(Turn t, long now) {
    t.setPhase(State.CHECKING_PREREQUISITES, now);
    t.position = t.position.atStage(-1, null);
    t.applied = t.applied.forgetStages();
    t.rules.clear();
    t.holds.clear();
    t.progress = Progress.FRESH;
    t.cursor = t.cursor.cleared();
    t.confirmations.clear();
    engine.rules.addPrerequisites(t, now);
  }

  boolean checkPrerequisites(Turn t, long now) {
    if (!t.holds.isEmpty() || !RuleBook.allPass(t, Role.PREREQUISITE)) {
      return false;
    }
    if (!plan.prerequisites().isEmpty()) {
      t.decide(
          now,
          ENGINE,
          "prerequisites",
          true,
          "all " + plan.prerequisites().size() + " prerequisites passed");
    }
    engine.rules.removeRoles(t, Role.PREREQUISITE);
    goTo(t, 0, now);
    return true;
  }

  boolean approvedToStart(Turn t, long now) {
    Stage pending = plan.stages().get(t.position.pendingStage());
    CutoverState.Approval approval = t.progress.approval();
    if (!t.holds.isEmpty() || approval == null || !approval.stage().equals(pending.name())) {
      return false;
    }
    goTo(t, t.position.pendingStage(), now);
    return true;
  }

  /** AWAITING_CHECKLIST before a stage: on once every task due before it starts is confirmed. */
  boolean confirmedToStart(Turn t, long now) {
    int pending = t.position.pendingStage();
    if (!t.holds.isEmpty()
        || !engine
            .checklists
            .open(t, pending, dev.cutover.plan.Checklist.When.BEFORE_START)
            .isEmpty()) {
      return false;
    }
    goTo(t, pending, now);
    return true;
  }

  boolean waitForWindow(Turn t, long now) {
    Long until = t.position.waitUntil();
    if (!t.holds.isEmpty() || until == null || now < until) {
      return false;
    }
    goTo(t, t.position.pendingStage(), now);
    return true;
  }

  /**
   * The current stage has soaked (and is approved): its {@code onComplete} actions run, if it has
   * any, and then it is done.
   */
  void soaked(Turn t, long now) {
    int index = t.position.stage();
    Stage stage = t.stage();
    if (stage.onComplete().isEmpty()) {
      stageDone(t, now);
      return;
    }
    List<Step> out = new ArrayList<>();
    String again = t.run.rollbacks() > 0 ? "/after-rollback-" + t.run.rollbacks() : "";
    for (int i = 0; i < stage.onComplete().size(); i++) {
      int at = stage.actions().size() + i;
      Step.Kind kind = stage.action(at) instanceof Action.Wait ? Step.Kind.WAIT : Step.Kind.ACTION;
      out.add(new Step(kind, index, at, null, null, stage.name() + "/onComplete/" + i + again));
    }
    t.setPhase(State.APPLYING, now);
    t.cursor = t.cursor.start(out, now);
    String text =
        "stage "
            + stage.name()
            + " has soaked; running its "
            + out.size()
            + " onComplete action"
            + (out.size() == 1 ? "" : "s");
    t.decide(now, ENGINE, "on-complete", true, text);
    t.notify(Command.Notify.Level.INFO, text);
  }

  /** Whether the cursor holds the current stage's {@code onComplete} steps (not its entry). */
  boolean completing(Turn t) {
    List<Step> steps = t.cursor.steps();
    if (steps.isEmpty() || t.position.stage() < 0) {
      return false;
    }
    Step first = steps.get(0);
    return first.stage() == t.position.stage()
        && (first.kind() == Step.Kind.ACTION || first.kind() == Step.Kind.WAIT)
        && t.stage().atCompletion(first.index());
  }

  /** The current stage is done: on to the next, or the cutover is complete. */
  void stageDone(Turn t, long now) {
    CutoverState.Approval approval = t.progress.approval();
    t.decide(
        now,
        ENGINE,
        "stage-done",
        true,
        "stage "
            + t.stage().name()
            + " complete"
            + (approval != null ? " (approved by " + approval.by() + ")" : ""));
    t.progress = t.progress.withApproval(null);
    if (t.position.stage() == plan.stages().size() - 1) {
      t.setPhase(State.COMPLETED, now);
      t.rules.clear();
      t.journal = t.journal.withNextStatusAt(null);
      t.notify(
          Command.Notify.Kind.COMPLETED,
          null,
          Command.Notify.Level.INFO,
          "cutover complete: all " + plan.stages().size() + " stages done");
      return;
    }
    goTo(t, t.position.stage() + 1, now);
  }

  /**
   * Stage {@code index} starts now, unless it waits for its checklist, an approval to start or its
   * window (in that order).
   */
  private void goTo(Turn t, int index, long now) {
    Stage stage = plan.stages().get(index);
    if (engine.checklists.waitBeforeStart(t, index, now)) {
      return;
    }
    CutoverState.Approval approval = t.progress.approval();
    if (needsApprovalToStart(stage)
        && (approval == null || !approval.stage().equals(stage.name()))) {
      if (waitToStart(t, State.AWAITING_APPROVAL, index, null, now)) {
        String text =
            "stage "
                + stage.name()
                + " has an action that cannot be undone; it starts after an approval"
                + " from "
                + engine.words.approvers(t);
        t.decide(now, ENGINE, "await-approval", true, text);
        t.notify(Command.Notify.Kind.WAITING, stage.name(), Command.Notify.Level.INFO, text);
      }
      return;
    }
    Optional<Window> window = plan.windowFor(stage);
    if (window.isPresent() && !window.get().isOpen(Instant.ofEpochMilli(now))) {
      long opens = window.get().nextOpening(Instant.ofEpochMilli(now)).toEpochMilli();
      if (waitToStart(t, State.WAITING_WINDOW, index, opens, now)) {
        String text =
            "stage "
                + stage.name()
                + " waits for its window "
                + window.get()
                + " (opens "
                + Instant.ofEpochMilli(opens)
                + ")";
        t.decide(now, ENGINE, "window", true, text);
        t.notify(Command.Notify.Kind.WAITING, stage.name(), Command.Notify.Level.INFO, text);
      }
      return;
    }
    enter(t, index, now);
  }

  /**
   * Waits in {@code phase} to start stage {@code index}; true when it was not waiting so already.
   */
  private static boolean waitToStart(Turn t, State phase, int index, Long until, long now) {
    Integer pending = t.position.pendingStage();
    boolean already = t.phase() == phase && pending != null && pending == index;
    t.setPhase(phase, now);
    t.position = t.position.waitingFor(index, until);
    t.rules.values().removeIf(r -> r.role() == Role.GATE);
    return !already;
  }

  private void enter(Turn t, int index, long now) {
    Stage stage = plan.stages().get(index);
    t.setPhase(State.APPLYING, now);
    t.position = t.position.atStage(index, now);
    t.applied = t.applied.entering(index);
    t.progress = Progress.FRESH;
    engine.rules.removeRoles(t, Role.GATE, Role.WAIT);
    engine.rules.addWatch(t, now);
    t.cursor = t.cursor.start(forwardSteps(t, index), now);
    t.journal = t.journal.withNextStatusAt(engine.words.nextStatusAt(t, now));
    String text =
        "stage "
            + (index + 1)
            + "/"
            + plan.stages().size()
            + " "
            + stage.name()
            + " starts: "
            + Words.describeStage(stage);
    t.decide(now, ENGINE, "enter", true, text);
    t.notify(Command.Notify.Kind.STAGE_STARTED, stage.name(), Command.Notify.Level.INFO, text);
  }

  private List<Step> forwardSteps(Turn t, int index) {
    Stage s = plan.stages().get(index);
    List<Step> out = new ArrayList<>();
    // A stage entered again (after a rollback) must not look like a retried delivery of its first
    // entry to an API that honours Idempotency-Key.
    int rollbacks = t.run.rollbacks();
    String again = rollbacks > 0 ? "/after-rollback-" + rollbacks : "";
    if (engine.baselines.any()) {
      out.add(new Step(Step.Kind.BASELINE, index, -1, null, null, null));
    }
    if (s.percent() != null) {
      out.add(
          new Step(Step.Kind.TRAFFIC, index, -1, s.percent(), null, s.name() + "/traffic" + again));
    }
    if (!s.flags().isEmpty()) {
      out.add(new Step(Step.Kind.FLAGS, index, -1, null, s.flags(), s.name() + "/flags" + again));
    }
    for (int i = 0; i < s.actions().size(); i++) {
      Step.Kind kind =
          s.actions().get(i) instanceof Action.Wait ? Step.Kind.WAIT : Step.Kind.ACTION;
      out.add(new Step(kind, index, i, null, null, s.name() + "/actions/" + i + again));
    }
    return out;
  }

  /** Undoes every entered stage, newest first; then the rollback's actions; then the drain. */
  List<Step> undoAll(Turn t) {
    List<Step> out = new ArrayList<>();
    boolean trafficReset = false;
    List<Integer> entered = t.applied.entered();
    for (int i = entered.size() - 1; i >= 0; i--) {
      int index = entered.get(i);
      Stage s = plan.stages().get(index);
      String undo = undoKey(t, s);
      if (s.percent() != null && !trafficReset) {
        out.add(
            new Step(
                Step.Kind.TRAFFIC, index, -1, plan.rollback().percent(), null, undo + "/traffic"));
        trafficReset = true;
      }
      out.addAll(undoFlagsAndActions(t, index, undo));
    }
    if (entered.isEmpty()) {
      return out;
    }
    List<Action> actions = plan.rollback().actions();
    for (int i = 0; i < actions.size(); i++) {
      String key = "rollback-" + t.run.rollbacks() + "/actions/" + i;
      Step.Kind kind =
          actions.get(i) instanceof Action.Wait ? Step.Kind.WAIT : Step.Kind.ROLLBACK_ACTION;
      out.add(new Step(kind, -1, i, null, null, key));
    }
    if (plan.rollback().drain() != null) {
      out.add(new Step(Step.Kind.DRAIN, -1, -1, null, null, null));
    }
    return out;
  }

  /** Undoes only the current stage: traffic back to the percent before it, its flags reverted. */
  List<Step> undoStage(Turn t) {
    int current = t.position.stage();
    Stage s = plan.stages().get(current);
    List<Step> out = new ArrayList<>();
    String undo = undoKey(t, s);
    if (s.percent() != null) {
      int before = plan.rollback().percent();
      for (int index : t.applied.entered()) {
        Stage earlier = plan.stages().get(index);
        if (index < current && earlier.percent() != null) {
          before = earlier.percent();
        }
      }
      out.add(new Step(Step.Kind.TRAFFIC, current, -1, before, null, undo + "/traffic"));
    }
    out.addAll(undoFlagsAndActions(t, current, undo));
    return out;
  }

  private static String undoKey(Turn t, Stage s) {
    return "rollback-" + t.run.rollbacks() + "/" + s.name();
  }

  /**
   * A stage's flags reverted, then the undos of its actions that ran (onComplete's too), newest
   * first.
   */
  private List<Step> undoFlagsAndActions(Turn t, int stage, String keyPrefix) {
    List<Step> out = new ArrayList<>();
    Stage s = plan.stages().get(stage);
    if (!s.flags().isEmpty()) {
      out.add(new Step(Step.Kind.FLAGS, stage, -1, null, revertOf(s), keyPrefix + "/flags"));
    }
    List<Action> actions = s.allActions();
    for (int i = actions.size() - 1; i >= 0; i--) {
      if (actions.get(i).undo() != null && t.applied.actionsDone().contains(actionKey(stage, i))) {
        String name =
            s.atCompletion(i) ? "/onComplete/" + (i - s.actions().size()) : "/actions/" + i;
        out.add(new Step(Step.Kind.UNDO_ACTION, stage, i, null, null, keyPrefix + name + "/undo"));
      }
    }
    return out;
  }

  /**
   * The newest entered stage whose irreversible action has run (a point of no return), or -1. Plans
   * that do not say what a breach after one does ({@code afterPointOfNoReturn}) have none: their
   * rollbacks undo everything, as when their cutovers started.
   */
  int pointOfNoReturn(Turn t) {
    if (plan.rollback().afterPointOfNoReturn() == null) {
      return -1;
    }
    int point = -1;
    for (int index : t.applied.entered()) {
      List<Action> actions = plan.stages().get(index).allActions();
      for (int i = 0; i < actions.size(); i++) {
        if (actions.get(i).irreversible()
            && t.applied.actionsDone().contains(actionKey(index, i))) {
          point = Math.max(point, index);
        }
      }
    }
    return point;
  }

  /** Where the point of no return of stage {@code index} is, e.g. {@code stages[2].actions[0]}. */
  String irreversibleAt(int index) {
    Stage s = plan.stages().get(index);
    List<Action> actions = s.allActions();
    for (int i = 0; i < actions.size(); i++) {
      if (actions.get(i).irreversible()) {
        return "stages["
            + index
            + "]."
            + (s.atCompletion(i)
                ? "onComplete[" + (i - s.actions().size()) + "]"
                : "actions[" + i + "]");
      }
    }
    return "stages[" + index + "]";
  }

  /**
   * The share of traffic in effect at stage {@code index} as entered: the newest percent of a stage
   * entered up to it, else the rollback's.
   */
  int percentAt(Turn t, int index) {
    int p = plan.rollback().percent();
    for (int i : t.applied.entered()) {
      if (i <= index && plan.stages().get(i).percent() != null) {
        p = plan.stages().get(i).percent();
      }
    }
    return p;
  }

  /**
   * Undoes every entered stage after {@code target}, newest first: traffic once to the share in
   * effect at {@code target}, each stage's flags reverted and its actions undone.
   */
  List<Step> undoBackTo(Turn t, int target) {
    List<Step> out = new ArrayList<>();
    boolean trafficReset = false;
    List<Integer> entered = t.applied.entered();
    for (int i = entered.size() - 1; i >= 0; i--) {
      int index = entered.get(i);
      if (index <= target) {
        continue;
      }
      Stage s = plan.stages().get(index);
      String undo = undoKey(t, s);
      if (s.percent() != null && !trafficReset) {
        out.add(
            new Step(Step.Kind.TRAFFIC, index, -1, percentAt(t, target), null, undo + "/traffic"));
        trafficReset = true;
      }
      out.addAll(undoFlagsAndActions(t, index, undo));
    }
    return out;
  }

  /** How {@link CutoverState.Applied#actionsDone} names a stage's action. */
  static String actionKey(int stage, int index) {
    return stage + ":" + index;
  }

  /** A stage with an action that cannot be undone starts only after an approval for it. */
  static boolean needsApprovalToStart(Stage s) {
    return s.actions().stream().anyMatch(Action::irreversible);
  }

  /**
   * A stage's undo: its {@code revert}, else its boolean flags negated (the reader ensures that
   * suffices).
   */
  static Map<String, JsonNode> revertOf(Stage s) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : s.flags().entrySet()) {
      JsonNode r = s.revert().get(e.getKey());
      if (r == null && e.getValue().isBoolean()) {
        r = BooleanNode.valueOf(!e.getValue().booleanValue());
      }
      if (r != null) {
        out.put(e.getKey(), r);
      }
    }
    s.revert().forEach(out::putIfAbsent);
    return out;
  }
}
