package dev.cutover.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code cutover}: the operator's command line. Its attributes are inherited ({@code scope =
 * INHERIT}): every subcommand takes {@code --help} and {@code --version} and lists the exit codes.
 * Commands print through {@code spec.commandLine().getOut()/getErr()}, never {@code System.out}, so
 * that a caller (a test) can hand the CLI its own writers.
 */
@Command(
    name = "cutover",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Production cutovers as durable Temporal workflows.",
    subcommands = {
      LintCommand.class,
      CheckCommand.class,
      SimulateCommand.class,
      RunbookCommand.class,
      StartCommand.class,
      StatusCommand.class,
      ListCommand.class,
      ApproveCommand.class,
      AbortCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      PromoteCommand.class,
      AcknowledgeCommand.class,
      ConfirmCommand.class,
      RetryCommand.class,
      AbandonCommand.class,
      KeygenCommand.class,
      WorkerCommand.class,
      DevCommand.class,
      DemoCommand.class,
      ReportCommand.class,
      CompletionCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:failure (unreachable server, no such cutover)",
      "2:bad input (nothing changed)",
      "3:the cutover's state does not allow that action"
    })
public final class Main implements Runnable {
  static final String DEBUG = "--debug";

  @Option(
      names = DEBUG,
      scope = ScopeType.INHERIT,
      description = "on an unexpected error, print its stack trace (otherwise one line)")
  boolean debug;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * The version the jar's manifest names (its {@code Implementation-Version}), for {@code
   * --version}.
   */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cutover " + version()};
    }

    static String version() {
      String v = Main.class.getPackage().getImplementationVersion();
      return v == null ? "(development build: not run from a jar)" : v;
    }
  }

  /**
   * Runs the CLI and returns its exit code (tests call this instead of {@link #main}). Whatever
   * goes wrong, the operator sees one line saying what, never a stack trace unless {@code --debug}
   * asks for it.
   */
  public static int execute(String... args) {
    return execute(new CommandLine(new Main()), args);
  }

  /**
   * As {@link #execute(String...)}, printing to {@code out} and {@code err} instead of stdout and
   * stderr.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    return execute(cli, args);
  }

  /**
   * Runs {@code cli} with the operator-facing handling of errors (tests pass their own commands).
   */
  static int execute(CommandLine cli, String... args) {
    boolean debug = Arrays.asList(args).contains(DEBUG);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof CliException c) {
            cmd.getErr().println("cutover: " + c.getMessage());
            if (debug && c.getCause() != null) {
              c.getCause().printStackTrace(cmd.getErr());
            }
            return c.exitCode;
          }
          unexpected(e, debug, cmd.getErr());
          return ExitCodes.FAILURE;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          PrintWriter err = e.getCommandLine().getErr();
          err.println("cutover: " + e.getMessage());
          e.getCommandLine().usage(err);
          return ExitCodes.BAD_INPUT;
        });
    try {
      return cli.execute(args);
    } catch (Throwable e) {
      // picocli hands errors (a StackOverflowError, an OutOfMemoryError) through; so do handlers.
      unexpected(e, debug, cli.getErr());
      return ExitCodes.FAILURE;
    } finally {
      cli.getOut().flush();
      cli.getErr().flush();
    }
  }

  private static void unexpected(Throwable e, boolean debug, PrintWriter err) {
    String message = e.getMessage() == null ? "" : ": " + oneLine(e.getMessage());
    err.println(
        "cutover: unexpected "
            + e.getClass().getSimpleName()
            + message
            + (debug ? "" : " (run again with " + DEBUG + " for the details)"));
    if (debug) {
      e.printStackTrace(err);
    }
  }

  private static String oneLine(String message) {
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).strip();
    return line.length() <= 300 ? line : line.substring(0, 300) + "...";
  }
}
