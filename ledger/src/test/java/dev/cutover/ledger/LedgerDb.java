package dev.cutover.ledger;

import dev.cutover.testing.TestServices;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** A fresh database on the test PostgreSQL ({@code CUTOVER_TEST_PG_*}), dropped at close. */
public final class LedgerDb implements AutoCloseable {
  public final String adminUrl;
  public final String user;
  public final String password;
  public final String name;
  public final String url;

  public LedgerDb() {
    adminUrl = TestServices.require("CUTOVER_TEST_PG_URL");
    user = TestServices.require("CUTOVER_TEST_PG_USER");
    password = TestServices.require("CUTOVER_TEST_PG_PASSWORD");
    name = "ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    url = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + name;
    admin("CREATE DATABASE " + name);
  }

  /** The same database reached through {@code host:port} instead (a proxy in between). */
  public String urlThrough(int port) {
    return url.replaceFirst("//[^/]+/", "//127.0.0.1:" + port + "/");
  }

  public LedgerSettings settings(Path outbox) {
    return new LedgerSettings(url, user, password, outbox);
  }

  public Jdbi jdbi() {
    return Jdbi.create(url, user, password);
  }

  public long count(String sql) {
    return jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  /** Runs {@code sql} as the test server's administrator, on its admin database. */
  public void admin(String sql) {
    try (Connection c = DriverManager.getConnection(adminUrl, user, password);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql.toLowerCase(Locale.ROOT) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
}
