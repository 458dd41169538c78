package dev.cutover.ledger;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The ledger's schema: the versioned migrations in the repository's {@code sql/} directory
 * (packaged at {@code db/ledger}), applied by Flyway. A worker migrates at start; applying them to
 * a database that has them already changes nothing.
 */
public final class LedgerSchema {
  private LedgerSchema() {}

  /** Brings the database's schema to the newest version; returns how many migrations ran. */
  public static int migrate(DataSource dataSource) {
    MigrateResult result =
        Flyway.configure()
            .dataSource(dataSource)
            .locations("classpath:db/ledger")
            .table("ledger_schema_history")
            .baselineOnMigrate(false)
            .load()
            .migrate();
    return result.migrationsExecuted;
  }
}
