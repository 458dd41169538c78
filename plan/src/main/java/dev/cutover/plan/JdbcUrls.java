package dev.cutover.plan;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a PostgreSQL JDBC URL exactly as the driver (pgjdbc 42.7, {@code Driver.parseURL}) does,
 * and says what in it a plan may not choose. Pure: no I/O, no lookup. Used by the plan reader (new
 * plans) and by the worker before every connection (every plan, whatever its rules).
 *
 * <p>How pgjdbc reads {@code jdbc:postgresql://h1:5432,[::1]:5433/db?a=1&b=2}, mirrored here: the
 * query starts at the first {@code ?} and is split on {@code &}; a parameter's name is taken as
 * written (not percent-decoded, case-sensitive; {@code host}, {@code port} and {@code dbname} in
 * any case stand for the address's host, port and database, and override them), its value is
 * percent-decoded ({@code +} is a blank); a parameter given twice takes the last value; URL
 * parameters win over the properties the worker passes. The address is split on {@code ,}; a host's
 * port follows its last {@code :} unless that sits inside {@code [...]} (IPv6), else it is 5432;
 * {@code jdbc:postgresql:db} and {@code jdbc:postgresql://} (no host) mean {@code localhost:5432}.
 * The address is never percent-decoded.
 *
 * <p>So that what the worker checks is what the driver uses, anything pgjdbc would read in another
 * way, or that could change who we log in as, what code runs, which files are read or written or
 * where logs go, is refused: a {@code ${...}} reference anywhere (a secret never goes into a URL,
 * not even into a host name, which DNS would carry), a user or password in the address, an empty
 * host, a port outside 1-65535, a parameter that is not in {@link #ALLOWED}, written in another
 * case or percent-encoded, given twice or without a value, and a value outside the parameter's
 * known values.
 */
public final class JdbcUrls {
  public static final String PREFIX = "jdbc:postgresql:";
  public static final int DEFAULT_PORT = 5432;
  public static final String DEFAULT_HOST = "localhost";

  /**
   * The longest connect, login or socket timeout (seconds) a URL may ask for; the worker's own may
   * be shorter.
   */
  public static final int MAX_TIMEOUT_SECONDS = 3600;

  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
  private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*]");
  private static final Pattern SCHEMAS = Pattern.compile("[A-Za-z0-9_$,\" ]{1,256}");
  private static final Set<String> BOOLEAN = Set.of("true", "false");
  private static final Set<String> ADDRESS_PROPERTIES = Set.of("PGHOST", "PGPORT", "PGDBNAME");

  /** A parameter a plan may set: its check of the value, null when it is fine, else why not. */
  private record Allowed(String name, Function<String, String> check) {}

  private static final Map<String, Allowed> ALLOWED_PARAMETERS =
      allowed(
          new Allowed(
              "sslmode",
              oneOf("disable", "allow", "prefer", "require", "verify-ca", "verify-full")),
          new Allowed("ssl", oneOf(BOOLEAN)),
          new Allowed("sslNegotiation", oneOf("postgres", "direct")),
          new Allowed("channelBinding", oneOf("disable", "prefer", "require")),
          new Allowed(
              "targetServerType",
              oneOf(
                  "any",
                  "primary",
                  "master",
                  "secondary",
                  "slave",
                  "preferSecondary",
                  "preferSlave",
                  "preferPrimary")),
          new Allowed("loadBalanceHosts", oneOf(BOOLEAN)),
          new Allowed("hostRecheckSeconds", wholeNumber(0, 86_400)),
          new Allowed("tcpKeepAlive", oneOf(BOOLEAN)),
          new Allowed("tcpNoDelay", oneOf(BOOLEAN)),
          new Allowed(
              "currentSchema",
              v ->
                  SCHEMAS.matcher(v).matches()
                      ? null
                      : "is a comma-separated list of schema names (letters, digits, _, $, \" and blanks, at most 256)"),
          new Allowed("connectTimeout", wholeNumber(1, MAX_TIMEOUT_SECONDS)),
          new Allowed("loginTimeout", wholeNumber(1, MAX_TIMEOUT_SECONDS)),
          new Allowed("socketTimeout", wholeNumber(1, MAX_TIMEOUT_SECONDS)));

  /** The parameters a plan may put in a JDBC URL. */
  public static final Set<String> ALLOWED =
      Collections.unmodifiableSet(new TreeSet<>(ALLOWED_PARAMETERS.keySet()));

  private static final String SET_BY_WORKER = "is set by the worker, never by a plan";
  private static final String LOADS_CLASS = "names a Java class for the worker to load";
  private static final String READS_FILE = "reads a file on the worker";
  private static final String KERBEROS = "uses the worker's Kerberos or SSPI identity";

  /** Why a known pgjdbc parameter is refused, where there is more to say than "not allowed". */
  private static final Map<String, String> REFUSED =
      Map.ofEntries(
          Map.entry(
              "user",
              "is not written in the URL: give the connection's user: (a name or ${env:NAME})"),
          Map.entry(
              "password", "is not written in the URL: give the connection's password: ${env:NAME}"),
          Map.entry("socketFactory", LOADS_CLASS),
          Map.entry("socketFactoryArg", "configures the socket factory, which the worker sets"),
          Map.entry("sslfactory", LOADS_CLASS),
          Map.entry(
              "sslfactoryarg",
              "configures an SSL factory (it can read the worker's environment or files)"),
          Map.entry("sslpasswordcallback", LOADS_CLASS),
          Map.entry("sslhostnameverifier", LOADS_CLASS),
          Map.entry("authenticationPluginClassName", LOADS_CLASS),
          Map.entry("xmlFactoryFactory", LOADS_CLASS),
          Map.entry("sslkey", READS_FILE),
          Map.entry("sslcert", READS_FILE),
          Map.entry("sslrootcert", READS_FILE),
          Map.entry("sslpassword", "is a secret and never goes into a URL"),
          Map.entry("service", "reads pg_service.conf on the worker"),
          Map.entry("loggerFile", "writes the driver's log to a file on the worker"),
          Map.entry("loggerLevel", "sets the driver's logging on the worker"),
          Map.entry(
              "options",
              "sets server settings at login (it could turn default_transaction_read_only off); "
                  + SET_BY_WORKER),
          Map.entry("readOnly", SET_BY_WORKER),
          Map.entry("readOnlyMode", SET_BY_WORKER),
          Map.entry("preferQueryMode", SET_BY_WORKER),
          Map.entry("ApplicationName", SET_BY_WORKER),
          Map.entry(
              "replication", "opens a replication connection, which runs replication commands"),
          Map.entry(
              "localSocketAddress",
              "binds the worker's end of the connection to an address of the plan's choosing"),
          Map.entry("gsslib", KERBEROS),
          Map.entry("gssEncMode", KERBEROS),
          Map.entry("jaasApplicationName", KERBEROS),
          Map.entry("jaasLogin", KERBEROS),
          Map.entry("kerberosServerName", KERBEROS),
          Map.entry("sspiServiceClass", KERBEROS),
          Map.entry("useSpnego", KERBEROS),
          Map.entry("gssUseDefaultCreds", KERBEROS));

  private JdbcUrls() {}

  /**
   * One host of a URL, as the driver will connect to it; {@code host} keeps an IPv6 literal's
   * brackets.
   */
  public record HostPort(String host, int port) {
    /** The host as a lookup takes it: an IPv6 literal without its brackets. */
    public String address() {
      return host.startsWith("[") && host.endsWith("]")
          ? host.substring(1, host.length() - 1)
          : host;
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /**
   * A URL that passed: {@code address} is the URL without its parameters ({@code
   * jdbc:postgresql://h:5432/db}), to be given to the driver with {@code parameters}
   * (percent-decoded, in order) as connection properties, after which the worker adds its own
   * settings.
   */
  public record Parsed(String address, List<HostPort> hosts, Map<String, String> parameters) {
    public Parsed {
      hosts = List.copyOf(hosts);
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  /** A URL that is refused; {@link #problems} says each thing wrong with it. */
  public static final class Refused extends IllegalArgumentException {
    private final List<String> problems;

    Refused(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** Everything wrong with {@code url}; empty when the worker may use it. */
  public static List<String> problems(String url) {
    List<String> problems = new ArrayList<>();
    read(url, problems);
    return problems;
  }

  /**
   * {@code url} read as the driver reads it.
   *
   * @throws Refused listing everything wrong with it
   */
  public static Parsed parse(String url) {
    List<String> problems = new ArrayList<>();
    Parsed parsed = read(url, problems);
    if (!problems.isEmpty()) {
      throw new Refused(problems);
    }
    return parsed;
  }

  private static Parsed read(String url, List<String> problems) {
    if (url.contains("${")) {
      problems.add(
          "a JDBC URL may not hold a ${...} reference: a secret never goes into a URL. Write the URL"
              + " literally and give credentials as user: and password: ${env:NAME}");
      return null;
    }
    if (!url.startsWith(PREFIX)) {
      problems.add("a postgres connection is a JDBC URL such as jdbc:postgresql://host:5432/db");
      return null;
    }
    if (url.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      problems.add("the JDBC URL holds a control character");
      return null;
    }
    int q = url.indexOf('?');
    String address = q < 0 ? url : url.substring(0, q);
    List<HostPort> hosts = hosts(address.substring(PREFIX.length()), problems);
    Map<String, String> parameters = q < 0 ? Map.of() : parameters(url.substring(q + 1), problems);
    return new Parsed(address, hosts, parameters);
  }

  /** The hosts after {@code jdbc:postgresql:}, as {@code Driver.parseURL} splits them. */
  private static List<HostPort> hosts(String server, List<String> problems) {
    if (server.equals("//")
        || server.equals("///")
        || (!server.startsWith("/") && !server.isEmpty())) {
      // No address at all, or jdbc:postgresql:db: the driver connects to localhost:5432.
      if (!server.startsWith("/") && !validDatabase(server)) {
        problems.add("the database name is not valid percent-encoding");
      }
      return List.of(new HostPort(DEFAULT_HOST, DEFAULT_PORT));
    }
    if (!server.startsWith("//")) {
      problems.add("a JDBC URL's address starts with // (jdbc:postgresql://host:5432/db)");
      return List.of();
    }
    String rest = server.substring(2);
    int slash = rest.indexOf('/');
    if (slash < 0) {
      problems.add("a JDBC URL needs a / after the host and port (jdbc:postgresql://host:5432/db)");
      return List.of();
    }
    if (rest.indexOf('/', slash + 1) >= 0) {
      problems.add("a JDBC URL holds one / after the host and port, before the database name");
      return List.of();
    }
    if (!validDatabase(rest.substring(slash + 1))) {
      problems.add("the database name is not valid percent-encoding");
    }
    String authority = rest.substring(0, slash);
    if (authority.contains("@")) {
      problems.add(
          "a JDBC URL holds no user or password (nothing@ before the host): give the connection's user:"
              + " and password: ${env:NAME}");
      return List.of();
    }
    List<HostPort> hosts = new ArrayList<>();
    for (String entry : authority.split(",", -1)) {
      String host = entry;
      int port = DEFAULT_PORT;
      int colon = entry.lastIndexOf(':');
      if (colon >= 0 && entry.lastIndexOf(']') < colon) {
        host = entry.substring(0, colon);
        String portText = entry.substring(colon + 1);
        Integer p = portText.matches("[0-9]{1,5}") ? Integer.valueOf(portText) : null;
        if (p == null || p < 1 || p > 65_535) {
          problems.add(
              "host "
                  + (host.isEmpty() ? "(empty)" : host)
                  + ": the port is a number from 1 to 65535");
          continue;
        }
        port = p;
      }
      if (host.isEmpty()) {
        problems.add(
            "a host in the JDBC URL is empty (the driver would connect to localhost); name every host");
      } else if (!HOST_NAME.matcher(host).matches() && !IPV6_LITERAL.matcher(host).matches()) {
        problems.add(
            "\""
                + host
                + "\" is not a host name or IP address (an IPv6 address is written in [ ])");
      } else {
        hosts.add(new HostPort(host, port));
      }
    }
    return hosts;
  }

  private static boolean validDatabase(String text) {
    return text.isEmpty() || decode(text) != null;
  }

  /** The query part, split and decoded as the driver does, checked against the allow-list. */
  private static Map<String, String> parameters(String query, List<String> problems) {
    Map<String, String> parameters = new LinkedHashMap<>();
    Set<String> seen = new TreeSet<>();
    for (String token : query.split("&")) {
      if (token.isEmpty()) {
        continue; // the driver skips empty parameters (a&&b, a trailing &)
      }
      int eq = token.indexOf('=');
      String name = eq < 0 ? token : token.substring(0, eq);
      String shown = "parameter \"" + name + "\"";
      if (!seen.add(name)) {
        problems.add(shown + " is given twice (the driver would take the last)");
        continue;
      }
      String why = refusal(name);
      if (why != null) {
        problems.add(shown + " " + why);
        continue;
      }
      if (eq < 0) {
        problems.add(shown + " has no value (write " + name + "=...)");
        continue;
      }
      String value = decode(token.substring(eq + 1));
      if (value == null) {
        problems.add(shown + ": the value is not valid percent-encoding");
        continue;
      }
      String bad = ALLOWED_PARAMETERS.get(name).check().apply(value);
      if (bad != null) {
        problems.add(shown + " " + bad);
        continue;
      }
      parameters.put(name, value);
    }
    return parameters;
  }

  /** Why a parameter of this name is refused, or null when it is allowed. */
  private static String refusal(String name) {
    if (ALLOWED_PARAMETERS.containsKey(name)) {
      return null;
    }
    if (REFUSED.containsKey(name)) {
      return REFUSED.get(name);
    }
    // The driver reads host, port and dbname (in any case) as PGHOST, PGPORT and PGDBNAME.
    if (ADDRESS_PROPERTIES.contains(name)
        || ADDRESS_PROPERTIES.contains("PG" + name.toUpperCase(Locale.ROOT))) {
      return "would replace the URL's host, port or database: write them in the address (jdbc:postgresql://host:5432/db)";
    }
    if (name.contains("%")) {
      return "is percent-encoded: the driver reads parameter names as written, so write the name itself";
    }
    for (String known : ALLOWED_PARAMETERS.keySet()) {
      if (known.equalsIgnoreCase(name)) {
        return "is not a parameter the driver knows: names are case-sensitive (write "
            + known
            + ")";
      }
    }
    for (String known : REFUSED.keySet()) {
      if (known.equalsIgnoreCase(name)) {
        return "is refused: " + known + " " + REFUSED.get(known);
      }
    }
    return "is not allowed in a JDBC URL (allowed: " + String.join(", ", ALLOWED) + ")";
  }

  /** What the driver's {@code URLCoder.decode} makes of {@code text}; null where it fails. */
  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Map<String, Allowed> allowed(Allowed... all) {
    Map<String, Allowed> map = new LinkedHashMap<>();
    for (Allowed a : all) {
      map.put(a.name(), a);
    }
    return Collections.unmodifiableMap(map);
  }

  private static Function<String, String> oneOf(String... values) {
    return oneOf(Set.of(values));
  }

  private static Function<String, String> oneOf(Set<String> values) {
    String list = String.join(", ", new TreeSet<>(values));
    return v -> values.contains(v) ? null : "is one of " + list + ", not \"" + v + "\"";
  }

  private static Function<String, String> wholeNumber(int min, int max) {
    return v ->
        v.matches("[0-9]{1,6}") && Integer.parseInt(v) >= min && Integer.parseInt(v) <= max
            ? null
            : "is a whole number of seconds from " + min + " to " + max;
  }
}
