package dev.cutover.cli;

import dev.cutover.workflows.SignalPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "acknowledge",
    description =
        "Acknowledge a high-severity breach: it becomes medium for this stage (holds, escalates later).")
final class AcknowledgeCommand extends OperatorAction {
  @Option(names = "--check", required = true, description = "the breached check")
  String check;

  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "acknowledge";
  }

  @Override
  SignalPayload payload(String who) {
    return new SignalPayload(null, who, null, reason, check);
  }
}
