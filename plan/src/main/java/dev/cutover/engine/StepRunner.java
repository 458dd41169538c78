package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.InFlightEffect;
import dev.cutover.plan.Action;
import dev.cutover.plan.Durations;
import java.time.Duration;
import java.util.Optional;

/**
 * Carries out the step cursor, forward (APPLYING) or backward (ROLLING_BACK): one effect at a time
 * through the worker, waits and drains through measurements, failures held or retried with backoff.
 */
final class StepRunner extends Part {
  private static final long FIRST_BACKOFF_MS = 5_000;
  private static final long MAX_BACKOFF_MS = 300_000;

  /** A failing rollback step pages on its first failure and then on every this many. */
  private static final int PAGE_EVERY_FAILURES = 10;

  StepRunner(Engine engine) {
    super(engine);
  }

  /** Moves the steps on; true when the phase changed or a step ended (so the loop looks again). */
  boolean run(Turn t, long now) {
    if (t.cursor.effect() != null) {
      return false;
    }
    boolean forward = t.phase() == State.APPLYING;
    if (forward
        && (t.hasHold(Hold.Kind.APPLY_FAILED)
            || t.hasHold(Hold.Kind.POINT_OF_NO_RETURN)
            || t.hasHold(Hold.Kind.DEADLINE))) {
      return false;
    }
    Long retryAt = t.cursor.retryAt();
    if (retryAt != null && now < retryAt) {
      return false;
    }
    if (t.cursor.finished()) {
      if (forward && engine.stages.completing(t)) {
        t.cursor = t.cursor.cleared();
        engine.stages.stageDone(t, now);
      } else if (forward) {
        engine.soak.startSoaking(t, now);
      } else {
        engine.rollbacks.finish(t, now);
      }
      return true;
    }
    Step step = t.cursor.current();
    if (step.kind() == Step.Kind.BASELINE) {
      engine.baselines.capture(t, step);
      return false;
    }
    if (step.carriedOutByWorker()) {
      t.seq++;
      t.cursor = t.cursor.dispatched(new InFlightEffect(t.seq, step, false));
      t.commands.add(new Command.Apply(t.seq, step));
      return false;
    }
    return waitFor(t, step, forward, now);
  }

  /** WAIT and DRAIN: measure the check until it passes or the timeout runs out. */
  private boolean waitFor(Turn t, Step step, boolean forward, long now) {
    String id = waitRuleId(step);
    String check = waitCheck(step);
    RuleState r = t.rules.get(id);
    if (r == null) {
      engine.rules.addWait(t, id, step, check, now);
      return false;
    }
    Measurement latest = r.latest();
    long startedAt = t.cursor.startedAt();
    if (latest != null && latest.at() >= startedAt && latest.outcome() == Outcome.PASS) {
      t.rules.remove(id);
      t.decide(
          now,
          ENGINE,
          step.kind() == Step.Kind.DRAIN ? "drain" : "wait",
          true,
          "check " + check + " passed: " + latest.reason());
      t.cursor = t.cursor.next(now);
      return true;
    }
    Duration timeout = waitTimeout(step).orElseThrow();
    if (now < startedAt + timeout.toMillis()) {
      return false;
    }
    t.rules.remove(id);
    String last = latest == null ? "never measured" : latest.outcome() + " " + latest.reason();
    String text =
        "check "
            + check
            + " did not pass within "
            + Durations.format(timeout)
            + " (last: "
            + last
            + ")";
    if (forward) {
      t.cursor = t.cursor.withError(text);
      t.addHold(Hold.Kind.APPLY_FAILED, t.stage().name(), ENGINE, text, now);
      t.notify(
          Command.Notify.Level.WARN,
          "stage "
              + t.stage().name()
              + " is held: "
              + text
              + "; resume to wait again, abort to roll back");
      return false;
    }
    t.rollback = t.rollback.noted(text + "; rollback went on without it");
    t.notify(Command.Notify.Level.WARN, "rollback: " + text);
    t.cursor = t.cursor.next(now);
    return true;
  }

  private static String waitRuleId(Step step) {
    return switch (step.kind()) {
      case DRAIN -> "rollback.drain";
      default ->
          (step.stage() >= 0 ? "stages[" + step.stage() + "]" : "rollback")
              + ".actions["
              + step.index()
              + "]";
    };
  }

