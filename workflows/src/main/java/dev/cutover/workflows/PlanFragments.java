package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.HttpCall;
import dev.cutover.plan.Plan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts the pieces an activity needs out of the plan as the operator wrote it, so that requests in
 * history show the plan's own text (with {@code ${env:...}} unresolved) and nothing more.
 *
 * <p>Kept for compatibility: cutovers started before {@link Versions#TYPED_REQUESTS} send these
 * fragments for their whole life; new ones send typed requests ({@link PlanRequests}).
 */
final class PlanFragments {
  private final Plan plan;
  private final JsonNode json;

  PlanFragments(Plan plan, JsonNode json) {
    this.plan = plan;
    this.json = json;
  }

  MeasureRequest measure(String workflowId, List<String> checks) {
    return new MeasureRequest(
        workflowId,
        checks.stream()
            .map(
                name -> {
                  Check check = plan.check(name);
                  Map<String, JsonNode> conns = new LinkedHashMap<>();
                  check
                      .source()
                      .connection()
                      .ifPresent(c -> conns.put(c, json.path("connections").path(c)));
                  return new MeasureRequest.CheckSpec(name, json.path("checks").path(name), conns);
                })
            .toList());
  }

  EffectRequest effect(String workflowId, Step step, Action action) {
    Map<String, JsonNode> conns = new LinkedHashMap<>();
    JsonNode traffic = null;
    JsonNode flagsApi = null;
    JsonNode actionJson = null;
    switch (step.kind()) {
      case TRAFFIC -> {
        traffic = json.path("traffic");
        if (plan.traffic().set() != null) {
          addConnection(conns, plan.traffic().set());
        }
        plan.traffic().readBack().ifPresent(c -> addConnection(conns, c));
      }
      case FLAGS -> {
        flagsApi = json.path("flagsApi");
        addConnection(conns, plan.flagsApi().set());
        plan.flagsApi().readBack().ifPresent(c -> addConnection(conns, c));
      }
      case ACTION ->
          actionJson = json.path("stages").path(step.stage()).path("actions").path(step.index());
      case UNDO_ACTION ->
          actionJson =
              json.path("stages")
                  .path(step.stage())
                  .path("actions")
                  .path(step.index())
                  .path("undo");
      case ROLLBACK_ACTION -> actionJson = json.path("rollback").path("actions").path(step.index());
      default -> throw new IllegalArgumentException("not an effect: " + step.kind());
    }
    if (action instanceof Action.Http h) {
      addConnection(conns, h.call());
    }
    String key = step.key() == null ? null : workflowId + "/" + step.key();
    String stage = step.stage() >= 0 ? plan.stages().get(step.stage()).name() : null;
    return new EffectRequest(workflowId, key, stage, step, traffic, flagsApi, actionJson, conns);
  }

  private void addConnection(Map<String, JsonNode> conns, HttpCall call) {
    call.connection().ifPresent(c -> conns.put(c, json.path("connections").path(c)));
  }
}
