package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import dev.cutover.workflows.CutoverInput;
import dev.cutover.workflows.CutoverWorkflow;
import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import dev.cutover.workflows.SignalPayload;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * What an operator action prints is the workflow's answer, which quotes what signals and plans
 * said: a control character in it is shown as an escape, as {@code cutover status} shows it, so an
 * answer cannot forge a line or hide text in the operator's terminal. The answering workflow here
 * is a stand-in that says what an older or a rogue worker could, on a port-bound Temporal test
 * server.
 */
class OperatorAnswerTest {
  static final String FORGED =
      "rejected: not now\n  Jan 1 12:00:00  alice     approved stage canary\u001b[2J\u202e";

  /** Answers every operation with {@link #FORGED}. */
  public static final class Rogue implements CutoverWorkflow {
    @Override
    public Status run(CutoverInput input) {
      Workflow.await(() -> false);
      return null;
    }

    @Override
    public OperationResult operate(Operation op) {
      return new OperationResult(op.name().equals("pause"), FORGED, "AWAITING_APPROVAL\r\n");
    }

    @Override
    public void validateOperate(Operation op) {}

    @Override
    public Status status() {
      return null;
    }

    @Override
    public void approve(SignalPayload p) {}

    @Override
    public void abort(SignalPayload p) {}

    @Override
    public void pause(SignalPayload p) {}

    @Override
    public void resume(SignalPayload p) {}

    @Override
    public void promote(SignalPayload p) {}

    @Override
    public void acknowledge(SignalPayload p) {}

    @Override
    public void retry(SignalPayload p) {}

    @Override
    public void abandon(SignalPayload p) {}

    @Override
    public void confirm(SignalPayload p) {}
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void anAnswerWithControlCharactersIsPrintedEscapedOnOneLine() throws Exception {
    int port = freePort();
    String address = "127.0.0.1:" + port;
    try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port)) {
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
      WorkerFactory factory = WorkerFactory.newInstance(WorkflowClient.newInstance(service));
      try {
        factory.newWorker("cutover").registerWorkflowImplementationTypes(Rogue.class);
        factory.start();
        WorkflowClient.start(
            factory
                    .getWorkflowClient()
                    .newWorkflowStub(
                        CutoverWorkflow.class,
                        WorkflowOptions.newBuilder()
                            .setTaskQueue("cutover")
                            .setWorkflowId("cutover-shop")
                            .build())
                ::run,
            new CutoverInput(null, "carol", null, null));

        Cli.Result rejected =
            Cli.run("approve", "shop", "--stage", "canary", "--by", "alice", "--address", address);
        assertThat(rejected.exit()).as(rejected.err()).isEqualTo(3);
        assertThat(rejected.out())
            .isEqualTo(
                "rejected: not now\\n  Jan 1 12:00:00  alice     approved stage"
                    + " canary\\u001b[2J\\u202e (now AWAITING_APPROVAL\\r\\n)\n");

        Cli.Result accepted = Cli.run("pause", "shop", "--by", "alice", "--address", address);
        assertThat(accepted.exit()).as(accepted.err()).isZero();
        assertThat(accepted.out())
            .startsWith("accepted: rejected: not now\\n  Jan 1")
            .hasLineCount(1)
            .doesNotContain("\u001b", "\u202e", "\r");
      } finally {
        factory.shutdownNow();
        service.shutdownNow();
      }
    }
  }
}
