package dev.cutover.workflows;

import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The engine's measurements and effects as activities in flight, and their results (or failures)
 * turned back into the engine's events. New cutovers send typed requests ({@link PlanRequests});
 * those started before {@link Versions#TYPED_REQUESTS} send the plan's fragments.
 */
final class InFlight {
  private record Started<T>(long seq, Promise<T> promise, List<String> checks) {}

  private final Versions versions;
  private final WorkflowStart start;
  private final ActivityStubs stubs;
  private final List<Started<List<Reading>>> measuring = new ArrayList<>();
  private Started<String> effect;

  InFlight(Versions versions, WorkflowStart start, ActivityStubs stubs) {
    this.versions = versions;
    this.start = start;
    this.stubs = stubs;
  }

  /** Starts the measurements of {@code m}, in the stage of {@code state} (the engine's newest). */
  void measure(String workflowId, Command.Measure m, CutoverState state) {
    measuring.add(new Started<>(m.seq(), measure(workflowId, m.checks(), state), m.checks()));
  }

  void apply(String workflowId, Command.Apply a) {
    Action action =
        a.step().kind() == Step.Kind.TRAFFIC || a.step().kind() == Step.Kind.FLAGS
            ? null
            : start.engine().actionOf(a.step());
    Promise<String> applied =
        versions.typedRequests()
            ? Async.function(
                stubs.effect(action)::applyEffect,
                start.requests().effect(workflowId, a.step(), action))
            : Async.function(
                stubs.effect(action)::apply,
                start.fragments().effect(workflowId, a.step(), action));
    effect = new Started<>(a.seq(), applied, List.of());
  }

  /**
   * Asks again for the measurements the previous run had in flight when it continued as new (a
   * measurement is a read: asking twice is harmless), under the same sequence numbers, so the
   * engine gets the readings it waits for. Continuing as new need not wait for measurements.
   */
  void remeasure(CutoverState state) {
    Map<Long, List<String>> bySeq = new TreeMap<>();
    for (RuleState r : state.rules().values()) {
      if (r.inFlight() != null) {
        List<String> checks = bySeq.computeIfAbsent(r.inFlight(), k -> new ArrayList<>());
        if (!checks.contains(r.check())) {
          checks.add(r.check());
        }
      }
    }
    // A stage baseline being captured is in flight as the step cursor's effect.
    CutoverState.InFlightEffect effect = state.cursor().effect();
    if (effect != null && effect.step().kind() == Step.Kind.BASELINE) {
      bySeq.put(effect.seq(), start.engine().baselineCaptureChecks());
    }
    String workflowId = Workflow.getInfo().getWorkflowId();
    bySeq.forEach(
        (seq, checks) ->
            measuring.add(new Started<>(seq, measure(workflowId, checks, state), checks)));
  }

  /**
   * Starts measuring {@code checks}: typed for new cutovers, as the plan's fragments for older
   * ones.
   */
  private Promise<List<Reading>> measure(
      String workflowId, List<String> checks, CutoverState state) {
    CutoverActivities stub = stubs.measure(start.plan(), checks);
    return versions.typedRequests()
        ? Async.function(
            stub::measureChecks,
            start.requests().measure(workflowId, checks, versions.stageContext() ? state : null))
        : Async.function(stub::measure, start.fragments().measure(workflowId, checks));
  }

  /**
   * The measurements that have finished, as events, taken out of flight. Taken all at once:
   * carrying out the engine's answer to one may start new measurements, which wait for a later
   * pass.
   */
  List<Event.Measured> takeMeasured() {
    List<Started<List<Reading>>> done =
        measuring.stream().filter(m -> m.promise().isCompleted()).toList();
    measuring.removeAll(done);
    return done.stream()
        .map(m -> new Event.Measured(Workflow.currentTimeMillis(), m.seq(), readings(m)))
        .toList();
  }

  /** The effect, as an event, if it has finished (taken out of flight); otherwise null. */
  Event.EffectDone takeEffectDone() {
    if (effect == null || !effect.promise().isCompleted()) {
      return null;
    }
    Started<String> done = effect;
    effect = null;
    return effectDone(done);
  }

  boolean anyCompleted() {
    return (effect != null && effect.promise().isCompleted())
        || measuring.stream().anyMatch(m -> m.promise().isCompleted());
  }

  boolean isEmpty() {
    return effect == null && measuring.isEmpty();
  }

  boolean effectInFlight() {
    return effect != null;
  }

  private static List<Reading> readings(Started<List<Reading>> m) {
    try {
      return m.promise().get();
    } catch (ActivityFailure e) {
      String why = "measurement failed: " + rootMessage(e);
      return m.checks().stream().map(c -> Reading.error(c, why)).toList();
    }
  }

  private static Event.EffectDone effectDone(Started<String> done) {
    try {
      return Event.EffectDone.ok(Workflow.currentTimeMillis(), done.seq(), done.promise().get());
    } catch (ActivityFailure e) {
      // The engine decides from the type whether the failure holds the stage (EffectFailure.holds);
      // a cause that has none (a timeout, a cancellation) goes by its kind, and is retried.
      String type =
          e.getCause() instanceof ApplicationFailure af && af.getType() != null
              ? af.getType()
              : e.getCause() == null ? "ActivityFailure" : e.getCause().getClass().getSimpleName();
      return Event.EffectDone.failed(
          Workflow.currentTimeMillis(), done.seq(), type, rootMessage(e));
    }
  }

  /** What an activity failure says, without Temporal's wrapping. */
  static String rootMessage(ActivityFailure e) {
    if (e.getCause() instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
  }
}
