package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Checks to measure once each. Each check travels as the plan wrote it ({@code check}, with its
 * {@code ${env:...}} references unresolved) together with the connections it names.
 */
public record MeasureRequest(String workflowId, List<CheckSpec> checks) {
  public MeasureRequest {
    checks = List.copyOf(checks);
  }

  /** One check as written in the plan, and the plan's connections it uses. */
  public record CheckSpec(String name, JsonNode check, Map<String, JsonNode> connections) {
    public CheckSpec {
      connections = Map.copyOf(connections);
    }
  }
}
