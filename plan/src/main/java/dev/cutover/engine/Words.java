package dev.cutover.engine;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.plan.Action;
import dev.cutover.plan.Approvals;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Notify;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The words operators read: stages, steps and holds described, and the periodic status line. */
final class Words extends Part {

  Words(Engine engine) {
    super(engine);
  }

  /**
   * When the first status line of a stage begun {@code now} is due; null when the plan asks for
   * none.
   */
  Long nextStatusAt(long now) {
    return plan.notifyValue().map(Notify::every).map(e -> now + e.toMillis()).orElse(null);
  }

  /** Every {@code notify.every} while a stage is active: where the cutover is, in one line. */
  void statusLine(Turn t, long now) {
    Long due = t.journal.nextStatusAt();
    if (due == null || now < due || !t.phase().active()) {
      return;
    }
    t.journal =
        t.journal.withNextStatusAt(
            now + plan.notifyValue().map(n -> n.every().toMillis()).orElse(Long.MAX_VALUE / 2));
    int index = t.position.stage();
    Integer percent = t.applied.percent();
    t.notify(
        Command.Notify.Level.INFO,
        "status: "
            + t.displayState()
            + (index < 0
                ? ""
                : ", stage " + (index + 1) + "/" + plan.stages().size() + " " + t.stage().name())
            + (percent == null ? "" : ", traffic " + percent + "%"));
  }

  /**
   * Who may approve, e.g. {@code alice or bob (not carol)}: the approvers, and the starter under
   * four eyes.
   */
  String approvers(Turn t) {
    Approvals a = plan.approvals();
    return (a.approvers().isEmpty() ? "anyone" : String.join(" or ", a.approvers()))
        + (a.fourEyes() ? " (not " + t.run.startedBy() + ")" : "");
  }

  /** What holds the cutover, e.g. {@code paused by alice, breach of errors}. */
  String holdSummary(Turn t) {
    List<String> parts = new ArrayList<>();
    for (Hold h : t.holds) {
      parts.add(
          h.kind().name().toLowerCase(Locale.ROOT)
              + (h.kind() == Hold.Kind.PAUSED ? " by " + h.by() : " " + h.subject()));
    }
    for (RuleState r : t.rules.values()) {
      if (r.holdsStage()) {
        parts.add("breach of " + r.check());
      }
    }
    return String.join(", ", parts);
  }

  static String describeStage(Stage s) {
    List<String> parts = new ArrayList<>();
    if (s.percent() != null) {
      parts.add(s.percent() + "% of traffic");
    }
    if (!s.flags().isEmpty()) {
      List<String> f = new ArrayList<>();
      s.flags().forEach((k, v) -> f.add(k + "=" + v));
      parts.add("flags " + String.join(", ", f));
    }
    if (s.observe()) {
      parts.add("observe only");
    }
    if (!s.actions().isEmpty()) {
      parts.add(s.actions().size() + " action" + (s.actions().size() == 1 ? "" : "s"));
    }
    parts.add("soak " + Durations.format(s.soak()));
    if (!s.onComplete().isEmpty()) {
      parts.add(
          "then " + s.onComplete().size() + " action" + (s.onComplete().size() == 1 ? "" : "s"));
    }
    return String.join(", ", parts);
  }

  String describeStep(Step step) {
    return switch (step.kind()) {
      case TRAFFIC -> "traffic set to " + step.percent() + "%";
      case FLAGS -> {
        List<String> f = new ArrayList<>();
        step.flags().forEach((k, v) -> f.add(k + "=" + v));
        yield "flags set: " + String.join(", ", f);
      }
      case ACTION ->
          "action " + step.index() + " of stage " + stageName(step) + " (" + action(step) + ")";
      case ROLLBACK_ACTION -> "rollback action " + step.index() + " (" + action(step) + ")";
      case UNDO_ACTION ->
          "undo of action "
              + step.index()
              + " of stage "
              + stageName(step)
              + " ("
              + action(step)
              + ")";
      case WAIT -> "wait for " + engine.steps.waitCheck(step);
      case DRAIN -> "drain (" + plan.rollback().drain().check() + ")";
      case BASELINE ->
          "capture of the stage baseline ("
              + String.join(", ", engine.baselines.captureChecks())
              + ")";
    };
  }

  private String stageName(Step step) {
    return plan.stages().get(step.stage()).name();
  }

  private String action(Step step) {
    return describeAction(engine.actionOf(step));
  }

  static String describeAction(Action a) {
    if (a instanceof Action.Http h) {
      return h.call().toString();
    }
    if (a instanceof Action.Command c) {
      return String.join(" ", c.argv());
    }
    return "wait for " + ((Action.Wait) a).check();
  }
}
