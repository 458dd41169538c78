package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.JdbcUrls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9 items 1 and 2 for PostgreSQL: every JDBC connection passes the worker's host policy
 * (after DNS and on the socket) and its URL's parameters are allow-listed, whatever the plan's
 * rules. An "attacker" PostgreSQL, a listener on every local address that records each connection,
 * shows that a refused URL connects nowhere; the real PostgreSQL shows that an allowed one works.
 */
class SqlConnectionTest {
  private static final String SCHEMA =
      "act_conn_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private static Fixtures.Postgres pg;
  private static Fixtures.Postgres gate;

  /**
   * Listens on the wildcard address (IPv4 and IPv6): any connection to this machine on its port.
   */
  private ServerSocket attacker;

  private final AtomicInteger connections = new AtomicInteger();
  private Thread acceptor;
  private final List<SqlSource> sources = new ArrayList<>();

  @BeforeAll
  static void createRole() {
    pg = Fixtures.postgres();
    if (pg != null) {
      Fixtures.admin(pg, "CREATE SCHEMA " + SCHEMA, "CREATE TABLE " + SCHEMA + ".t (id int)");
      gate =
          Fixtures.createRole(
              pg,
              SCHEMA + "_gate",
              "GRANT USAGE ON SCHEMA " + SCHEMA + " TO %1$s",
              "GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO %1$s");
    }
  }

