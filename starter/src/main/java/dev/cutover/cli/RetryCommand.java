package dev.cutover.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "retry",
    description = "After a held rollback: start over from the first stage, prerequisites first.")
final class RetryCommand extends OperatorAction {
  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "retry";
  }
}
