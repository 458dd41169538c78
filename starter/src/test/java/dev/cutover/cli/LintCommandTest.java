package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LintCommandTest {
  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "examples"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleLintsCleanWithASummary(Path plan) {
    Cli.Result r = Cli.run("lint", plan.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("stages:", "shortest possible duration:");
    assertThat(r.err()).endsWith(": ok\n");
  }

  @Test
  void aPlanWithFiveMistakesExitsTwoNamingAllFiveWithTheirPaths(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        version: 1
        name: Bad Name
        checks:
          rate: { prometheus: prom, query: "x", pass: "=> 1" }
        stages:
          - { name: one, percent: 150, soak: 2 days, gates: [nope] }
        """);
    Cli.Result r = Cli.run("lint", bad.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(
        "bad.yaml: name: \"Bad Name\" must match",
        "bad.yaml: checks.rate.pass: \"=> 1\" is not a comparison",
        "bad.yaml: stages[0].percent: 150 is outside 0-100",
        "bad.yaml: stages[0].soak: \"2 days\" is not a duration",
        "bad.yaml: stages[0].gates[0].check: no check named \"nope\"",
        "bad.yaml: checks.rate.prometheus: no connection named \"prom\"");
  }

  @Test
  void jsonOutputIsTheNormalizedPlanAndReadsBack() {
    Cli.Result r = Cli.run("lint", "../examples/full-pass-v2.yaml", "--output", "json");
    assertThat(r.exit()).isZero();
    assertThat(PlanReader.read(r.out()).name()).isEqualTo("full-pass-v2");
    assertThat(r.out()).contains("\"escalateAfter\" : \"6h\"", "\"password\" : \"${env:APPDB_PASSWORD}\"");
  }

  @Test
  void aMissingFileOrUnknownOptionIsBadInput() {
    assertThat(Cli.run("lint", "no-such-plan.yaml").exit()).isEqualTo(2);
    assertThat(Cli.run("lint", "--frobnicate").exit()).isEqualTo(2);
    assertThat(Cli.run("approve", "x").exit()).isEqualTo(2); // --stage is required
  }

  @Test
  void anUnreachableServerIsAFailureWithAdvice() {
    Cli.Result r = Cli.run("status", "x", "--address", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach Temporal at 127.0.0.1:1");
  }
}
