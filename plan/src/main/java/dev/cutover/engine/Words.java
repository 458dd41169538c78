package dev.cutover.engine;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.plan.Action;
import dev.cutover.plan.Approvals;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The words operators read: stages, steps and holds described, and the periodic status line. */
final class Words extends Part {

  Words(Engine engine) {
    super(engine);
  }

  /**
   * When the first status line of the stage {@code t} is at, begun {@code now}, is due: its own
   * cadence ({@code notify.stageEvery}) or the plan's; null when the plan asks for none.
   */
  Long nextStatusAt(Turn t, long now) {
    Duration every = cadence(t);
    return every == null ? null : now + every.toMillis();
  }

  private Duration cadence(Turn t) {
    String stage = t.position.stage() < 0 ? null : t.stage().name();
    return plan.notifyValue().map(n -> n.everyFor(stage)).orElse(null);
  }

  /**
   * Every {@code notify.every} while a stage is active: where the cutover is, in one line, and as a
   * {@link Command.Notify.Report}: each rule's latest value against its threshold, what the cutover
   * waits for and when the next decision falls.
   */
  void statusLine(Turn t, long now) {
    Long due = t.journal.nextStatusAt();
    if (due == null || now < due || !t.phase().active()) {
      return;
    }
    Duration every = cadence(t);
    t.journal =
        t.journal.withNextStatusAt(now + (every == null ? Long.MAX_VALUE / 2 : every.toMillis()));
    int index = t.position.stage();
    Integer percent = t.applied.percent();
    Command.Notify.Report report = report(t, now);
    StringBuilder text =
        new StringBuilder("status: ")
            .append(t.displayState())
            .append(
                index < 0
                    ? ""
                    : ", stage "
                        + (index + 1)
                        + "/"
                        + plan.stages().size()
                        + " "
                        + t.stage().name())
            .append(percent == null ? "" : ", traffic " + percent + "%");
    t.notifyStatus(text.toString(), report);
  }

  private Command.Notify.Report report(Turn t, long now) {
    List<Command.Notify.Gate> gates = new ArrayList<>();
    Long next = null;
    for (RuleState r : t.rules.values()) {
      if (r.role() != RuleState.Role.GATE && r.role() != RuleState.Role.WATCH) {
        continue;
      }
      Comparison pass = engine.passOf(r);
      Measurement m = r.latest();
      gates.add(
          new Command.Notify.Gate(
              r.id(),
              r.check(),
              r.role().name().toLowerCase(Locale.ROOT),
              m == null ? null : m.outcome().name(),
              m == null ? null : m.value(),
              pass == null ? null : pass.toString()));
      next = earliest(next, engine.rules.breachDeadline(r, t.progress.acknowledged()));
    }
    String waiting = null;
    if (!t.holds.isEmpty() || t.rules.values().stream().anyMatch(RuleState::holdsStage)) {
      waiting = holdSummary(t) + " to clear";
    } else if (t.phase() == State.SOAKING && t.position.stage() >= 0) {
      CutoverState.Soak soak = t.progress.soak();
      long required = t.stage().soak().toMillis();
      if (soak.runningSince() != null) {
        long end = soak.runningSince() + Math.max(0, required - soak.accumulated());
        next = earliest(next, end);
        waiting =
            "the soak of " + t.stage().name() + " (" + Durations.format(t.stage().soak()) + ")";
      }
    } else if (t.phase() == State.AWAITING_APPROVAL) {
      waiting = "an approval from " + approvers(t);
    } else if (t.phase() == State.AWAITING_CHECKLIST) {
      Integer pending = t.position.pendingStage();
      List<String> ids = new ArrayList<>();
      engine
          .checklists
          .open(
              t,
              pending != null ? pending : t.position.stage(),
              pending != null
                  ? dev.cutover.plan.Checklist.When.BEFORE_START
                  : dev.cutover.plan.Checklist.When.BEFORE_COMPLETE)
          .forEach(task -> ids.add(task.id()));
      waiting =
          "checklist tasks "
              + String.join(", ", ids)
              + " (cutover confirm "
              + plan.name()
              + " TASK)";
    } else if (t.phase() == State.WAITING_WINDOW) {
      waiting = "the stage's window";
      next = earliest(next, t.position.waitUntil());
    }
    return new Command.Notify.Report(
        t.displayState().name(),
        t.position.stage() < 0 ? null : t.stage().name(),
        t.applied.percent(),
        gates,
        waiting,
        next);
  }

  private static Long earliest(Long a, Long b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : Long.valueOf(Math.min(a, b));
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
