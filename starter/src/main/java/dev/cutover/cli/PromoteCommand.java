package dev.cutover.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "promote",
    description = "End the current soak early, after one fresh measurement of its gates passes.")
final class PromoteCommand extends OperatorAction {
  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "promote";
  }
}
