package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(name = "promote", description = "End the current soak early, after one fresh measurement of its gates passes.")
final class PromoteCommand extends OperatorAction {
  @Override
  String action() {
    return "promote";
  }
}
