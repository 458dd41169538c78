package dev.cutover.workflows;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.FlagsApi;
import dev.cutover.plan.HttpCall;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Traffic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the typed activity requests ({@link MeasureChecksRequest}, {@link ApplyEffectRequest})
 * from the {@link Plan} the workflow read, by the rules its cutover reads plans by: the worker
 * measures and applies exactly what the workflow read, and never reads the plan again, so a
 * stricter reader shipped later cannot turn a running cutover's measurements into errors. The
 * records hold the plan's {@code ${env:...}} references as text; only the worker resolves them.
 */
final class PlanRequests {
  private final Plan plan;

  PlanRequests(Plan plan) {
    this.plan = plan;
  }

  MeasureChecksRequest measure(String workflowId, List<String> checks) {
    return measure(workflowId, checks, null);
  }

  /**
   * The request for {@code checks}, each with what it may use of the current stage in {@code state}
   * (the stage's start, the check's baseline); without when {@code state} is null.
   */
  MeasureChecksRequest measure(String workflowId, List<String> checks, CutoverState state) {
    return new MeasureChecksRequest(
        workflowId,
        checks.stream()
            .map(
                name -> {
                  Check check = plan.check(name);
                  Connection connection =
                      check.source().connection().map(c -> plan.connections().get(c)).orElse(null);
                  CheckContext context =
                      state == null
                          ? null
                          : new CheckContext(
                              state.position().stageStartedAt(),
                              state.progress().baselines().get(name));
                  return new MeasureChecksRequest.Item(check, connection, context);
                })
            .toList());
  }

  /**
   * {@code action}: the plan's action behind an ACTION, UNDO_ACTION or ROLLBACK_ACTION step, else
   * null.
   */
  ApplyEffectRequest effect(String workflowId, Step step, Action action) {
    return effect(workflowId, step, action, Map.of());
  }

  /**
   * As above; {@code stageOutputs}: what the step's stage's actions returned, of which the request
   * carries those the action uses.
   */
  ApplyEffectRequest effect(
      String workflowId, Step step, Action action, Map<String, String> stageOutputs) {
    Map<String, Connection> connections = new LinkedHashMap<>();
    Traffic traffic = null;
    FlagsApi flagsApi = null;
    Action applied = null;
    switch (step.kind()) {
      case TRAFFIC -> {
        traffic = plan.traffic();
        if (traffic.set() != null) {
          add(connections, traffic.set());
        }
        traffic.readBack().ifPresent(c -> add(connections, c));
      }
      case FLAGS -> {
        flagsApi = plan.flagsApi();
        add(connections, flagsApi.set());
        flagsApi.readBack().ifPresent(c -> add(connections, c));
      }
      case ACTION, UNDO_ACTION, ROLLBACK_ACTION -> {
        applied = action;
        if (action instanceof Action.Http h) {
          add(connections, h.call());
        }
      }
      default -> throw new IllegalArgumentException("not an effect: " + step.kind());
    }
    String key = step.key() == null ? null : workflowId + "/" + step.key();
    String stage = step.stage() >= 0 ? plan.stages().get(step.stage()).name() : null;
    Map<String, String> used = new LinkedHashMap<>();
    if (applied != null && !stageOutputs.isEmpty()) {
      String text = textOf(applied);
      stageOutputs.forEach(
          (name, value) -> {
            if (text.contains("${output:" + name + "}")) {
              used.put(name, value);
            }
          });
    }
    return new ApplyEffectRequest(
        workflowId, key, stage, step, traffic, flagsApi, applied, connections, used);
  }

  /** Where an action may use an output: its request line, headers and body, or its arguments. */
  private static String textOf(Action action) {
    StringBuilder b = new StringBuilder();
    if (action instanceof Action.Http h) {
      b.append(h.call().target()).append('\n').append(h.call().body()).append('\n');
      h.call().headers().values().forEach(v -> b.append(v).append('\n'));
    } else if (action instanceof Action.Command c) {
      c.argv().forEach(a -> b.append(a).append('\n'));
    }
    return b.toString();
  }

  /** The plan's webhook as written (a reference such as {@code ${env:SLACK_WEBHOOK}}), or null. */
  String webhook() {
    return Optional.ofNullable(plan.notifications()).map(n -> n.webhook()).orElse(null);
  }

  private void add(Map<String, Connection> connections, HttpCall call) {
    call.connection()
        .ifPresent(
            name -> {
              Connection c = plan.connections().get(name);
              if (c != null) { // the reader resolved every name; the worker names a missing one if
                // not
                connections.put(name, c);
              }
            });
  }
}
