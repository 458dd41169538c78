package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.PlanReader;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small helpers shared by the tests: plan fragments from YAML, failures, real services. */
final class Fixtures {
  private Fixtures() {}

  /** What the tests' targets need: they listen on loopback, which workers refuse unless allowed. */
  static final String LOOPBACK = "127.0.0.1,localhost";

  /**
   * A worker environment of {@code name, value} pairs that also allows loopback hosts through
   * {@code CUTOVER_ALLOWED_HOSTS}, as the demo and the end-to-end workers do, and allows plans to
   * reference the variables given (unless the pairs set {@code CUTOVER_ALLOWED_SECRETS}
   * themselves).
   */
  static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    env.putIfAbsent(HostPolicy.VARIABLE, LOOPBACK);
    env.putIfAbsent(
        Secrets.ALLOWED,
        String.join(
            ",",
            env.keySet().stream()
                .filter(k -> !k.startsWith("CUTOVER_") && !k.startsWith("TEMPORAL_"))
                .sorted()
                .toList()));
    return Map.copyOf(env);
  }

  /** The settings a worker whose environment is {@code env} reads at its start. */
  static ActivitySettings settings(Map<String, String> env) {
    return ActivitySettings.fromEnvironment(env);
  }

  /** As {@link #settings(Map)}, with {@code clock} for signatures' freshness. */
  static ActivitySettings settings(Map<String, String> env, java.time.Clock clock) {
    return ActivitySettings.fromEnvironment(env, clock);
  }

  /**
   * The settings of a worker with the environment {@link #env(String...)} makes of {@code pairs}.
   */
  static ActivitySettings settings(String... pairs) {
    return settings(env(pairs));
  }

  /**
   * The {@link EffectException} {@code call} throws; fails the test when it throws anything else or
   * nothing.
   */
  static EffectException effectFailure(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t)
        .as("the call should fail with an EffectException")
        .isInstanceOf(EffectException.class);
    return (EffectException) t;
  }

  /** A plan fragment as the workflow carries it: the JSON tree of some YAML. */
  static JsonNode tree(String yaml) {
    return PlanReader.parseTree(yaml);
  }

  /**
   * The ApplicationFailure {@code call} throws; fails the test when it throws anything else or
   * nothing.
   */
  static ApplicationFailure failure(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t)
        .as("the call should fail with an ApplicationFailure")
        .isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) t;
  }

  /** A TCP port nothing listens on (bound once, then released). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the real PostgreSQL started by ./run-tests is. */
  record Postgres(String url, String user, String password) {
    /** The same database, logged in as {@code user} with {@code password}. */
    Postgres as(String user, String password) {
      return new Postgres(url, user, password);
    }
  }

  /**
   * Creates login role {@code name} on {@code admin}'s server (no superuser, {@code
   * default_transaction_read_only = on}, a random password), runs {@code grants} (each holding
   * {@code %1$s} for the role's name) and returns where to log in as it. Roles are the server's,
   * not a schema's: drop it with {@link #dropRole}.
   */
  static Postgres createRole(Postgres admin, String name, String... grants) {
    String password = "pw-" + java.util.UUID.randomUUID();
    List<String> sql = new ArrayList<>();
    sql.add("CREATE ROLE " + name + " LOGIN NOSUPERUSER PASSWORD '" + password + "'");
    sql.add("ALTER ROLE " + name + " SET default_transaction_read_only = on");
    for (String g : grants) {
      sql.add(g.formatted(name));
    }
    admin(admin, sql.toArray(String[]::new));
    return admin.as(name, password);
  }

  /** Drops a role {@link #createRole} made, and whatever it owns or was granted. */
  static void dropRole(Postgres admin, String name) {
    admin(admin, "DROP OWNED BY " + name + " CASCADE", "DROP ROLE IF EXISTS " + name);
  }

  /** Runs {@code statements} as {@code admin} on a plain connection, one after the other. */
  static void admin(Postgres admin, String... statements) {
    try (java.sql.Connection c =
            DriverManager.getConnection(admin.url(), admin.user(), admin.password());
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of {@code sql}, run as {@code admin}, as text. */
  static String adminQuery(Postgres admin, String sql) {
    try (java.sql.Connection c =
            DriverManager.getConnection(admin.url(), admin.user(), admin.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Why a test needing PostgreSQL is skipped when none is configured. */
  static final String NO_POSTGRES =
      "no PostgreSQL configured: run ./run-tests, or eval \"$(./run-tests --env-only)\" first";

  /**
   * The PostgreSQL from {@code CUTOVER_TEST_PG_*}, or null when it is not configured (callers skip
   * each test with {@link #NO_POSTGRES}); with {@code CUTOVER_TEST_REQUIRE_SERVICES=1} (./run-tests
   * sets it) its absence fails instead.
   */
  static Postgres postgres() {
    String url = System.getenv("CUTOVER_TEST_PG_URL");
    String user = System.getenv("CUTOVER_TEST_PG_USER");
    String password = System.getenv("CUTOVER_TEST_PG_PASSWORD");
    if (url == null || user == null || password == null) {
      if ("1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
        fail(
            "CUTOVER_TEST_PG_URL, CUTOVER_TEST_PG_USER and CUTOVER_TEST_PG_PASSWORD are not set, "
                + "but CUTOVER_TEST_REQUIRE_SERVICES=1: run the tests with ./run-tests, which starts PostgreSQL");
      }
      return null;
    }
    return new Postgres(url, user, password);
  }
}
