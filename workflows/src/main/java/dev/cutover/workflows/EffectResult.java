package dev.cutover.workflows;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link CutoverActivities#applyEffectWithOutputs} did: {@code detail} as {@link
 * CutoverActivities#applyEffect} says it, and the {@code outputs} read from the action's answer
 * (name to value), each checked by the worker ({@link dev.cutover.plan.Output#problem}, no secret).
 */
public record EffectResult(String detail, Map<String, String> outputs) {
  public EffectResult {
    outputs =
        outputs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }
}
