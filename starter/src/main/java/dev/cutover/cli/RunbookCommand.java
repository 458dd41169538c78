package dev.cutover.cli;

import dev.cutover.runbook.Runbook;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cutover runbook PLAN}: the plan as the runbook a person reads (Markdown). */
@Command(
    name = "runbook",
    description = {
      "Render a plan as the runbook a person reads (Markdown): timeline, stages and their gates,"
          + " triggers, rollback, points of no return, approvals, checks.",
      "Secrets stay ${env:NAME} references; header values and passwords are never printed."
    })
final class RunbookCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "the plan file (YAML or JSON)")
  Path file;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "write the runbook to FILE (replaced whole) instead of stdout")
  Path out;

  @Override
  public Integer call() {
    String text = Runbook.markdown(PlanFiles.load(file).plan());
    if (out == null) {
      spec.commandLine().getOut().print(text);
      return ExitCodes.OK;
    }
    if (Files.isDirectory(out)) {
      throw new CliException(ExitCodes.BAD_INPUT, out + ": is a directory");
    }
    Path dir = out.toAbsolutePath().getParent();
    try {
      Path tmp = Files.createTempFile(dir, ".runbook-", ".md");
      try {
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILURE, out + ": cannot write: " + e.getMessage(), e);
    }
    spec.commandLine().getErr().println(file + ": runbook written to " + out);
    return ExitCodes.OK;
  }
}
