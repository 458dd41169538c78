package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI, as an operator runs it ({@code java -jar cutover.jar}): every command's {@code
 * --help} exits 0 with its usage and no picocli warning (today's "[picocli WARN] Could not format"
 * or "Unknown option: '--help'"), and {@code --version} names the version in the jar.
 */
class CliJarIT {
  static final Path JAR = Path.of(System.getProperty("cutover.jar", "target/cutover.jar"));

  @TempDir Path dir;

  record Run(List<String> args, Process process, Path out, Path err) {}

  Run start(String... args) throws Exception {
    // C1 only: these runs are short, and one per command starts at once.
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-jar",
                JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    return new Run(
        List.of(args),
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start(),
        out,
        err);
  }

  @Test
  void everyCommandsHelpExitsZeroWithItsUsageAndNoWarning() throws Exception {
    List<Run> runs = new ArrayList<>(List.of(start("--help")));
    for (String name : HelpTest.SUBCOMMANDS) {
      runs.add(start(name, "--help"));
    }
    assertThat(runs).hasSize(HelpTest.SUBCOMMANDS.size() + 1);
    for (Run r : runs) {
      assertThat(r.process().waitFor(60, TimeUnit.SECONDS)).as(r.args().toString()).isTrue();
      String out = Files.readString(r.out());
      String err = Files.readString(r.err());
      String usage = "Usage: cutover " + (r.args().size() == 2 ? r.args().get(0) + " " : "[");
      assertThat(r.process().exitValue()).as(r.args() + "\n" + out + err).isZero();
      assertThat(out)
          .as(r.args().toString())
          .startsWith(usage)
          .contains("-h, --help")
          .doesNotContain("WARN");
      assertThat(err).as(r.args().toString()).isEmpty();
    }
  }

  @Test
  void versionIsTheOneInTheJar() throws Exception {
    String version = System.getProperty("cutover.version");
    assertThat(version).isNotBlank();
    for (Run r : List.of(start("--version"), start("lint", "--version"))) {
      assertThat(r.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(r.process().exitValue()).isZero();
      assertThat(Files.readString(r.out())).isEqualTo("cutover " + version + "\n");
      assertThat(Files.readString(r.err())).isEmpty();
    }
  }
}
