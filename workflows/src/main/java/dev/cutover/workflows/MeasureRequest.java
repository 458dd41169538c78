package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Checks to measure once each. Each check travels as the plan wrote it (its JSON, with its {@code
 * ${env:...}} references unresolved) together with the connections it names.
 *
 * <p>Kept for compatibility: the request of the {@code measure} activity, which cutovers started
 * before typed requests still schedule; new cutovers send a {@link MeasureChecksRequest}.
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
