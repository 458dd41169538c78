package dev.cutover.cli;

import dev.cutover.plan.Names;
import dev.cutover.workflows.SignedSignals;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "keygen",
    description = {
      "Make an approver's signing key: writes the private key (mode 600) and prints",
      "the line to add to the worker's CUTOVER_APPROVER_KEYS file. Sign actions with --key FILE."
    })
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--name",
      required = true,
      description = "whose key: the name you approve as (one word)")
  String name;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "where to write the private key (default: NAME.cutover-key)")
  Path out;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String n = name.strip();
    String problem = Names.problem(n);
    if (problem != null) {
      throw new CliException(ExitCodes.BAD_INPUT, "--name \"" + Names.display(n) + "\" " + problem);
    }
    if (!n.matches("\\S+")) {
      throw new CliException(
          ExitCodes.BAD_INPUT, "--name \"" + n + "\": a keyring name is one word (no spaces)");
    }
    Path file = out != null ? out : Path.of(n + ".cutover-key");
    String line = SigningKey.write(file, n, SignedSignals.generate());
    err.println(
        "wrote " + n + "'s private signing key to " + file + " (mode 600: keep it private)");
    err.println(
        "add this line to the worker's CUTOVER_APPROVER_KEYS file, then sign with --key "
            + file
            + ":");
    stdout.println(line);
    return ExitCodes.OK;
  }
}
