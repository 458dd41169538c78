package dev.cutover.cli;

import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import dev.cutover.workflows.SignalPayload;
import io.temporal.client.WorkflowClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An operator's action on a running cutover. By default it is sent as an update, so the answer
 * (accepted, or rejected and why) comes back at once: exit 0 or 3. With {@code --signal} it is
 * queued durably, even while no worker runs, and its outcome shows in {@code status}.
 */
abstract class OperatorAction implements Callable<Integer> {
  @Parameters(paramLabel = "ID", description = "workflow id (cutover-NAME) or plan name")
  String id;

  @Option(names = "--by", description = "who you are (default: $USER)")
  String by;

  @Option(names = "--reason", description = "why, for the record")
  String reason;

  @Option(names = "--signal", description = "queue it as a durable signal instead of waiting for the decision")
  boolean asSignal;

  @Mixin
  TemporalOptions temporal;

  @Mixin
  OutputOptions output;

  abstract String action();

  SignalPayload payload(String who) {
    return new SignalPayload(null, who, null, reason, null, null);
  }

  @Override
  public Integer call() {
    String who = TemporalOptions.first(by, System.getenv("USER"));
    if (who == null) {
      throw new CliException(ExitCodes.BAD_INPUT, "say who you are with --by NAME");
    }
    WorkflowClient client = temporal.connect();
    String wid = Ids.workflowId(id);
    SignalPayload payload = payload(who);
    if (asSignal) {
      Cutovers.describe(client, wid);
      client.newUntypedWorkflowStub(wid).signal(action(), payload);
      System.err.println("queued " + action() + " for " + wid + "; its outcome will show in: cutover status " + id);
      return ExitCodes.OK;
    }
    OperationResult r = Cutovers.operate(client, wid, new Operation(action(), payload));
    if (output.json()) {
      System.out.println(OutputOptions.toJson(Map.of("accepted", r.accepted(), "text", r.text(), "state", r.state())));
    } else {
      System.out.println((r.accepted() ? "accepted: " : "") + r.text() + " (now " + r.state() + ")");
    }
    return r.accepted() ? ExitCodes.OK : ExitCodes.WRONG_STATE;
  }
}
