package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(name = "resume", description = "Release holds (pause, inconclusive rules, a failed apply) and measure again.")
final class ResumeCommand extends OperatorAction {
  @Override
  String action() {
    return "resume";
  }
}
