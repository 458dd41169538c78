package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunbookCommandTest {
  static final String PLAN = "../examples/full-pass-v2.yaml";

  @Test
  void printsTheRunbookAsMarkdownOnStdout() {
    Cli.Result r = Cli.run("runbook", PLAN);
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith("# Runbook: full-pass-v2\n")
        .contains("## Timeline", "## Triggers", "## Rollback", "## Points of no return")
        .contains("password from `${env:APPDB_PASSWORD}`")
        .doesNotContain("FLAG_TOKEN");
  }

  @Test
  void writesTheRunbookToAFileWithOut(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("RUNBOOK.md");
    Files.writeString(out, "old text that is replaced whole");
    Cli.Result r = Cli.run("runbook", PLAN, "-o", out.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo(PLAN + ": runbook written to " + out + "\n");
    assertThat(Files.readString(out)).isEqualTo(Cli.run("runbook", PLAN).out());
  }

  @Test
  void aBadPlanExitsTwoAndWritesNothing(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "version: 1\nname: Bad Name\nstages: []\n");
    Path out = dir.resolve("RUNBOOK.md");
    Cli.Result r = Cli.run("runbook", bad.toString(), "--out", out.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(bad + ": name: \"Bad Name\" must match");
    assertThat(out).doesNotExist();
    assertThat(Cli.run("runbook", PLAN, "-o", dir.toString()).err())
        .isEqualTo("cutover: " + dir + ": is a directory\n");
  }
}
