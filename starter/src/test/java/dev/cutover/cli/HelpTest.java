package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Every command takes {@code --help} (and {@code -h}): exit 0, its usage on stdout, nothing on
 * stderr. Run in-process with the CLI's own writers; {@code CliJarIT} does the same with the
 * packaged jar and also checks that picocli prints no warning.
 */
class HelpTest {
  /** The subcommands operators know, in the order the help lists them. */
  static final List<String> SUBCOMMANDS =
      List.of(
          "lint",
          "check",
          "simulate",
          "runbook",
          "start",
          "status",
          "list",
          "approve",
          "abort",
          "pause",
          "resume",
          "promote",
          "acknowledge",
          "confirm",
          "retry",
          "abandon",
          "keygen",
          "worker",
          "dev",
          "demo",
          "report",
          "completion");

  @Test
  void theCliHasExactlyTheSubcommandsOperatorsKnow() {
    assertThat(new CommandLine(new Main()).getSubcommands().keySet())
        .containsExactlyElementsOf(SUBCOMMANDS);
  }

  @ParameterizedTest(name = "cutover {0} --help")
  @FieldSource("SUBCOMMANDS")
  void everySubcommandTakesHelpAndExitsZero(String name) {
    for (String flag : List.of("--help", "-h")) {
      Cli.Result r = Cli.run(name, flag);
      assertThat(r.exit()).as(flag).isZero();
      assertThat(r.err()).as(flag).isEmpty();
      assertThat(r.out())
          .as(flag)
          .startsWith("Usage: cutover " + name + " ")
          .contains("  -h, --help ", "  -V, --version ", "Exit codes:%n  0   ok".formatted());
    }
  }

  @Test
  void theTopLevelHelpListsEverySubcommandAndVersionNamesTheBuild() {
    Cli.Result help = Cli.run("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.err()).isEmpty();
    assertThat(help.out()).startsWith("Usage: cutover [-hV] [--debug] [COMMAND]");
    SUBCOMMANDS.forEach(name -> assertThat(help.out()).contains("%n  %s ".formatted(name)));

    // In-process there is no jar manifest; CliJarIT checks the packaged jar's version.
    Cli.Result version = Cli.run("demo", "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out())
        .isEqualTo("cutover (development build: not run from a jar)%n".formatted());
  }

  /**
   * picocli formats every description, as written, with {@link String#format}; a bare {@code %}
   * (say "10%") fails that, and picocli then prints "[picocli WARN] Could not format ..." on
   * stderr.
   */
  @Test
  void everyDescriptionIsAFormatStringPicocliCanFormat() {
    List<String> descriptions = new ArrayList<>();
    CommandLine root = new CommandLine(new Main());
    List<CommandSpec> specs = new ArrayList<>(List.of(root.getCommandSpec()));
    root.getSubcommands().values().forEach(c -> specs.add(c.getCommandSpec()));
    for (CommandSpec spec : specs) {
      descriptions.addAll(List.of(spec.usageMessage().description()));
      // An option's description() is already formatted; the text as written is on its annotation.
      for (ArgSpec arg : spec.args()) {
        assertThat(arg.userObject()).as(arg.toString()).isInstanceOf(Field.class);
        Field field = (Field) arg.userObject();
        Option option = field.getAnnotation(Option.class);
        Parameters parameters = field.getAnnotation(Parameters.class);
        descriptions.addAll(
            List.of(option != null ? option.description() : parameters.description()));
      }
    }
    assertThat(descriptions).hasSizeGreaterThan(100);
    for (String d : descriptions) {
      assertThatCode(() -> String.format(d)).as(d).doesNotThrowAnyException();
    }
    // ... and the percent signs read as written.
    assertThat(Cli.run("demo", "--help").out())
        .contains("Run a real cutover 10% -> 50% -> 100% against")
        .contains("the 50% stage");
  }
}
