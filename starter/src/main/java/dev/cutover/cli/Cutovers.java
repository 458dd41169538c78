package dev.cutover.cli;

import dev.cutover.engine.Status;
import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateStage;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reads and steers running cutovers through a Temporal client. */
final class Cutovers {
  /** How long an operator action waits for a worker to decide it. */
  static final long DECIDE_TIMEOUT_SECONDS = 30;

  private Cutovers() {}

  static DescribeWorkflowExecutionResponse describe(WorkflowClient client, String id) {
    try {
      return client
          .getWorkflowServiceStubs()
          .blockingStub()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(client.getOptions().getNamespace())
                  .setExecution(
                      io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
                  .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw new CliException(
            ExitCodes.FAILURE,
            "no cutover with id " + id + " (start one with: cutover start PLAN)");
      }
      throw new CliException(ExitCodes.FAILURE, "cannot describe " + id + ": " + e.getStatus(), e);
    }
  }

  /** The cutover's status: queried while it runs, its result once it has ended. */
  static Status status(WorkflowClient client, String id) {
    WorkflowExecutionStatus state = describe(client, id).getWorkflowExecutionInfo().getStatus();
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    if (state == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      return stub.getResult(Status.class);
    }
    if (state != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      String why = "";
      try {
        stub.getResult(Status.class);
      } catch (WorkflowFailedException e) {
        why = ": " + TemporalOptions.rootMessage(e);
      }
      throw new CliException(
          ExitCodes.FAILURE,
          id + " ended " + state.name().replace("WORKFLOW_EXECUTION_STATUS_", "") + why);
    }
    try {
      Status s = stub.query("status", Status.class);
      if (s == null) {
        throw new CliException(
            ExitCodes.FAILURE, id + " has not started its first step yet; try again in a moment");
      }
      return s;
    } catch (io.temporal.client.WorkflowServiceException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          "no worker answered the status query for "
              + id
              + " (is `cutover worker` running on its task queue?): "
              + TemporalOptions.rootMessage(e),
          e);
    }
  }

  /** Sends an operator action as an update and waits for the cutover's decision on it. */
  static OperationResult operate(WorkflowClient client, String id, Operation op) {
    WorkflowExecutionStatus state = describe(client, id).getWorkflowExecutionInfo().getStatus();
    if (state != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new CliException(
          ExitCodes.WRONG_STATE,
          id
              + " has ended ("
              + state.name().replace("WORKFLOW_EXECUTION_STATUS_", "")
              + "); nothing to "
              + op.name());
    }
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    UpdateOptions<OperationResult> options =
        UpdateOptions.newBuilder(OperationResult.class)
            .setUpdateName("operate")
            .setUpdateId(op.name() + "-" + UUID.randomUUID())
            .setWaitForStage(WorkflowUpdateStage.COMPLETED)
            .build();
    try {
      return java.util.concurrent.CompletableFuture.supplyAsync(
              () -> stub.startUpdate(options, op).getResult())
          .get(DECIDE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          "no worker decided within "
              + DECIDE_TIMEOUT_SECONDS
              + "s (is `cutover worker` running?); nothing was delivered. To queue it durably instead, add --signal");
    } catch (ExecutionException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          op.name() + " failed: " + StatusText.v(TemporalOptions.rootMessage(e)),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILURE, "interrupted");
    }
  }
}
