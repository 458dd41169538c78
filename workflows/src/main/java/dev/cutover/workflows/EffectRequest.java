package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Step;
import java.util.Map;

/**
 * One effect to carry out, with the plan sections it needs as the plan wrote them: {@code traffic}
 * for a TRAFFIC step, {@code flagsApi} for FLAGS, {@code action} for ACTION / ROLLBACK_ACTION.
 * {@code idempotencyKey} is the workflow id plus the step's key; {@code stage} names the stage for
 * {@code ${stage}} in actions (null during a full rollback).
 *
 * <p>Kept for compatibility: the request of the {@code apply} activity, which cutovers started
 * before typed requests still schedule; new cutovers send an {@link ApplyEffectRequest}.
 */
public record EffectRequest(
    String workflowId,
    String idempotencyKey,
    String stage,
    Step step,
    JsonNode traffic,
    JsonNode flagsApi,
    JsonNode action,
    Map<String, JsonNode> connections) {
  public EffectRequest {
    connections = Map.copyOf(connections);
  }
}
