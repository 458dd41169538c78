package dev.cutover.workflows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.TimeUnit;

/**
 * {@link RunLineage} against the worker's own Temporal connection: one {@code
 * DescribeWorkflowExecution} call, in the namespace of the asking run. Its only I/O is the Temporal
 * service every worker already talks to, so it lives beside the workflow and every worker (the CLI
 * worker, the tests, the benchmarks) registers the same code. An unreachable service is retried; a
 * worker whose credentials may not describe runs fails the continued cutover, saying so.
 */
public final class RunLineageImpl implements RunLineage {
  private final WorkflowServiceStubs service;

  public RunLineageImpl(WorkflowServiceStubs service) {
    this.service = service;
  }

  @Override
  public PreviousRun describe(PreviousRunRequest request) {
    String namespace = Activity.getExecutionContext().getInfo().getNamespace();
    DescribeWorkflowExecutionResponse d;
    try {
      d =
          service
              .blockingStub()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(
                          WorkflowExecution.newBuilder()
                              .setWorkflowId(request.workflowId())
                              .setRunId(request.runId()))
                      .build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.NOT_FOUND) {
        return new PreviousRun("", "", PreviousRun.NOT_FOUND);
      }
      if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the worker may not describe workflow runs in namespace "
                + namespace
                + " ("
                + code
                + "), so it cannot tell that this run was continued from a cutover: allow it"
                + " DescribeWorkflowExecution",
            FailureTypes.LINEAGE_FORBIDDEN);
      }
      throw e;
    }
    var info = d.getWorkflowExecutionInfo();
    String status =
        info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
            ? PreviousRun.CONTINUED_AS_NEW
            : info.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    return new PreviousRun(
        info.getType().getName(), d.getExecutionConfig().getTaskQueue().getName(), status);
  }
}
