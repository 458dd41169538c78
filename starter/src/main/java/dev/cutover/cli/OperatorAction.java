package dev.cutover.cli;

import dev.cutover.plan.Names;
import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import dev.cutover.workflows.SignalPayload;
import dev.cutover.workflows.SignedSignals;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * An operator's action on a running cutover. By default it is sent as an update, so the answer
 * (accepted, or rejected and why) comes back at once: exit 0 or 3. With {@code --signal} it is
 * queued durably, even while no worker runs, and its outcome shows in {@code status}. The actions
 * that move a cutover on ({@link #signing} not null) are signed when given a key ({@code --key} or
 * {@code CUTOVER_SIGNING_KEY}): {@code by} is then the key's name, and {@code --by} must name the
 * same person.
 */
abstract class OperatorAction implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ID",
      description = "workflow id (cutover-NAME) or plan name")
  String id;

  @Option(names = "--by", description = "who you are (default: $USER; with --key, the key's name)")
  String by;

  @Option(names = "--reason", description = "why, for the record")
  String reason;

  @Option(
      names = "--signal",
      description = "queue it as a durable signal instead of waiting for the decision")
  boolean asSignal;

  @Mixin TemporalOptions temporal;

  @Mixin OutputOptions output;

  abstract String action();

  SignalPayload payload(String who) {
    return new SignalPayload(null, who, null, reason, null);
  }

  /**
   * The signing options of an action that may be signed; null for the ones that only make a cutover
   * safer.
   */
  SigningOptions signing() {
    return null;
  }

  /**
   * The payload to send to workflow {@code wid}: who sends it and, with a key, its signature made
   * at {@code now}. Checked before anything is sent.
   */
  SignalPayload prepare(String wid, Instant now) {
    SigningKey key = signing() == null ? null : signing().load();
    String who = TemporalOptions.first(by);
    if (key != null && key.name() != null) {
      if (who != null && !Names.same(who, key.name())) {
        throw new CliException(
            ExitCodes.BAD_INPUT,
            "--by "
                + Names.display(who)
                + " does not match the signing key "
                + key.file()
                + ", which is "
                + Names.display(key.name())
                + "'s");
      }
      who = key.name();
    }
    who = TemporalOptions.first(who, System.getenv("USER"));
    if (who == null) {
      throw new CliException(ExitCodes.BAD_INPUT, "say who you are with --by NAME");
    }
    SignalPayload payload = payload(who);
    return key == null
        ? payload
        : SignedSignals.sign(key.key(), wid, action(), payload, now.truncatedTo(ChronoUnit.MILLIS));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String wid = Ids.workflowId(id);
    SignalPayload payload = prepare(wid, Instant.now());
    WorkflowClient client = temporal.connect();
    if (asSignal) {
      Cutovers.describe(client, wid);
      client.newUntypedWorkflowStub(wid).signal(action(), payload);
      err.println(
          "queued "
              + action()
              + " for "
              + wid
              + "; its outcome will show in: cutover status "
              + id);
      return ExitCodes.OK;
    }
    OperationResult r = Cutovers.operate(client, wid, new Operation(action(), payload));
    if (output.json()) {
      out.println(
          OutputOptions.toJson(
              Map.of("accepted", r.accepted(), "text", r.text(), "state", r.state())));
    } else {
      // The answer quotes what signals and plans said (anyone who may signal wrote them): escaped,
      // as status shows.
      out.println(
          (r.accepted() ? "accepted: " : "")
              + StatusText.v(r.text())
              + " (now "
              + StatusText.v(r.state())
              + ")");
    }
    return r.accepted() ? ExitCodes.OK : ExitCodes.WRONG_STATE;
  }
}
