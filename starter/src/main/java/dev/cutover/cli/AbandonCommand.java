package dev.cutover.cli;

import picocli.CommandLine.Command;

@Command(name = "abandon", description = "After a held rollback: end the cutover (ABANDONED).")
final class AbandonCommand extends OperatorAction {
  @Override
  String action() {
    return "abandon";
  }
}
