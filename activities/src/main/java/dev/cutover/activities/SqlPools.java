package dev.cutover.activities;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cutover.plan.JdbcUrls;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import org.jdbi.v3.core.Jdbi;

/**
 * The connections {@link SqlSource} measures on, and the first of its walls: one HikariCP pool (at
 * most 2 connections, 5 s to get one) per distinct URL, resolved user and password, created on
 * first use. The password is part of the key so that a check with a wrong password never borrows a
 * connection opened with the right one. Every host of a URL must be allowed by the worker's {@link
 * HostPolicy} after DNS, checked before connecting ({@link #hostRefusal}) and again on each socket
 * ({@link PolicySocketFactory}). The worker's own settings are given after the URL's, which carries
 * no parameter at all to the driver, so a plan cannot override them: extended query protocol,
 * read-only sessions ({@code default_transaction_read_only}), timeouts, the socket factory, and a
 * password always given (empty when the plan names none) so that the driver never reads {@code
 * ~/.pgpass}.
 *
 * <p>Thread-safe: pools are created once per key through a concurrent map.
 */
final class SqlPools implements AutoCloseable {
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  /** A socket that hangs beyond the longest check timeout (5 min) is dead. */
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(330);

  private static final AtomicInteger POOLS = new AtomicInteger();

  /**
   * The host policy's view of DNS: each host of a URL is looked up through it before connecting.
   */
  private final Dns dns;

  private final PolicySocketFactory.Registration sockets;
  private final ConcurrentMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
  private volatile boolean closed;

  SqlPools(HostPolicy hostPolicy) {
    this.dns = hostPolicy.dns(Dns.SYSTEM);
    this.sockets = PolicySocketFactory.register(hostPolicy);
  }

  /** What a pool is for. {@code toString} leaves the password out, in case it is ever logged. */
  private record PoolKey(JdbcUrls.Parsed url, String user, String password) {
    @Override
    public String toString() {
      return "PoolKey[url=" + url + ", user=" + user + "]";
    }
  }

  private record Pool(HikariDataSource dataSource, Jdbi jdbi) {}

  /**
   * Why a host of {@code url} is refused by the worker's host policy, or null when every host is
   * allowed: each is resolved and judged as the HTTP client's are ({@link HostPolicy#dns}). A
   * lookup that fails for another reason is left to the driver, which reports it; whatever DNS says
   * by then, each socket checks its address again.
   */
  String hostRefusal(JdbcUrls.Parsed url) {
    for (JdbcUrls.HostPort host : url.hosts()) {
      try {
        dns.lookup(host.address());
      } catch (HostPolicy.Refused e) {
        return e.getMessage();
      } catch (UnknownHostException e) {
        // Not ours to judge: the driver fails on it too, naming it.
      }
    }
    return null;
  }

  /**
   * The pool for {@code url} as {@code user} with {@code password} (both resolved), created on
   * first use; nothing connects until a connection is asked for.
   *
   * @throws IllegalStateException once closed
   * @throws RuntimeException when HikariCP refuses the configuration (a URL no driver accepts)
   */
  Jdbi jdbi(JdbcUrls.Parsed url, String user, String password) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    return pools
        .computeIfAbsent(
            new PoolKey(url, user, password),
            k -> {
              HikariConfig c = new HikariConfig();
              // The pool name is logged by HikariCP: a number, never the URL or user.
              c.setPoolName("cutover-sql-" + POOLS.incrementAndGet());
              // The address only: the URL's parameters (allow-listed) go in as properties, then
              // ours on
              // top. A parameter left in the URL would win over any property (Driver.parseURL).
              c.setJdbcUrl(k.url().address());
              c.setUsername(k.user());
              // Always a password, empty when the plan gives none: without one the driver looks in
              // the
              // worker's ~/.pgpass (or PGPASSFILE) for the host the plan names.
              c.setPassword(k.password() == null ? "" : k.password());
              c.setMaximumPoolSize(2);
              c.setMinimumIdle(0);
              c.setIdleTimeout(Duration.ofMinutes(2).toMillis());
              c.setMaxLifetime(Duration.ofMinutes(30).toMillis());
              c.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
              c.setValidationTimeout(Duration.ofSeconds(2).toMillis());
              // Lazy: a database that is down must not fail the worker, only the checks that use
              // it.
              c.setInitializationFailTimeout(-1);
              c.setReadOnly(true);
              k.url().parameters().forEach(c::addDataSourceProperty);
              // The worker's own settings, after the plan's: a plan's timeouts may only be shorter.
              c.addDataSourceProperty(
                  "connectTimeout", clamped(k.url(), "connectTimeout", CONNECTION_TIMEOUT));
              c.addDataSourceProperty(
                  "loginTimeout", clamped(k.url(), "loginTimeout", CONNECTION_TIMEOUT));
              c.addDataSourceProperty(
                  "socketTimeout", clamped(k.url(), "socketTimeout", SOCKET_TIMEOUT));
              c.addDataSourceProperty("ApplicationName", "cutover");
              // Read-only even for a transaction we did not start ourselves.
              c.addDataSourceProperty("options", "-c default_transaction_read_only=on");
              c.addDataSourceProperty("readOnlyMode", "transaction");
              // Each piece of a Statement's text is its own Parse message, never one simple Query.
              c.addDataSourceProperty("preferQueryMode", "extended");
              c.addDataSourceProperty("socketFactory", PolicySocketFactory.class.getName());
              c.addDataSourceProperty("socketFactoryArg", sockets.id());
              HikariDataSource ds = new HikariDataSource(c);
              return new Pool(ds, Jdbi.create(ds));
            })
        .jdbi();
  }

  /** The plan's {@code name} parameter in seconds if it is shorter than {@code ours}, else ours. */
  private static String clamped(JdbcUrls.Parsed url, String name, Duration ours) {
    String given = url.parameters().get(name);
    long seconds =
        given == null ? ours.toSeconds() : Math.min(Long.parseLong(given), ours.toSeconds());
    return String.valueOf(seconds);
  }

  /** Closes every pool; asking for one after this throws. */
  @Override
  public void close() {
    closed = true;
    for (Pool p : pools.values()) {
      p.dataSource().close();
    }
    pools.clear();
    sockets.close();
  }
}