  /** The check a WAIT or DRAIN step waits for. */
  String waitCheck(Step step) {
    if (step.kind() == Step.Kind.DRAIN) {
      return plan.rollback().drain().check();
    }
    return ((Action.Wait) engine.actionOf(step)).check();
  }

  /** How long a WAIT or DRAIN step waits at most; empty for the steps the worker carries out. */
  Optional<Duration> waitTimeout(Step step) {
    if (step.kind() == Step.Kind.DRAIN) {
      return Optional.of(plan.rollback().drain().timeout());
    }
    if (step.kind() == Step.Kind.WAIT) {
      return Optional.of(((Action.Wait) engine.actionOf(step)).timeout());
    }
    return Optional.empty();
  }

  /** The worker carried out (or failed) the effect in flight. */
  void onEffectDone(Turn t, Event.EffectDone d, long now) {
    InFlightEffect done = t.cursor.effect();
    if (done == null || done.seq() != d.seq()) {
      return; // an answer to something no longer awaited
    }
    t.cursor = t.cursor.withEffect(null);
    Step step = done.step();
    if (d.ok()) {
      record(t, step);
      if (step.kind() == Step.Kind.ACTION && step.stage() >= 0) {
        t.applied = t.applied.withOutputs(t.plan.stages().get(step.stage()).name(), d.outputs());
      }
      t.decide(
          now,
          ENGINE,
          "applied",
          true,
          engine.describeStep(step)
              + (d.detail() == null || d.detail().isEmpty() ? "" : ": " + d.detail()));
    }
    if (done.orphaned()) {
      return; // a rollback began meanwhile; its own steps undo whatever this did
    }
    if (d.ok()) {
      int failed = t.cursor.attempt();
      if (t.phase() == State.ROLLING_BACK && t.cursor.error() != null) {
        t.notify(
            Command.Notify.Kind.ROLLBACK_RECOVERED,
            "rollback",
            Command.Notify.Level.PAGE,
            "rollback recovered: "
                + engine.describeStep(step)
                + " succeeded after "
                + failed
                + " failed attempt"
                + (failed == 1 ? "" : "s"));
      }
      t.cursor = t.cursor.next(now);
      return;
    }
    t.cursor = t.cursor.failed(engine.describeStep(step) + " failed: " + d.detail());
    int attempt = t.cursor.attempt();
    String error = t.cursor.error();
    long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(16, attempt - 1));
    if (t.phase() == State.ROLLING_BACK) {
      t.cursor = t.cursor.retryAt(now + backoff);
      t.rollback = t.rollback.failedOnce(error);
      if (attempt == 1 || attempt % PAGE_EVERY_FAILURES == 0) {
        t.notify(
            Command.Notify.Kind.ROLLBACK_FAILED,
            "rollback",
            Command.Notify.Level.PAGE,
            "ROLLBACK FAILING (attempt "
                + attempt
                + "): "
                + error
                + "; retrying every "
                + Durations.formatMillis(backoff)
                + " until it succeeds");
      }
    } else if (!EffectFailure.holds(d.failureType())) {
      t.cursor = t.cursor.retryAt(now + backoff);
      if (attempt == 1) {
        t.notify(
            Command.Notify.Level.WARN,
            "applying stage " + t.stage().name() + ": " + error + "; retrying with backoff");
      }
    } else {
      t.addHold(Hold.Kind.APPLY_FAILED, t.stage().name(), ENGINE, error, now);
      t.notify(
          Command.Notify.Level.WARN,
          "stage "
              + t.stage().name()
              + " is held: "
              + error
              + "; resume to try again, abort to roll back");
    }
  }

  /** What a step that succeeded has applied. */
  private static void record(Turn t, Step step) {
    switch (step.kind()) {
      case TRAFFIC -> t.applied = t.applied.withPercent(step.percent());
      case FLAGS -> t.applied = t.applied.withFlags(step.flags());
      case ACTION ->
          t.applied = t.applied.withAction(Stages.actionKey(step.stage(), step.index()), true);
      case UNDO_ACTION ->
          t.applied = t.applied.withAction(Stages.actionKey(step.stage(), step.index()), false);
      default -> {}
    }
  }
}
