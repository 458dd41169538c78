package dev.cutover.cli;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * {@code --key FILE} (or {@code CUTOVER_SIGNING_KEY}): sign the action with an approver's key, so a
 * worker with that key in its keyring can tell it came from its owner. Only the actions that move a
 * cutover on take it: approve, promote, acknowledge, resume, retry.
 */
final class SigningOptions {
  static final String VARIABLE = "CUTOVER_SIGNING_KEY";

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description =
          "sign with this key (from cutover keygen; default: $"
              + VARIABLE
              + "); --by defaults to its name")
  Path key;

  /** Where environment variables come from (tests replace it). */
  UnaryOperator<String> environment = System::getenv;

  /** The key to sign with, or null to send unsigned. */
  SigningKey load() {
    Path file = key;
    if (file == null) {
      String fromEnv = environment.apply(VARIABLE);
      file = fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv.strip());
    }
    return file == null ? null : SigningKey.read(file);
  }
}
