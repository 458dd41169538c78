package dev.cutover.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs the CLI in-process with its own writers (picocli's setOut/setErr) and returns what it
 * printed.
 */
final class Cli {
  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** {@code command} (a test's own) with the CLI's handling of errors. */
  static Result run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = Main.execute(cli, args);
    return new Result(code, out.toString(), err.toString());
  }

  private Cli() {}
}
