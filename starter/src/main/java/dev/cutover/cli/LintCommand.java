package dev.cutover.cli;

import dev.cutover.plan.PlanJson;
import dev.cutover.plan.PlanSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "lint", description = "Check a plan: a summary and exit 0, or every problem with its path and exit 2.")
final class LintCommand implements Callable<Integer> {
  @Parameters(paramLabel = "PLAN", description = "the plan file (YAML or JSON)")
  Path file;

  @Mixin
  OutputOptions output;

  @Override
  public Integer call() {
    PlanFiles.Loaded loaded = PlanFiles.load(file);
    if (output.json()) {
      System.out.println(OutputOptions.toJson(PlanJson.write(loaded.plan())));
    } else {
      System.out.print(PlanSummary.text(loaded.plan()));
      System.err.println(file + ": ok");
    }
    return ExitCodes.OK;
  }
}
