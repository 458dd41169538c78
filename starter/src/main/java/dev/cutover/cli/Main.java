package dev.cutover.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cutover}: the operator's command line. */
@Command(name = "cutover", mixinStandardHelpOptions = true, version = "cutover 0.1.0",
    description = "Production cutovers as durable Temporal workflows.",
    subcommands = {LintCommand.class, StartCommand.class, StatusCommand.class, ListCommand.class,
        ApproveCommand.class, AbortCommand.class, PauseCommand.class, ResumeCommand.class,
        PromoteCommand.class, AcknowledgeCommand.class, RetryCommand.class, AbandonCommand.class,
        KeygenCommand.class, WorkerCommand.class, DevCommand.class, DemoCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:failure (unreachable server, no such cutover)", "2:bad input (nothing changed)",
        "3:the cutover's state does not allow that action"})
public final class Main implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliException c) {
        cmd.getErr().println("cutover: " + c.getMessage());
        return c.exitCode;
      }
      cmd.getErr().println("cutover: " + e);
      return ExitCodes.FAILURE;
    });
    cli.setParameterExceptionHandler((e, a) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("cutover: " + e.getMessage());
      e.getCommandLine().usage(err);
      return ExitCodes.BAD_INPUT;
    });
    return cli.execute(args);
  }
}
