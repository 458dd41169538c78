package dev.cutover.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import java.util.List;

/**
 * Checks to measure once each, as the workflow read them from its plan: each typed check with the
 * connection it names (null for an absolute HTTP check), {@code ${env:...}} references unresolved.
 * The worker measures them as they are, without reading the plan again.
 */
public record MeasureChecksRequest(String workflowId, List<Item> checks) {
  public MeasureChecksRequest {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /**
   * One check and its connection (null when it names none), and what it may use of its stage
   * ({@code context}: null for cutovers started before {@code stage-context}, which is nothing).
   */
  public record Item(
      Check check,
      Connection connection,
      @JsonInclude(JsonInclude.Include.NON_NULL) CheckContext context) {
    /** A check measured without stage context. */
    public Item(Check check, Connection connection) {
      this(check, connection, null);
    }
  }
}
