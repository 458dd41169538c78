package dev.cutover.cli;

import dev.cutover.ledger.HtmlReport;
import dev.cutover.ledger.LedgerSettings;
import dev.cutover.ledger.LedgerWriter;
import dev.cutover.ledger.ReportData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cutover report ID [-o FILE]}: one cutover's evidence from the ledger as one self-contained
 * HTML file (docs/ledger.md). The ledger is {@code CUTOVER_LEDGER_URL} with {@code
 * CUTOVER_LEDGER_USER} and {@code CUTOVER_LEDGER_PASSWORD}, as for the worker.
 */
@Command(
    name = "report",
    description =
        "Write one cutover's report from the ledger (CUTOVER_LEDGER_URL): its timeline and stages, each gate's values against its threshold, rollbacks and their cause, approvals with what the gates showed, every effect. One HTML file that opens offline and prints.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ID",
      description = "the cutover's workflow id or plan name")
  String id;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "where to write it (default: cutover-report-<plan>.html here)")
  Path output;

  /** Where the ledger is (tests and the demo hand their own). */
  Supplier<Map<String, String>> environment = System::getenv;

  @Override
  public Integer call() {
    LedgerSettings settings;
    try {
      settings = LedgerSettings.fromEnvironment(environment.get());
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
    }
    if (settings == null) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          LedgerSettings.URL_VARIABLE
              + " is not set: the report reads the cutover ledger (docs/ledger.md)");
    }
    Path written = write(Jdbi.create(LedgerWriter.dataSource(settings)), id, output);
    spec.commandLine().getOut().println(written.toAbsolutePath());
    return ExitCodes.OK;
  }

  /** Writes the report of {@code id} from {@code ledger} to {@code file} (null: the default). */
  static Path write(Jdbi ledger, String id, Path file) {
    Optional<ReportData> data;
    try {
      data = ReportData.load(ledger, id);
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCodes.FAILURE, "cannot read the ledger: " + TemporalOptions.rootMessage(e), e);
    }
    if (data.isEmpty()) {
      throw new CliException(ExitCodes.FAILURE, "the ledger has no cutover " + id);
    }
    Path out =
        file != null
            ? file
            : Path.of(
                "cutover-report-"
                    + String.valueOf(data.get().cutover().get("plan"))
                        .replaceAll("[^A-Za-z0-9._-]", "_")
                    + ".html");
    try {
      Files.writeString(
          out, HtmlReport.render(data.get(), System.currentTimeMillis()), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILURE, "cannot write " + out + ": " + e.getMessage(), e);
    }
    return out;
  }
}