  @AfterAll
  static void dropRole() {
    if (pg != null) {
      Fixtures.admin(pg, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      Fixtures.dropRole(pg, SCHEMA + "_gate");
    }
  }

  @BeforeEach
  void startAttacker() throws IOException {
    attacker = new ServerSocket();
    attacker.bind(new InetSocketAddress(0));
    acceptor =
        new Thread(
            () -> {
              while (!attacker.isClosed()) {
                try (Socket s = attacker.accept()) {
                  connections.incrementAndGet();
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "attacker-postgres");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws Exception {
    sources.forEach(SqlSource::close);
    attacker.close();
    acceptor.join(5_000);
  }

  // ------------------------------------------------------------------ the host policy

  /**
   * Every spelling of this machine and of the unspecified address (which reaches it), each at the
   * attacker's port, with how the refusal names it: a name as written, an address as Java prints
   * it.
   */
  static Stream<Arguments> forbiddenHosts() {
    return Stream.of(
        Arguments.of("127.0.0.1", "127.0.0.1"),
        Arguments.of("127.0.0.2", "127.0.0.2"),
        Arguments.of("127.1", "127.1"),
        Arguments.of("2130706433", "2130706433"),
        Arguments.of("localhost", "localhost"),
        Arguments.of("LOCALHOST", "LOCALHOST"),
        Arguments.of("[::1]", "0:0:0:0:0:0:0:1"),
        Arguments.of("[::ffff:127.0.0.1]", "127.0.0.1"),
        Arguments.of("[::127.0.0.1]", "0:0:0:0:0:0:7f00:1"),
        Arguments.of("[0:0:0:0:0:0:0:1]", "0:0:0:0:0:0:0:1"),
        Arguments.of("0.0.0.0", "0.0.0.0"),
        Arguments.of("[::]", "0:0:0:0:0:0:0:0"),
        Arguments.of("0", "0"));
  }

  static Stream<Arguments> forbiddenUrls() {
    List<Arguments> all = new ArrayList<>();
    for (String policy : List.of("", "10.20.0.0/16,db.internal")) {
      forbiddenHosts()
          .forEach(
              h ->
                  all.add(
                      Arguments.of(
                          policy, "jdbc:postgresql://" + h.get()[0] + ":%d/postgres", h.get()[1])));
      // Several hosts: one refused host refuses the URL, wherever it stands.
      all.add(
          Arguments.of(
              policy, "jdbc:postgresql://db.invalid:5432,127.0.0.1:%d/postgres", "127.0.0.1"));
      all.add(
          Arguments.of(
              policy, "jdbc:postgresql://[::1]:%d,10.20.0.7:5432/postgres", "0:0:0:0:0:0:0:1"));
      // Link-local and cloud metadata: nothing listens there, the refusal comes first all the same.
      all.add(
          Arguments.of(policy, "jdbc:postgresql://169.254.169.254/postgres", "169.254.169.254"));
      all.add(
          Arguments.of(policy, "jdbc:postgresql://[fe80::1]:%d/postgres", "fe80:0:0:0:0:0:0:1"));
    }
    // Listed: only what the list names. The default port is 5432.
    all.add(
        Arguments.of(
            "10.20.0.0/16,db.internal", "jdbc:postgresql://10.21.0.1/postgres", "10.21.0.1"));
    all.add(
        Arguments.of(
            "10.20.0.0/16,db.internal",
            "jdbc:postgresql://[fd00:ec2::254]/postgres",
            "fd00:ec2:0:0:0:0:0:254"));
    all.add(
        Arguments.of(
            "10.20.0.0/16,db.internal",
            "jdbc:postgresql://100.100.100.200:%d/postgres",
            "100.100.100.200"));
    return all.stream();
  }

  @ParameterizedTest(name = "[{0}] {1}")
  @MethodSource("forbiddenUrls")
  void aHostThePolicyRefusesIsAnErrorNamingItAndNothingConnects(
      String allowed, String url, String host) {
    SqlSource source = source(allowed);

    Reading r =
        measure(source, url.formatted(attacker.getLocalPort()), "gate", "${env:PG_PASSWORD}");

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason())
        .startsWith("cannot connect: host ")
        .contains(host)
        .contains("CUTOVER_ALLOWED_HOSTS");
    assertThat(connections).hasValue(0);
  }

  @Test
  void theDriversSocketsCheckTheAddressTooWhenTheLookupBeforehandIsBypassed() throws Exception {
    // As if DNS had answered differently the second time: the driver is given the policy's
    // socket factory directly and still cannot reach the attacker.
    HostPolicy policy = Fixtures.settings(Map.of()).hosts();
    try (PolicySocketFactory.Registration id = PolicySocketFactory.register(policy)) {
      Properties p = new Properties();
      p.setProperty("user", "gate");
      p.setProperty("password", "x");
      p.setProperty("socketFactory", PolicySocketFactory.class.getName());
      p.setProperty("socketFactoryArg", id.id());
      p.setProperty("connectTimeout", "2");

      Throwable e =
          catchThrowable(
              () ->
                  DriverManager.getConnection(
                          "jdbc:postgresql://127.0.0.1:" + attacker.getLocalPort() + "/postgres", p)
                      .close());

      assertThat(HostPolicy.refusedIn(e)).isNotNull();
      assertThat(HostPolicy.refusedIn(e).getMessage())
          .isEqualTo(policy.refusal("127.0.0.1", java.net.InetAddress.getByName("127.0.0.1")));
    }
    assertThat(connections).hasValue(0);
  }

  @Test
  void aSocketFactoryIdThatIsNotRegisteredRefusesEveryConnection() throws Exception {
    PolicySocketFactory.Registration closed =
        PolicySocketFactory.register(
            Fixtures.settings(Map.of(HostPolicy.VARIABLE, "127.0.0.1")).hosts());
    closed.close();

    for (String id : new String[] {closed.id(), "guessed", null}) {
      Throwable e =
          catchThrowable(
              () ->
                  new PolicySocketFactory(id)
                      .createSocket()
                      .connect(new InetSocketAddress("127.0.0.1", attacker.getLocalPort())));

      assertThat(e)
          .isInstanceOf(HostPolicy.Refused.class)
          .hasMessage(
              "no host policy is registered for this"
                  + " connection; the worker connects only through its own");
    }
    assertThat(connections).hasValue(0);
  }

  @Test
  void twoSourcesWithDifferentPoliciesInOneJvmEachKeepTheirOwn() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    SqlSource open = source("127.0.0.1");
    SqlSource closed = source("10.20.0.0/16");

    assertThat(measure(open, pg.url(), gate.user(), "${env:PG_PASSWORD}"))
        .isEqualTo(Reading.value("q", 1.0, ""));
    assertThat(measure(closed, pg.url(), gate.user(), "${env:PG_PASSWORD}").reason())
        .startsWith("cannot connect: host 127.0.0.1")
        .contains("CUTOVER_ALLOWED_HOSTS");
    assertThat(measure(open, pg.url(), gate.user(), "${env:PG_PASSWORD}"))
        .isEqualTo(Reading.value("q", 1.0, ""));
  }

  @Test
  void aHostThePolicyAllowsIsReachedAndSeveralHostsAreTriedInTurn() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    SqlSource source = source("127.0.0.1");
    int port = java.net.URI.create(pg.url().substring("jdbc:".length())).getPort();

    assertThat(measure(source, pg.url(), gate.user(), "${env:PG_PASSWORD}"))
        .isEqualTo(Reading.value("q", 1.0, ""));
    // The first host is down: the driver goes on to the second, both allowed.
    assertThat(
            measure(
                source,
                "jdbc:postgresql://127.0.0.1:"
                    + Fixtures.closedPort()
                    + ",127.0.0.1:"
                    + port
                    + "/postgres",
                gate.user(),
                "${env:PG_PASSWORD}"))
        .isEqualTo(Reading.value("q", 1.0, ""));
  }

  // ------------------------------------------------------------------ the URL's parameters

  static Stream<String> refusedUrls() {
    String at = "jdbc:postgresql://127.0.0.1:%d/postgres";
    return Stream.of(
        at + "?user=cutover",
        at + "?password=cutover-test",
        at + "?socketFactory=javax.net.DefaultSocketFactory",
        at + "?socketFactoryArg=x",
        at + "?sslfactory=org.postgresql.ssl.NonValidatingFactory",
        at + "?sslfactoryarg=env:PG_PASSWORD",
        at + "?sslpasswordcallback=x",
        at + "?sslkey=/etc/shadow",
        at + "?sslcert=/etc/passwd",
        at + "?sslrootcert=/etc/passwd",
        at + "?loggerFile=/tmp/cutover-pgjdbc.log",
        at + "?loggerLevel=TRACE",
        at + "?options=-c%%20default_transaction_read_only%%3Doff",
        at + "?service=prod",
        at + "?authenticationPluginClassName=x",
        at + "?sspiServiceClass=x",
        at + "?jaasApplicationName=x",
        at + "?gsslib=sspi",
        at + "?localSocketAddress=127.0.0.1",
        at + "?socksProxyHost=127.0.0.1",
        at + "?sslhostnameverifier=x",
        at + "?preferQueryMode=simple",
        at + "?readOnly=false",
        at + "?readOnlyMode=ignore",
        at + "?replication=database",
        at + "?host=127.0.0.1",
        at + "?PGPORT=1",
        at + "?SocketFactory=x",
        at + "?%%73ocketFactory=x",
        at + "?sslmode=require&sslmode=disable",
        at + "?ssl",
        at + "?ApplicationName=psql",
        "jdbc:postgresql://cutover:cutover-test@127.0.0.1:%d/postgres",
        "jdbc:postgresql://127.0.0.1:%d/${env:PG_PASSWORD}",
        "jdbc:postgresql://${env:PG_PASSWORD}.127.0.0.1:%d/postgres",
        "${env:PG_URL}");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedUrls")
  void aUrlParameterThatIsNotAllowedIsRefusedBeforeConnectingWhateverThePlansRules(String url) {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    // The policy lets the attacker be reached: only the URL check stands in the way.
    SqlSource source = source("127.0.0.1");

    Reading r =
        measure(source, url.formatted(attacker.getLocalPort()), gate.user(), "${env:PG_PASSWORD}");

    assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(r.reason()).startsWith("connection \"db\": ").doesNotContain(gate.password());
    assertThat(connections).hasValue(0);
  }

  @Test
  void allowedParametersReachTheDriverAndTheWorkersOwnSettingsStay() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    SqlSource source = source("127.0.0.1");

    Reading r =
        measure(
            source,
            pg.url()
                + "?currentSchema="
                + SCHEMA
                + "&connectTimeout=2&tcpKeepAlive=true&sslmode=disable",
            gate.user(),
            "${env:PG_PASSWORD}",
            "SELECT CASE WHEN current_schema() = '"
                + SCHEMA
                + "'"
                + " AND current_setting('application_name') = 'cutover'"
                + " AND current_setting('default_transaction_read_only') = 'on' THEN 1 ELSE 0 END AS value");

    assertThat(r).isEqualTo(Reading.value("q", 1.0, ""));
  }

  @Test
  void aConnectionWithoutAPasswordNeverUsesTheWorkersPgpass(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    // With no password the driver would read ~/.pgpass (here: the file the property names) for the
    // host, port, database and user the plan gives, and log in with what it finds there.
    int port = java.net.URI.create(pg.url().substring("jdbc:".length())).getPort();
    Path pgpass = dir.resolve("pgpass");
    Files.writeString(
        pgpass, "127.0.0.1:" + port + ":postgres:" + gate.user() + ":" + gate.password() + "\n");
    String before = System.getProperty("org.postgresql.pgpassfile");
    System.setProperty("org.postgresql.pgpassfile", pgpass.toString());
    try {
      // Control: the driver on its own does log in with the file's password.
      try (java.sql.Connection c = DriverManager.getConnection(pg.url() + "?user=" + gate.user())) {
        assertThat(c.isValid(2)).isTrue();
      }

      Reading r = measure(source("127.0.0.1"), pg.url(), gate.user(), null);

      // The worker gave an empty password rather than none, so the driver never looked.
      assertThat(r)
          .isEqualTo(
              Reading.error(
                  "q",
                  "cannot connect: The server requested SCRAM-based authentication,"
                      + " but the password is an empty string. (SQLSTATE 08004)"));
    } finally {
      if (before == null) {
        System.clearProperty("org.postgresql.pgpassfile");
      } else {
        System.setProperty("org.postgresql.pgpassfile", before);
      }
    }
  }

  // ------------------------------------------------------------------ the worker reads a URL as
  // the driver does

  static Stream<String> acceptedUrls() {
    return Stream.of(
        "jdbc:postgresql://db.internal:5432/app",
        "jdbc:postgresql://db.internal/app",
        "jdbc:postgresql://h1:5432,h2:5433,h3/app",
        "jdbc:postgresql://[::1]/app",
        "jdbc:postgresql://[2001:db8::5]:6543,10.0.0.7:5432/app",
        "jdbc:postgresql:app",
        "jdbc:postgresql://",
        "jdbc:postgresql://db.internal/a%20b?sslmode=verify-full&targetServerType=preferSecondary&loadBalanceHosts=true",
        "jdbc:postgresql://db.internal/app?currentSchema=%22%24user%22,public&tcpKeepAlive=true&&",
        "jdbc:postgresql://db.internal/app?connectTimeout=3&socketTimeout=60&loginTimeout=3&hostRecheckSeconds=10",
        "jdbc:postgresql://db.internal/app?ssl=true&channelBinding=require&sslNegotiation=direct&tcpNoDelay=false",
        "jdbc:postgresql://db.internal/app?currentSchema=a+b");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedUrls")
  void theWorkerReadsAnAllowedUrlExactlyAsTheDriverDoes(String url) {
    JdbcUrls.Parsed ours = JdbcUrls.parse(url);
    Properties driver = org.postgresql.Driver.parseURL(url, null);

    assertThat(driver).isNotNull();
    assertThat(driver.getProperty("PGHOST"))
        .isEqualTo(String.join(",", ours.hosts().stream().map(JdbcUrls.HostPort::host).toList()));
    assertThat(driver.getProperty("PGPORT"))
        .isEqualTo(
            String.join(",", ours.hosts().stream().map(h -> String.valueOf(h.port())).toList()));
    Map<String, String> rest = new java.util.TreeMap<>();
    driver.stringPropertyNames().stream()
        .filter(k -> !k.startsWith("PG"))
        .forEach(k -> rest.put(k, driver.getProperty(k)));
    assertThat(rest).isEqualTo(new java.util.TreeMap<>(ours.parameters()));
    // And the address alone, as the worker hands it over, carries no parameter at all.
    Properties bare = org.postgresql.Driver.parseURL(ours.address(), null);
    assertThat(bare.stringPropertyNames()).allMatch(k -> k.startsWith("PG"));
  }

  @Test
  void aParameterThatWouldMoveTheConnectionElsewhereIsRefused() {
    String url = "jdbc:postgresql://db.internal:5432/app?Host=169.254.169.254&PORT=80";

    // The driver would connect to the metadata address, not to the host the address names.
    Properties driver = org.postgresql.Driver.parseURL(url, null);
    assertThat(driver.getProperty("PGHOST")).isEqualTo("169.254.169.254");
    assertThat(driver.getProperty("PGPORT")).isEqualTo("80");
    assertThat(JdbcUrls.problems(url))
        .containsExactly(
            "parameter \"Host\" would replace the URL's host, port or database: write them in the address"
                + " (jdbc:postgresql://host:5432/db)",
            "parameter \"PORT\" would replace the URL's host, port or database: write them in the address"
                + " (jdbc:postgresql://host:5432/db)");
  }

  // ------------------------------------------------------------------ helpers

  private SqlSource source(String allowedHosts) {
    String password = gate == null ? "not-used" : gate.password();
    Map<String, String> env =
        allowedHosts.isEmpty()
            ? Map.of("PG_PASSWORD", password, Secrets.ALLOWED, "PG_PASSWORD")
            : Map.of(
                "PG_PASSWORD",
                password,
                Secrets.ALLOWED,
                "PG_PASSWORD",
                HostPolicy.VARIABLE,
                allowedHosts);
    SqlSource source =
        new SqlSource(new Secrets(Fixtures.settings(env)), Fixtures.settings(env).hosts());
    sources.add(source);
    return source;
  }

  private static Reading measure(SqlSource source, String url, String user, String password) {
    return measure(source, url, user, password, "SELECT 1 AS value");
  }

  private static Reading measure(
      SqlSource source, String url, String user, String password, String sql) {
    return source.measure(
        new Check("q", new Check.SqlQuery("db", sql), null, null, Duration.ofSeconds(10)),
        new Connection("db", Connection.Kind.POSTGRES, url, user, password, Map.of()));
  }
}
