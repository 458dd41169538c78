package dev.cutover.cli;

import dev.cutover.plan.PlanJson;
import dev.cutover.plan.PlanSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "lint",
    description = "Check a plan: a summary and exit 0, or every problem with its path and exit 2.")
final class LintCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "the plan file (YAML or JSON)")
  Path file;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PlanFiles.Loaded loaded = PlanFiles.load(file);
    if (output.json()) {
      out.println(OutputOptions.toJson(PlanJson.write(loaded.plan())));
    } else {
      out.print(PlanSummary.text(loaded.plan()));
      err.println(file + ": ok");
    }
    return ExitCodes.OK;
  }
}
