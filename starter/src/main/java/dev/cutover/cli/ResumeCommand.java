package dev.cutover.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "resume",
    description = "Release holds (pause, inconclusive rules, a failed apply) and measure again.")
final class ResumeCommand extends OperatorAction {
  @Mixin SigningOptions signing;

  @Override
  SigningOptions signing() {
    return signing;
  }

  @Override
  String action() {
    return "resume";
  }
}
