package dev.cutover.cli;

import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.SearchAttributeKeys;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
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
      split = ",",
      paramLabel = "STATE",
      description =
          "only cutovers in these states (repeat or comma-separate), e.g. AWAITING_APPROVAL,"
              + " HELD, ROLLED_BACK")
  List<String> states = new ArrayList<>();

  @Option(
      names = "--plan",
      split = ",",
      paramLabel = "PLAN",
      description = "only cutovers of these plans (repeat or comma-separate)")
  List<String> plans = new ArrayList<>();

  @Option(names = "--all", description = "include ended cutovers (default: running only)")
  boolean all;

  @Mixin ZoneOption zone;

  @Mixin TemporalOptions temporal;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    for (String state : states) {
      if (!state.matches("[A-Z_]{1,40}")) {
        throw new CliException(
            ExitCodes.BAD_INPUT,
            "--state '" + StatusText.v(state) + "': takes a state name such as AWAITING_APPROVAL");
      }
    }
    for (String plan : plans) {
      if (!PlanReader.NAME.matcher(plan).matches()) {
        throw new CliException(
            ExitCodes.BAD_INPUT,
            "--plan '"
                + StatusText.v(plan)
                + "': a plan name must match "
                + PlanReader.NAME.pattern());
      }
    }
    ZoneId shownIn = zone.zone();
    WorkflowClient client = temporal.connect();
    // Both lists are checked above to hold only [A-Za-z0-9_-]: nothing can break out of the quotes.
    String query =
        "WorkflowType = 'CutoverWorkflow'"
            + (all ? "" : " AND ExecutionStatus = 'Running'")
            + in("CutoverState", states)
            + in("CutoverPlan", plans);
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
          StatusText.time(Instant.parse((String) r.get("started")).toEpochMilli(), shownIn));
    }
    return ExitCodes.OK;
  }

  private static String in(String attribute, List<String> values) {
    if (values.isEmpty()) {
      return "";
    }
    return " AND "
        + attribute
        + " IN ("
        + String.join(", ", values.stream().map(v -> "'" + v + "'").toList())
        + ")";
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
    r.put("plan", sa.containsKey(SearchAttributeKeys.PLAN) ? sa.get(SearchAttributeKeys.PLAN) : "");
    r.put("started", e.getStartTime().toString());
    return r;
  }
}
