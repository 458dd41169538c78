package dev.cutover.cli;

/** The CLI's fixed exit codes (README.md, docs/architecture.md). */
final class ExitCodes {
  static final int OK = 0;

  /** Something failed: unreachable server, no such cutover, an internal error. */
  static final int FAILURE = 1;

  /** The input is wrong: an invalid plan, a bad option. Nothing was changed. */
  static final int BAD_INPUT = 2;

  /** The cutover is not in a state that allows the action; the reason was printed. */
  static final int WRONG_STATE = 3;

  private ExitCodes() {}
}
