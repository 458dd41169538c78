package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.CutoverState;
import dev.cutover.plan.PlanReader;

/**
 * The workflow's input (PLAN.md §3): {@code {"plan": <the plan as JSON>, "startedBy": "<person>"}}.
 * {@code state} and {@code planRules} are set only when the workflow continues as new, carrying
 * forward everything, including the rules its plan was first read by.
 */
public record CutoverInput(JsonNode plan, String startedBy, CutoverState state, PlanReader.Rules planRules) {
  public static CutoverInput start(JsonNode plan, String startedBy) {
    return new CutoverInput(plan, startedBy, null, null);
  }
}
