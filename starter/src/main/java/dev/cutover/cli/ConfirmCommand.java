package dev.cutover.cli;

import dev.cutover.workflows.SignalPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "confirm",
    description = "Confirm that a checklist task is done. Never an approval: it approves no stage.")
final class ConfirmCommand extends OperatorAction {
  @Parameters(index = "1", paramLabel = "TASK", description = "the checklist task, by name")
  String task;

  @Option(names = "--comment", description = "what was done, for the record")
  String comment;

  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "confirm";
  }

  @Override
  SignalPayload payload(String who) {
    return SignalPayload.confirming(task, who, comment);
  }
}
