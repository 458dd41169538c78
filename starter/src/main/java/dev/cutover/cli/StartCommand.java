package dev.cutover.cli;

import dev.cutover.worker.TemporalSettings;
import dev.cutover.workflows.CutoverInput;
import dev.cutover.workflows.CutoverWorkflow;
import dev.cutover.workflows.SearchAttributeKeys;
import dev.cutover.workflows.StartSummary;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "start",
    description =
        "Start a cutover from a plan. A second start of a running one is refused (exit 3).")
final class StartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN")
  Path file;

  @Option(names = "--by", description = "who starts it (default: $USER)")
  String by;

  @Option(
      names = "--task-queue",
      description =
          "the workers' task queue (env CUTOVER_TASK_QUEUE; default "
              + TemporalSettings.DEFAULT_TASK_QUEUE
              + ")")
  String taskQueue;

  @Mixin TemporalOptions temporal;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PlanFiles.Loaded loaded = PlanFiles.load(file);
    String who = TemporalOptions.first(by, System.getenv("USER"));
    if (who == null) {
      throw new CliException(ExitCodes.BAD_INPUT, "say who starts the cutover with --by NAME");
    }
    String queue = temporal.taskQueue(taskQueue);
    String id = loaded.plan().workflowId();
    WorkflowClient client = temporal.connect();
    CutoverWorkflow wf =
        client.newWorkflowStub(
            CutoverWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(queue)
                .setStaticSummary(StartSummary.summary(loaded.plan(), who))
                .setStaticDetails(StartSummary.details(loaded.plan(), who))
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setTypedSearchAttributes(
                    SearchAttributes.newBuilder()
                        .set(SearchAttributeKeys.PLAN, loaded.plan().name())
                        .set(SearchAttributeKeys.STATE, "CHECKING_PREREQUISITES")
                        .set(SearchAttributeKeys.STAGE, "")
                        .set(SearchAttributeKeys.PERCENT, 0L)
                        .build())
                .build());
    String runId;
    try {
      runId = WorkflowClient.start(wf::run, CutoverInput.start(loaded.tree(), who)).getRunId();
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(
          ExitCodes.WRONG_STATE,
          id + " is already running; see: cutover status " + loaded.plan().name());
    }
    if (output.json()) {
      out.println(OutputOptions.toJson(Map.of("workflowId", id, "runId", runId, "startedBy", who)));
    } else {
      out.println(id);
      err.println(
          "started "
              + id
              + " (run "
              + runId
              + ") by "
              + who
              + " on task queue "
              + queue
              + "; follow it with: cutover status "
              + loaded.plan().name()
              + " --watch");
    }
    return ExitCodes.OK;
  }
}
