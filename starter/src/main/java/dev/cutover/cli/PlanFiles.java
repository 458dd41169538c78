package dev.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads a plan file; any problem is a {@link CliException} with exit code 2 listing every problem. */
final class PlanFiles {
  record Loaded(Path file, JsonNode tree, Plan plan) {}

  private PlanFiles() {}

  static Loaded load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": no such file");
    } catch (IOException e) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": cannot read: " + e.getMessage());
    }
    try {
      JsonNode tree = PlanReader.parseTree(text);
      return new Loaded(file, tree, PlanReader.fromTree(tree));
    } catch (PlanException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.problems().stream().map(Problem::toString)
          .map(p -> file + ": " + p).collect(Collectors.joining("\n")));
    }
  }
}
