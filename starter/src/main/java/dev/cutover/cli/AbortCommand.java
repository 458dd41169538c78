package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(
    name = "abort",
    description =
        "Roll back now: traffic to the rollback percent, flags reverted, newest stage first.")
final class AbortCommand extends OperatorAction {
  @Override
  String action() {
    return "abort";
  }
}
