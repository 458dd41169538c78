package dev.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads a plan file by the newest rules ({@link PlanReader.Rules#NEWEST}), as a new cutover is
 * read; any problem is a {@link CliException} with exit code 2 listing every problem. At most
 * {@link PlanReader#MAX_PLAN_BYTES} are read, whatever the file is (a device, a pipe).
 */
final class PlanFiles {
  record Loaded(Path file, JsonNode tree, Plan plan) {}

  private PlanFiles() {}

  static Loaded load(Path file) {
    byte[] bytes = read(file);
    try {
      JsonNode tree = PlanReader.parseTree(bytes);
      return new Loaded(file, tree, PlanReader.fromTree(tree, PlanReader.Rules.NEWEST));
    } catch (PlanException e) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          e.problems().stream()
              .map(Problem::toString)
              .map(p -> file + ": " + p)
              .collect(Collectors.joining("\n")));
    }
  }

  private static byte[] read(Path file) {
    if (Files.isDirectory(file)) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": is a directory, not a plan file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(PlanReader.MAX_PLAN_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": cannot read: permission denied");
    } catch (IOException e) {
      throw new CliException(ExitCodes.BAD_INPUT, file + ": cannot read: " + e.getMessage());
    }
    if (bytes.length > PlanReader.MAX_PLAN_BYTES) {
      String size;
      try {
        size = Files.isRegularFile(file) ? Files.size(file) + " bytes" : "larger than that";
      } catch (IOException e) {
        size = "larger than that";
      }
      throw new CliException(
          ExitCodes.BAD_INPUT,
          file
              + ": a plan is at most "
              + PlanReader.MAX_PLAN_BYTES
              + " bytes ("
              + PlanReader.MAX_PLAN_BYTES / 1024
              + " KiB); this file is "
              + size);
    }
    return bytes;
  }
}
