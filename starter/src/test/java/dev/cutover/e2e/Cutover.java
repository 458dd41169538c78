package dev.cutover.e2e;

import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.function.Predicate;

/** Watches a cutover from the outside through a Temporal client, as an operator's tools would. */
final class Cutover {
  final WorkflowClient client;
  final String id;

  Cutover(String address, String id) {
    this.client =
        WorkflowClient.newInstance(
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder()
                    .setTarget(address)
                    .setConnectionBackoffResetFrequency(Duration.ofSeconds(1))
                    .build()),
            WorkflowClientOptions.newBuilder().build());
    this.id = id;
  }

  /** The status, or null while no worker answers (a worker is down, the server restarts). */
  Status status() {
    try {
      var describe =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace("default")
                      .setExecution(
                          io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                              .setWorkflowId(id))
                      .build());
      if (describe.getWorkflowExecutionInfo().getStatus()
          == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        return client.newUntypedWorkflowStub(id).getResult(Status.class);
      }
      return client.newUntypedWorkflowStub(id).query("status", Status.class);
    } catch (RuntimeException e) {
      return null;
    }
  }

  Status await(String what, Duration timeout, Predicate<Status> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Status last = null;
    while (System.nanoTime() < deadline) {
      Status s = status();
      if (s != null) {
        last = s;
        if (done.test(s)) {
          return s;
        }
      }
      WorkerProcess.sleep(250);
    }
    throw new AssertionError(
        "timed out after "
            + timeout
            + " waiting for "
            + what
            + "; last status: "
            + (last == null
                ? "none"
                : last.state()
                    + " "
                    + (last.stage() == null ? "" : last.stage().name())
                    + " "
                    + last.decisions()));
  }

  Status awaitState(String state, Duration timeout) {
    return await("state " + state, timeout, s -> s.state().equals(state));
  }

  void close() {
    client.getWorkflowServiceStubs().shutdownNow();
  }
}
