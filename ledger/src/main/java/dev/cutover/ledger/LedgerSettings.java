package dev.cutover.ledger;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the worker's ledger is, read from its environment: {@code CUTOVER_LEDGER_URL} (a {@code
 * jdbc:postgresql:} URL; unset: no ledger), {@code CUTOVER_LEDGER_USER} (default {@code cutover}),
 * {@code CUTOVER_LEDGER_PASSWORD}, and {@code CUTOVER_LEDGER_OUTBOX}, the directory that keeps
 * batches until they are written (default {@code ~/.cutover/ledger-outbox}; give it a volume that
 * outlives the worker's container).
 */
public record LedgerSettings(String url, String user, String password, Path outbox) {
  public static final String URL_VARIABLE = "CUTOVER_LEDGER_URL";
  public static final String USER_VARIABLE = "CUTOVER_LEDGER_USER";
  public static final String PASSWORD_VARIABLE = "CUTOVER_LEDGER_PASSWORD";
  public static final String OUTBOX_VARIABLE = "CUTOVER_LEDGER_OUTBOX";

  /** The settings, or null when {@code CUTOVER_LEDGER_URL} is unset (no ledger). */
  public static LedgerSettings fromEnvironment(Map<String, String> env) {
    String url = env.get(URL_VARIABLE);
    if (url == null || url.isBlank()) {
      return null;
    }
    url = url.strip();
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException(
          URL_VARIABLE + " must be a jdbc:postgresql://host:port/database URL");
    }
    if (url.contains("password=")) {
      throw new IllegalArgumentException(
          URL_VARIABLE + " must not hold a password; set " + PASSWORD_VARIABLE + " instead");
    }
    String user = env.getOrDefault(USER_VARIABLE, "cutover");
    String outbox = env.get(OUTBOX_VARIABLE);
    return new LedgerSettings(
        url,
        user == null || user.isBlank() ? "cutover" : user.strip(),
        env.get(PASSWORD_VARIABLE),
        outbox == null || outbox.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cutover", "ledger-outbox")
            : Path.of(outbox.strip()));
  }

  /** What the worker logs at start (never the password). */
  public String describe() {
    return "ledger at " + url + " as " + user + ", outbox " + outbox;
  }

  @Override
  public String toString() {
    return describe();
  }
}
