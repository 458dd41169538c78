package dev.cutover.cli;

import dev.cutover.workflows.SearchAttributeKeys;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "list",
    description = "List cutovers with their state, stage and percent (from search attributes).")
final class ListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--state",
      description = "only cutovers in this state, e.g. AWAITING_APPROVAL, HELD, ROLLED_BACK")
  String state;

  @Option(names = "--all", description = "include ended cutovers (default: running only)")
  boolean all;

  @Mixin TemporalOptions temporal;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (state != null && !state.matches("[A-Z_]+")) {
      throw new CliException(
          ExitCodes.BAD_INPUT, "--state takes a state name such as AWAITING_APPROVAL");
    }
    WorkflowClient client = temporal.connect();
    String query =
        "WorkflowType = 'CutoverWorkflow'"
            + (all ? "" : " AND ExecutionStatus = 'Running'")
            + (state == null ? "" : " AND CutoverState = '" + state + "'");
    List<Map<String, Object>> rows = new ArrayList<>();
    try {
      client.listExecutions(query).forEach(e -> rows.add(row(e)));
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCodes.FAILURE, "cannot list cutovers: " + TemporalOptions.rootMessage(e), e);
    }
    if (output.json()) {
      out.println(OutputOptions.toJson(rows));
      return ExitCodes.OK;
    }
    out.printf("%-36s %-22s %-14s %7s  %s%n", "ID", "STATE", "STAGE", "PERCENT", "STARTED");
    for (Map<String, Object> r : rows) {
      // Ids and search attributes are whatever a starter chose: shown with control characters
      // escaped.
      out.printf(
          "%-36s %-22s %-14s %7s  %s%n",
          StatusText.v(r.get("workflowId")),
          StatusText.v(r.get("state")),
          StatusText.v(r.get("stage")),
          StatusText.v(r.get("percent")),
          r.get("started"));
    }
    return ExitCodes.OK;
  }

  private static Map<String, Object> row(WorkflowExecutionMetadata e) {
    var sa = e.getTypedSearchAttributes();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("workflowId", e.getExecution().getWorkflowId());
    r.put(
        "state",
        e.getStatus().name().endsWith("RUNNING") && sa.containsKey(SearchAttributeKeys.STATE)
            ? sa.get(SearchAttributeKeys.STATE)
            : e.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    r.put(
        "stage",
        sa.containsKey(SearchAttributeKeys.STAGE) ? sa.get(SearchAttributeKeys.STAGE) : "");
    r.put(
        "percent",
        sa.containsKey(SearchAttributeKeys.PERCENT) ? sa.get(SearchAttributeKeys.PERCENT) : null);
    r.put("started", e.getStartTime().toString());
    return r;
  }
}
