package dev.cutover.cli;

import dev.cutover.workflows.SignalPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "approve",
    description = "Approve the current stage (it acts once the soak is met; a breach voids it).")
final class ApproveCommand extends OperatorAction {
  @Option(
      names = "--stage",
      required = true,
      description = "the stage you approve; must be the current one")
  String stage;

  @Option(names = "--comment", description = "what you looked at")
  String comment;

  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "approve";
  }

  @Override
  SignalPayload payload(String who) {
    return new SignalPayload(stage, who, comment, reason, null);
  }
}
