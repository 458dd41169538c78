package dev.cutover.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Connection;
import dev.cutover.plan.FlagsApi;
import dev.cutover.plan.Traffic;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One effect to carry out, with the typed plan pieces it needs as the workflow read them: {@code
 * traffic} for a TRAFFIC step, {@code flagsApi} for FLAGS, {@code action} for ACTION, UNDO_ACTION
 * (the undo itself) and ROLLBACK_ACTION; the others null. {@code connections} holds the plan's
 * connections those pieces name, {@code ${env:...}} references unresolved. {@code idempotencyKey}
 * is the workflow id plus the step's key; {@code stage} names the stage for {@code ${stage}} in
 * actions (null during a full rollback). {@code outputs} holds the values of the {@code
 * ${output:NAME}} the action uses, as the stage's earlier actions returned them.
 */
public record ApplyEffectRequest(
    String workflowId,
    String idempotencyKey,
    String stage,
    Step step,
    Traffic traffic,
    FlagsApi flagsApi,
    Action action,
    Map<String, Connection> connections,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> outputs) {
  public ApplyEffectRequest {
    // In the order given, so that the request reads the same in history on every run.
    connections =
        connections == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(connections));
    outputs =
        outputs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  /** A request without outputs. */
  public ApplyEffectRequest(
      String workflowId,
      String idempotencyKey,
      String stage,
      Step step,
      Traffic traffic,
      FlagsApi flagsApi,
      Action action,
      Map<String, Connection> connections) {
    this(workflowId, idempotencyKey, stage, step, traffic, flagsApi, action, connections, Map.of());
  }
}
