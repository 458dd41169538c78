package dev.cutover.workflows;

import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Output;
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
  private Started<EffectResult> effect;

  /** The outputs the action in flight declares: the only ones its result may carry. */
  private List<Output> effectOutputs = List.of();

  InFlight(Versions versions, WorkflowStart start, ActivityStubs stubs) {
    this.versions = versions;
    this.start = start;
    this.stubs = stubs;
  }

  /** Starts the measurements of {@code m}, in the stage of {@code state} (the engine's newest). */
  void measure(String workflowId, Command.Measure m, CutoverState state) {
    measuring.add(new Started<>(m.seq(), measure(workflowId, m.checks(), state), m.checks()));
  }

  /**
   * Starts the effect of {@code a}; {@code state} (the engine's newest) holds what the stage's
   * actions returned, for the outputs the action uses. An action that declares outputs (only in a
   * plan read by {@code Rules.OUTPUTS}) goes to {@code applyEffectWithOutputs}.
   */
  void apply(String workflowId, Command.Apply a, CutoverState state) {
    Step step = a.step();
    Action action =
        step.kind() == Step.Kind.TRAFFIC || step.kind() == Step.Kind.FLAGS
            ? null
            : start.engine().actionOf(step);
    effectOutputs =
        action != null && step.kind() == Step.Kind.ACTION ? action.outputs() : List.of();
    CutoverActivities stub = stubs.effect(action, Console.effectSummary(start.plan(), step));
    Promise<EffectResult> applied;
    if (!versions.typedRequests()) {
      applied =
          Async.function(stub::apply, start.fragments().effect(workflowId, step, action))
              .thenApply(d -> new EffectResult(d, Map.of()));
    } else {
      String stage =
          step.stage() >= 0 ? start.engine().plan().stages().get(step.stage()).name() : null;
      ApplyEffectRequest request =
          start
              .requests()
              .effect(
                  workflowId,
                  step,
                  action,
                  stage == null ? Map.of() : state.applied().outputsOf(stage));
      applied =
          effectOutputs.isEmpty()
              ? Async.function(stub::applyEffect, request)
                  .thenApply(d -> new EffectResult(d, Map.of()))
              : Async.function(stub::applyEffectWithOutputs, request);
    }
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
    String summary = Console.measureSummary(checks);
    if (!versions.typedRequests()) {
      return Async.function(
          stubs.measure(start.plan(), checks, summary)::measure,
          start.fragments().measure(workflowId, checks));
    }
    MeasureChecksRequest request =
        start.requests().measure(workflowId, checks, versions.stageContext() ? state : null);
    CutoverActivities stub = stubs.measure(start.plan(), checks, summary);
    return Async.function(stub::measureChecks, request);
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
    Started<EffectResult> done = effect;
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

  private Event.EffectDone effectDone(Started<EffectResult> done) {
    try {
      EffectResult r = done.promise().get();
      return Event.EffectDone.ok(
          Workflow.currentTimeMillis(), done.seq(), r.detail(), declared(r.outputs()));
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

  /**
   * Of what the worker returned, the outputs the action declares with a value an output may have
   * (the worker checks them; this keeps anything else out of the state).
   */
  private Map<String, String> declared(Map<String, String> returned) {
    Map<String, String> kept = new java.util.LinkedHashMap<>();
    for (Output out : effectOutputs) {
      String value = returned.get(out.name());
      if (value != null && Output.problem(value) == null) {
        kept.put(out.name(), value);
      }
    }
    return kept;
  }

  /** What an activity failure says, without Temporal's wrapping. */
  static String rootMessage(ActivityFailure e) {
    if (e.getCause() instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
  }
}
