package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.CutoverState;

/**
 * The workflow's input (PLAN.md §3): {@code {"plan": <the plan as JSON>, "startedBy": "<person>"}}.
 * {@code state} is set only when the workflow continues as new, carrying everything forward.
 */
public record CutoverInput(JsonNode plan, String startedBy, CutoverState state) {
  public static CutoverInput start(JsonNode plan, String startedBy) {
    return new CutoverInput(plan, startedBy, null);
  }
}
