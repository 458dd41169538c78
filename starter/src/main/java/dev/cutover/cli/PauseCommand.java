package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(
    name = "pause",
    description = "Hold promotion; checks go on. The soak starts over on resume.")
final class PauseCommand extends OperatorAction {
  @Override
  String action() {
    return "pause";
  }
}
