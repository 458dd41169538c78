package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cutover.plan.JdbcUrls.HostPort;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JdbcUrlsTest {
  private static final String DB = "jdbc:postgresql://db.internal:5432/app";

  static Stream<Arguments> accepted() {
    HostPort db = new HostPort("db.internal", 5432);
    return Stream.of(
        Arguments.of(DB, List.of(db), Map.of()),
        Arguments.of("jdbc:postgresql://db.internal/app", List.of(db), Map.of()),
        Arguments.of(
            "jdbc:postgresql://db.internal:6432/",
            List.of(new HostPort("db.internal", 6432)),
            Map.of()),
        Arguments.of(
            "jdbc:postgresql://h1:5432,h2:5433,h3/app",
            List.of(new HostPort("h1", 5432), new HostPort("h2", 5433), new HostPort("h3", 5432)),
            Map.of()),
        Arguments.of("jdbc:postgresql://[::1]/app", List.of(new HostPort("[::1]", 5432)), Map.of()),
        Arguments.of(
            "jdbc:postgresql://[2001:db8::5]:6543,10.0.0.7:5432/app",
            List.of(new HostPort("[2001:db8::5]", 6543), new HostPort("10.0.0.7", 5432)),
            Map.of()),
        Arguments.of("jdbc:postgresql:app", List.of(new HostPort("localhost", 5432)), Map.of()),
        Arguments.of("jdbc:postgresql://", List.of(new HostPort("localhost", 5432)), Map.of()),
        Arguments.of(
            DB + "?sslmode=verify-full&targetServerType=preferSecondary&loadBalanceHosts=true",
            List.of(db),
            Map.of(
                "sslmode",
                "verify-full",
                "targetServerType",
                "preferSecondary",
                "loadBalanceHosts",
                "true")),
        Arguments.of(
            DB + "?currentSchema=%22%24user%22,public&tcpKeepAlive=true",
            List.of(db),
            Map.of("currentSchema", "\"$user\",public", "tcpKeepAlive", "true")),
        Arguments.of(
            DB + "?connectTimeout=3&socketTimeout=60&loginTimeout=3&&",
            List.of(db),
            Map.of("connectTimeout", "3", "socketTimeout", "60", "loginTimeout", "3")),
        Arguments.of(
            DB
                + "?ssl=true&channelBinding=require&sslNegotiation=direct&hostRecheckSeconds=10&tcpNoDelay=false",
            List.of(db),
            Map.of(
                "ssl",
                "true",
                "channelBinding",
                "require",
                "sslNegotiation",
                "direct",
                "hostRecheckSeconds",
                "10",
                "tcpNoDelay",
                "false")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void readsTheHostsAndParametersAsTheDriverDoes(
      String url, List<HostPort> hosts, Map<String, String> parameters) {
    JdbcUrls.Parsed parsed = JdbcUrls.parse(url);

    assertThat(parsed.hosts()).isEqualTo(hosts);
    assertThat(parsed.parameters()).isEqualTo(parameters);
    assertThat(parsed.address())
        .isEqualTo(url.contains("?") ? url.substring(0, url.indexOf('?')) : url);
    assertThat(JdbcUrls.problems(url)).isEmpty();
  }

  /** Each is refused with a message naming what is wrong; none of them may reach the driver. */
  static Stream<Arguments> refused() {
    String loadsClass = "names a Java class for the worker to load";
    String readsFile = "reads a file on the worker";
    String setByWorker = "is set by the worker, never by a plan";
    String address =
        "would replace the URL's host, port or database: write them in the address"
            + " (jdbc:postgresql://host:5432/db)";
    String notAllowed =
        "is not allowed in a JDBC URL (allowed: " + String.join(", ", JdbcUrls.ALLOWED) + ")";
    String secretRef =
        "a JDBC URL may not hold a ${...} reference: a secret never goes into a URL. Write the URL"
            + " literally and give credentials as user: and password: ${env:NAME}";
    return Stream.of(
        // secrets and credentials
        Arguments.of(DB + "?password=${env:AWS_SECRET_ACCESS_KEY}", secretRef),
        Arguments.of(
            "jdbc:postgresql://${env:AWS_SECRET_ACCESS_KEY}.attacker.example/app", secretRef),
        Arguments.of("${env:APPDB_URL}", secretRef),
        Arguments.of(DB + "?currentSchema=${env:X}", secretRef),
        Arguments.of(
            DB + "?user=admin",
            "parameter \"user\" is not written in the URL: give the connection's user:"
                + " (a name or ${env:NAME})"),
        Arguments.of(
            DB + "?password=hunter2",
            "parameter \"password\" is not written in the URL: give the"
                + " connection's password: ${env:NAME}"),
        Arguments.of(
            "jdbc:postgresql://admin:hunter2@db.internal:5432/app",
            "a JDBC URL holds no user or password"
                + " (nothing@ before the host): give the connection's user: and password: ${env:NAME}"),
        Arguments.of(
            "jdbc:postgresql://admin@db.internal/app",
            "a JDBC URL holds no user or password"
                + " (nothing@ before the host): give the connection's user: and password: ${env:NAME}"),
        Arguments.of(
            DB + "?sslpassword=x",
            "parameter \"sslpassword\" is a secret and never goes into a URL"),
        // code the worker would load
        Arguments.of(
            DB + "?socketFactory=org.example.Evil", "parameter \"socketFactory\" " + loadsClass),
        Arguments.of(
            DB + "?socketFactoryArg=x",
            "parameter \"socketFactoryArg\" configures the socket factory,"
                + " which the worker sets"),
        Arguments.of(
            DB + "?sslfactory=org.postgresql.ssl.NonValidatingFactory",
            "parameter \"sslfactory\" " + loadsClass),
        Arguments.of(
            DB + "?sslfactoryarg=env:AWS_SECRET_ACCESS_KEY",
            "parameter \"sslfactoryarg\" configures an SSL"
                + " factory (it can read the worker's environment or files)"),
        Arguments.of(
            DB + "?sslpasswordcallback=x.Y", "parameter \"sslpasswordcallback\" " + loadsClass),
        Arguments.of(
            DB + "?sslhostnameverifier=x.Y", "parameter \"sslhostnameverifier\" " + loadsClass),
        Arguments.of(
            DB + "?authenticationPluginClassName=x.Y",
            "parameter \"authenticationPluginClassName\" " + loadsClass),
        Arguments.of(
            DB + "?xmlFactoryFactory=x.Y", "parameter \"xmlFactoryFactory\" " + loadsClass),
        // files on the worker
        Arguments.of(DB + "?sslkey=/etc/shadow", "parameter \"sslkey\" " + readsFile),
        Arguments.of(DB + "?sslcert=/var/lib/app/client.key", "parameter \"sslcert\" " + readsFile),
        Arguments.of(DB + "?sslrootcert=/etc/passwd", "parameter \"sslrootcert\" " + readsFile),
        Arguments.of(
            DB + "?service=prod", "parameter \"service\" reads pg_service.conf on the worker"),
        Arguments.of(
            DB + "?loggerFile=/tmp/x.log",
            "parameter \"loggerFile\" writes the driver's log to a file on" + " the worker"),
        Arguments.of(
            DB + "?loggerLevel=TRACE",
            "parameter \"loggerLevel\" sets the driver's logging on the worker"),
        // what the worker fixes
        Arguments.of(
            DB + "?options=-c%20default_transaction_read_only=off",
            "parameter \"options\" sets server"
                + " settings at login (it could turn default_transaction_read_only off); "
                + setByWorker),
        Arguments.of(DB + "?readOnly=false", "parameter \"readOnly\" " + setByWorker),
        Arguments.of(DB + "?readOnlyMode=ignore", "parameter \"readOnlyMode\" " + setByWorker),
        Arguments.of(
            DB + "?preferQueryMode=simple", "parameter \"preferQueryMode\" " + setByWorker),
        Arguments.of(DB + "?ApplicationName=psql", "parameter \"ApplicationName\" " + setByWorker),
        Arguments.of(
            DB + "?replication=database",
            "parameter \"replication\" opens a replication connection, which"
                + " runs replication commands"),
        Arguments.of(
            DB + "?localSocketAddress=10.0.0.1",
            "parameter \"localSocketAddress\" binds the worker's end of"
                + " the connection to an address of the plan's choosing"),
        Arguments.of(
            DB + "?gsslib=sspi",
            "parameter \"gsslib\" uses the worker's Kerberos or SSPI identity"),
        Arguments.of(
            DB + "?jaasApplicationName=x",
            "parameter \"jaasApplicationName\" uses the worker's Kerberos or" + " SSPI identity"),
        Arguments.of(
            DB + "?sspiServiceClass=x",
            "parameter \"sspiServiceClass\" uses the worker's Kerberos or SSPI" + " identity"),
        Arguments.of(
            DB + "?gssEncMode=require",
            "parameter \"gssEncMode\" uses the worker's Kerberos or SSPI identity"),
        // another host, port or database than the address says
        Arguments.of(DB + "?host=169.254.169.254", "parameter \"host\" " + address),
        Arguments.of(DB + "?HOST=127.0.0.1", "parameter \"HOST\" " + address),
        Arguments.of(DB + "?Port=22", "parameter \"Port\" " + address),
        Arguments.of(DB + "?dbname=postgres", "parameter \"dbname\" " + address),
        Arguments.of(DB + "?PGHOST=127.0.0.1", "parameter \"PGHOST\" " + address),
        // unknown, oddly cased, percent-encoded, duplicated, valueless
        Arguments.of(DB + "?socksProxyHost=10.0.0.1", "parameter \"socksProxyHost\" " + notAllowed),
        Arguments.of(DB + "?prepareThreshold=0", "parameter \"prepareThreshold\" " + notAllowed),
        Arguments.of(
            DB + "?SSLMODE=disable",
            "parameter \"SSLMODE\" is not a parameter the driver knows: names are"
                + " case-sensitive (write sslmode)"),
        Arguments.of(
            DB + "?User=admin",
            "parameter \"User\" is refused: user is not written in the URL: give the"
                + " connection's user: (a name or ${env:NAME})"),
        Arguments.of(
            DB + "?SocketFactory=x.Y",
            "parameter \"SocketFactory\" is refused: socketFactory " + loadsClass),
        Arguments.of(
            DB + "?%73ocketFactory=x.Y",
            "parameter \"%73ocketFactory\" is percent-encoded: the driver reads"
                + " parameter names as written, so write the name itself"),
        Arguments.of(
            DB + "?pass%77ord=x",
            "parameter \"pass%77ord\" is percent-encoded: the driver reads parameter"
                + " names as written, so write the name itself"),
        Arguments.of(
            DB + "?sslmode=require&sslmode=disable",
            "parameter \"sslmode\" is given twice (the driver would" + " take the last)"),
        Arguments.of(DB + "?ssl", "parameter \"ssl\" has no value (write ssl=...)"),
        // values
        Arguments.of(
            DB + "?sslmode=verify-none",
            "parameter \"sslmode\" is one of allow, disable, prefer, require,"
                + " verify-ca, verify-full, not \"verify-none\""),
        Arguments.of(
            DB + "?sslmode=Require",
            "parameter \"sslmode\" is one of allow, disable, prefer, require,"
                + " verify-ca, verify-full, not \"Require\""),
        Arguments.of(
            DB + "?tcpKeepAlive=yes",
            "parameter \"tcpKeepAlive\" is one of false, true, not \"yes\""),
        Arguments.of(
            DB + "?connectTimeout=0",
            "parameter \"connectTimeout\" is a whole number of seconds from 1 to 3600"),
        Arguments.of(
            DB + "?socketTimeout=99999999",
            "parameter \"socketTimeout\" is a whole number of seconds from 1" + " to 3600"),
        Arguments.of(
            DB + "?currentSchema=public%3Bdrop",
            "parameter \"currentSchema\" is a comma-separated list of"
                + " schema names (letters, digits, _, $, \" and blanks, at most 256)"),
        Arguments.of(
            DB + "?sslmode=%zz", "parameter \"sslmode\": the value is not valid percent-encoding"),
        // addresses
        Arguments.of(
            "jdbc:postgresql://db.internal:5432",
            "a JDBC URL needs a / after the host and port" + " (jdbc:postgresql://host:5432/db)"),
        Arguments.of(
            "jdbc:postgresql://db.internal:5432/app/x",
            "a JDBC URL holds one / after the host and port," + " before the database name"),
        Arguments.of(
            "jdbc:postgresql://:5432/app",
            "a host in the JDBC URL is empty (the driver would connect to"
                + " localhost); name every host"),
        Arguments.of(
            "jdbc:postgresql://h1,,h2/app",
            "a host in the JDBC URL is empty (the driver would connect to"
                + " localhost); name every host"),
        Arguments.of(
            "jdbc:postgresql://db.internal:0/app",
            "host db.internal: the port is a number from 1 to 65535"),
        Arguments.of(
            "jdbc:postgresql://db.internal:65536/app",
            "host db.internal: the port is a number from 1 to 65535"),
        Arguments.of(
            "jdbc:postgresql://db.internal:54x/app",
            "host db.internal: the port is a number from 1 to 65535"),
        Arguments.of(
            "jdbc:postgresql://::1/app",
            "\":\" is not a host name or IP address (an IPv6 address is written" + " in [ ])"),
        Arguments.of(
            "jdbc:postgresql://[fe80::1%25eth0]/app",
            "\"[fe80::1%25eth0]\" is not a host name or IP"
                + " address (an IPv6 address is written in [ ])"),
        Arguments.of(
            "jdbc:postgresql://db%2Einternal/app",
            "\"db%2Einternal\" is not a host name or IP address (an"
                + " IPv6 address is written in [ ])"),
        Arguments.of(
            "jdbc:postgresql:/app",
            "a JDBC URL's address starts with // (jdbc:postgresql://host:5432/db)"),
        Arguments.of(
            "jdbc:postgresql://db.internal/a%zz",
            "the database name is not valid percent-encoding"),
        Arguments.of(
            "jdbc:postgresql://db.internal/app\n?sslmode=disable",
            "the JDBC URL holds a control character"),
        Arguments.of(
            "JDBC:POSTGRESQL://db.internal/app",
            "a postgres connection is a JDBC URL such as" + " jdbc:postgresql://host:5432/db"),
        Arguments.of(
            "jdbc:mysql://db.internal/app",
            "a postgres connection is a JDBC URL such as" + " jdbc:postgresql://host:5432/db"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWhatAPlanMayNotChoose(String url, String problem) {
    JdbcUrls.Refused e = catchThrowableOfType(JdbcUrls.Refused.class, () -> JdbcUrls.parse(url));

    assertThat(e).as(url).isNotNull();
    assertThat(e.problems()).containsExactly(problem);
    assertThat(JdbcUrls.problems(url)).containsExactly(problem);
  }

  @Test
  void listsEveryProblemOfAUrlAtOnce() {
    assertThat(
            JdbcUrls.problems("jdbc:postgresql://h1:0,h2/app?user=x&loggerFile=/tmp/l&sslmode=on"))
        .containsExactly(
            "host h1: the port is a number from 1 to 65535",
            "parameter \"user\" is not written in the URL: give the connection's user: (a name or ${env:NAME})",
            "parameter \"loggerFile\" writes the driver's log to a file on the worker",
            "parameter \"sslmode\" is one of allow, disable, prefer, require, verify-ca, verify-full, not \"on\"");
  }

  @Test
  void neverRepeatsAValueThatMayBeASecret() {
    assertThat(
            JdbcUrls.problems(
                DB + "?password=hunter2&sslpassword=hunter2&user=hunter2&sslkey=hunter2"))
        .hasSize(4)
        .noneMatch(p -> p.contains("hunter2"));
  }
}
