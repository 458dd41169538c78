package dev.cutover.workflows;

import com.uber.m3.tally.Scope;
import com.uber.m3.tally.Stopwatch;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Event;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.SignalName;
import dev.cutover.engine.State;
import dev.cutover.plan.Check;
import dev.cutover.plan.Plan;
import io.temporal.workflow.Workflow;
import java.util.Locale;
import java.util.Map;

/**
 * The product's metrics, emitted from workflow code through {@link Workflow#getMetricsScope}: that
 * scope emits nothing while the workflow replays, so a cutover that moves to another worker (or out
 * of a worker's cache) is not counted again. A workflow task that fails after it emitted (its
 * worker killed mid-task) runs again and emits again: counts are at least once, per task.
 *
 * <p>Emitting changes no command, so no change id guards it. Every label is bounded: the plan's
 * name (the reader holds it to {@code ^[a-z0-9][a-z0-9-]{0,62}$}), enum names, a known signal name
 * or {@code other}; never a reason, a value or anything else a plan's author or a signaller wrote.
 * The SDK's scope adds {@code namespace}, {@code task_queue} and {@code workflow_type}.
 *
 * <p>In Prometheus (docs/operations.md): {@code cutover_state_entered_total{plan,state}}, {@code
 * cutover_rollbacks_total{plan,cause}}, {@code cutover_measurements_total{source,outcome,role}} and
 * {@code cutover_signal_decision_latency_seconds{signal}}.
 */
final class CutoverMetrics {
  static final String STATE_ENTERED = "cutover_state_entered";
  static final String ROLLBACKS = "cutover_rollbacks";
  static final String MEASUREMENTS = "cutover_measurements";
  static final String SIGNAL_LATENCY = "cutover_signal_decision_latency";

  private final WorkflowStart start;

  CutoverMetrics(WorkflowStart start) {
    this.start = start;
  }

  private Scope scope() {
    return Workflow.getMetricsScope();
  }

  /**
   * Counts the state {@code after} enters (what operators see: {@link CutoverState#displayState})
   * and a rollback that begins. {@code before} is null for a cutover's first state; a continued run
   * starts from the state it carried, so continuing as new counts nothing.
   */
  void transition(CutoverState before, CutoverState after) {
    if (after == null || start.plan() == null) {
      return;
    }
    State shown = after.displayState();
    String plan = start.plan().name();
    if (before == null || before.displayState() != shown) {
      scope().tagged(Map.of("plan", plan, "state", shown.name())).counter(STATE_ENTERED).inc(1);
    }
    boolean began =
        after.rollback() != null
            && (before == null
                || before.rollback() == null
                || before.rollback().startedAt() != after.rollback().startedAt());
    if (began) {
      String cause = "cutover".equals(after.rollback().by()) ? "automatic" : "operator";
      scope().tagged(Map.of("plan", plan, "cause", cause)).counter(ROLLBACKS).inc(1);
    }
  }

  /** Counts each rule's measurement in {@code m}, judged as the engine judged it. */
  void measured(CutoverState before, CutoverState after, Event.Measured m) {
    Plan plan = start.plan();
    for (RuleState r : before.rules().values()) {
      if (r.inFlight() == null || r.inFlight() != m.seq()) {
        continue;
      }
      RuleState now = after.rules().get(r.id());
      Measurement judged =
          now != null && now.latest() != null && now.latest().at() == m.at()
              ? now.latest()
              : Ledger.judge(plan, r, m);
      scope()
          .tagged(
              Map.of(
                  "source",
                  source(plan.check(r.check()).source()),
                  "outcome",
                  judged.outcome().name(),
                  "role",
                  r.role().name().toLowerCase(Locale.ROOT)))
          .counter(MEASUREMENTS)
          .inc(1);
    }
  }

  /**
   * Starts timing the engine's decision on {@code signal}; the caller stops the watch once the
   * decision is made. The watch is the metrics library's (it reads the clock, never this code), and
   * the workflow's scope records nothing while replaying, so the workflow's logic stays
   * deterministic. Waiting for the workflow task is the SDK's own schedule-to-start metric.
   */
  Stopwatch deciding(String signal) {
    String name = SignalName.of(signal).isPresent() ? signal : "other";
    return scope().tagged(Map.of("signal", name)).timer(SIGNAL_LATENCY).start();
  }

  static String source(Check.Source s) {
    if (s instanceof Check.SqlQuery) {
      return "sql";
    }
    if (s instanceof Check.PromQuery) {
      return "prometheus";
    }
    if (s instanceof Check.HttpProbe) {
      return "http";
    }
    return "compare";
  }
}
