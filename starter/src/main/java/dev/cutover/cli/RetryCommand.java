package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(name = "retry", description = "After a held rollback: start over from the first stage, prerequisites first.")
final class RetryCommand extends OperatorAction {
  @Override
  String action() {
    return "retry";
  }
}
