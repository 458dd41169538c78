package dev.cutover.cli;

/** A failure with a message meant for the operator and the exit code to leave with. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }
}
