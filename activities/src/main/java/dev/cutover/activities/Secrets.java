package dev.cutover.activities;

import dev.cutover.plan.Connection;
import dev.cutover.plan.Plan;
import dev.cutover.plan.SecretReferences;
import dev.cutover.workflows.FailureTypes;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${env:NAME}} references against the worker's environment, but only those its
 * operator allows in {@value #ALLOWED}, and takes every value it has handed out back out of text
 * that is about to leave an activity.
 *
 * <p>{@value #ALLOWED} is a comma-separated list, read once at the worker's start ({@link
 * AllowList#parse}, through {@link ActivitySettings}). Each entry is
 *
 * <ul>
 *   <li>a variable name ({@code APPDB_PASSWORD}), or a prefix ending in {@code *} ({@code APP_*});
 *   <li>optionally followed by {@code @host}: the secret is then sent only to that host (a name, an
 *       IP address or a CIDR range, as in {@code CUTOVER_ALLOWED_HOSTS}), checked on the connection
 *       itself, after DNS and at every redirect hop; repeat the entry for more hosts. A secret
 *       bound to hosts is never handed to a command, which could send it anywhere.
 * </ul>
 *
 * Unset or blank, no reference resolves. The worker's own settings ({@code CUTOVER_*}, {@code
 * TEMPORAL_*}) never resolve, whatever a prefix says, and an entry naming one, a lone {@code *} or
 * a malformed entry stops the worker at start ({@link IllegalArgumentException} naming it).
 *
 * <p>Contract: {@link #resolve} replaces each {@code ${env:NAME}} in one pass (a resolved value is
 * never scanned again, so a value that itself looks like a reference stays as it is). A name the
 * list does not allow, or an unset variable, fails with a non-retryable {@link EffectException} of
 * type {@link FailureTypes#INVALID_REQUEST} whose message names the variable (and {@value
 * #ALLOWED}), never a value. {@link #redact} replaces every value resolved so far, its URL-encoded
 * forms and, for a URL, its path (8 characters or more) with {@code ***}: activities run it over
 * every error message and reason, so a password a server echoes back never reaches workflow history
 * or the logs.
 *
 * <p>Thread-safe: the environment and the list are fixed at construction and the set of handed-out
 * values is a concurrent set. One instance serves every cutover on a worker, so a secret resolved
 * for one cutover is also redacted from every other.
 */
public final class Secrets {
  /** The worker variable listing what plans may reference. */
  public static final String ALLOWED = "CUTOVER_ALLOWED_SECRETS";

  static final String MASK = "***";
  private static final int MIN_SECRET_PATH = 8;
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Prefixes of the worker's own settings: no plan reads them. */
  private static final List<String> RESERVED = List.of("CUTOVER_", "TEMPORAL_");

  /**
   * The names or prefixes the list allows, and the hosts each may go to (null: any the host policy
   * allows).
   */
  private record Entry(String name, boolean prefix, HostPolicy hosts, String text) {
    boolean matches(String variable) {
      return prefix ? variable.startsWith(name) : variable.equals(name);
    }
  }

  /**
   * {@value #ALLOWED} as the worker read it: the names or prefixes it allows, each with the hosts
   * it may go to, in the operator's order; {@code entries} is null when the variable is unset or
   * blank.
   */
  static final class AllowList {
    static final AllowList UNSET = new AllowList(null);
    private final List<Entry> entries;

    private AllowList(List<Entry> entries) {
      this.entries = entries;
    }

    /**
     * The list {@code value} (of {@value #ALLOWED}) sets; null or blank: {@link #UNSET}.
     *
     * @throws IllegalArgumentException for a malformed entry, naming it and the variable
     */
    static AllowList parse(String value) {
      List<Entry> entries = Secrets.parse(value);
      return entries == null ? UNSET : new AllowList(entries);
    }

    /** What the worker logs at start about this list; never a value. */
    String setting() {
      if (entries == null) {
        return ALLOWED
            + " unset: no ${env:...} reference resolves; plans that use one are refused at start";
      }
      return ALLOWED + ": " + String.join(", ", entries.stream().map(Entry::text).toList());
    }

    /** The warning a worker without a list logs at start; null when the list is set. */
    String warning() {
      return entries == null
          ? ALLOWED
              + " is not set: this worker resolves no ${env:NAME} reference, so plans that"
              + " use one (database passwords, API tokens, webhooks) are refused; list the variables plans may use,"
              + " e.g. "
              + ALLOWED
              + "=APPDB_PASSWORD,FLAG_TOKEN@flags.internal"
          : null;
    }
  }

  private final Map<String, String> environment;

  /** In the operator's order; null when the variable is unset. */
  private final List<Entry> entries;

  /** Every form of every value handed out, as it could appear in a message. */
  private final Set<String> handedOut = ConcurrentHashMap.newKeySet();

  /**
   * @param settings the worker's settings: the variables references resolve against ({@link
   *     ActivitySettings#environment}) and the list of those plans may use
   */
  Secrets(ActivitySettings settings) {
    Objects.requireNonNull(settings, "settings");
    this.environment = settings.environment();
    this.entries = settings.allowedSecrets().entries;
  }

  private static List<Entry> parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    // One entry per name or prefix; its hosts are the union of the @host of each line naming it.
    Map<String, List<String>> hosts = new LinkedHashMap<>();
    Map<String, Boolean> unbound = new LinkedHashMap<>();
    for (String raw : value.split(",")) {
      String entry = raw.strip();
      if (entry.isEmpty()) {
        continue;
      }
      int at = entry.indexOf('@');
      String key = at < 0 ? entry : entry.substring(0, at).strip();
      boolean prefix = key.endsWith("*");
      String name = prefix ? key.substring(0, key.length() - 1) : key;
      if (key.equals("*")) {
        throw new IllegalArgumentException(
            ALLOWED
                + ": \"*\" would hand plans every variable of the worker"
                + " (AWS_SECRET_ACCESS_KEY included); list names, or prefixes such as APP_*");
      }
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            ALLOWED
                + ": \""
                + entry
                + "\" is not a variable name or a prefix ending"
                + " in * (e.g. APPDB_PASSWORD, APP_*, or FLAG_TOKEN@flags.internal)");
      }
      if (reserved(
          name)) { // CUTOVER_*, TEMPORAL_X; a broader prefix (C*) simply never matches them
        throw new IllegalArgumentException(
            ALLOWED
                + ": \""
                + entry
                + "\" names the worker's own settings; no plan"
                + " may read CUTOVER_* or TEMPORAL_* variables");
      }
      if (at >= 0 && entry.substring(at + 1).isBlank()) {
        throw new IllegalArgumentException(ALLOWED + ": \"" + entry + "\" has no host after the @");
      }
      boolean bound = at >= 0;
      Boolean before = unbound.put(key, !bound);
      if (before != null && before == bound) {
        throw new IllegalArgumentException(
            ALLOWED
                + ": "
                + key
                + " is listed both with and without @host; keep"
                + " one way (with @host the secret goes only to the hosts listed)");
      }
      List<String> h = hosts.computeIfAbsent(key, k -> new ArrayList<>());
      if (bound) {
        h.add(entry.substring(at + 1).strip());
      }
    }
    List<Entry> out = new ArrayList<>();
    hosts.forEach(
        (key, list) -> {
          boolean prefix = key.endsWith("*");
          String name = prefix ? key.substring(0, key.length() - 1) : key;
          HostPolicy policy =
              list.isEmpty() ? null : HostPolicy.listOf(ALLOWED + " (" + key + "@...)", list);
          out.add(
              new Entry(
                  name,
                  prefix,
                  policy,
                  list.isEmpty()
                      ? key
                      : String.join(", ", list.stream().map(host -> key + "@" + host).toList())));
        });
    return List.copyOf(out);
  }

  private static boolean reserved(String name) {
    return RESERVED.stream().anyMatch(name::startsWith);
  }

  /**
   * {@code text} with every {@code ${env:NAME}} replaced by the variable's value; null stays null.
   *
   * @throws EffectException type {@code InvalidRequest}, non-retryable, when a variable is not
   *     allowed or unset
   */
  public String resolve(String text) {
    if (text == null) {
      return null;
    }
    return Placeholders.fill(text, name -> null, this);
  }

  /**
   * Why a plan may not use {@code ${env:name}} on this worker (not allowed, or a setting of the
   * worker itself); null when it may. Names the variable and {@value #ALLOWED}, never a value.
   */
  public String refusal(String name) {
    String ref = "${env:" + name + "}";
    if (reserved(name)) {
      return ref
          + " is a setting of the worker itself; no plan may read CUTOVER_* or TEMPORAL_* variables";
    }
    if (entries == null) {
      return ref
          + " is not allowed: "
          + ALLOWED
          + " is not set on this worker, so no ${env:...} reference resolves";
    }
    if (entries.stream().noneMatch(e -> e.matches(name))) {
      return ref + " is not allowed: " + ALLOWED + " does not list " + name;
    }
    return null;
  }

  /** Whether every entry allowing {@code name} binds it to hosts (with {@code @host}). */
  boolean bound(String name) {
    return entries != null
        && entries.stream().anyMatch(e -> e.matches(name))
        && entries.stream().filter(e -> e.matches(name)).allMatch(e -> e.hosts() != null);
  }

  /**
   * Why the secrets {@code names} may not go to {@code host} (at {@code address}, once connected;
   * null: judged as written, without DNS, which may leave it undecided and then null); null when
   * each is unbound or bound to hosts that cover it. Names the variable and host, never a value.
   */
  String destinationRefusal(Collection<String> names, String host, InetAddress address) {
    for (String name : names) {
      if (bound(name)
          && entries.stream()
              .noneMatch(
                  e ->
                      e.matches(name)
                          && (address == null
                              ? e.hosts().refusalWithoutDns(host) == null
                              : e.hosts().refusal(host, address) == null))) {
        return "${env:"
            + name
            + "} may be sent only to the hosts "
            + ALLOWED
            + " binds it to, not to host "
            + host
            + (address == null || address.getHostAddress().equals(host)
                ? ""
                : " (" + address.getHostAddress() + ")");
      }
    }
    return null;
  }

  /**
   * The value of environment variable {@code name}, if the list allows it; remembered for {@link
   * #redact}.
   */
  String lookup(String name) {
    String why = refusal(name);
    if (why != null) {
      throw EffectException.invalid(why);
    }
    String value = environment.get(name);
    if (value == null) {
      throw EffectException.invalid("environment variable " + name + " is not set on the worker");
    }
    remember(value);
    return value;
  }

  /**
   * Every reference {@code plan} makes that this worker will not resolve, at its path: a name the
   * list does not allow, or a setting of the worker itself. The admission check's part for secrets.
   */
  List<String> refusals(Plan plan) {
    List<String> out = new ArrayList<>();
    for (PlanSites.Text t : PlanSites.texts(plan)) {
      for (String name : new LinkedHashSet<>(SecretReferences.names(t.text()))) {
        String why = refusal(name);
        if (why != null) {
          out.add(t.path() + ": " + why);
        }
      }
    }
    // A database password bound to hosts goes only to those database hosts (as the URL writes them;
    // the plan cannot change them later, and a URL that is one reference is the operator's own).
    plan.connections()
        .forEach(
            (name, c) -> {
              if (c.kind() == Connection.Kind.POSTGRES) {
                List<String> names = new ArrayList<>(SecretReferences.names(c.user()));
                names.addAll(SecretReferences.names(c.password()));
                for (String host : jdbcHosts(c.url())) {
                  String why = destinationRefusal(names, host, null);
                  if (why != null) {
                    out.add("connections." + name + ".postgres: " + why);
                  }
                }
              }
            });
    return out;
  }

  /**
   * The hosts of a JDBC URL as written ({@code jdbc:postgresql://a:5432,b/db}); none when it cannot
   * tell.
   */
  static List<String> jdbcHosts(String url) {
    String prefix = "jdbc:postgresql:";
    if (url == null || !url.startsWith(prefix)) {
      return List.of();
    }
    String rest = url.substring(prefix.length());
    if (!rest.startsWith("//")) {
      return List.of("localhost"); // jdbc:postgresql:db
    }
    int end = 2;
    while (end < rest.length() && "/?".indexOf(rest.charAt(end)) < 0) {
      end++;
    }
    String authority = rest.substring(2, end);
    if (authority.contains("${")) {
      return List.of();
    }
    List<String> hosts = new ArrayList<>();
    for (String part : authority.split(",")) {
      String h = part.strip();
      if (h.startsWith("[")) {
        hosts.add(h.substring(0, h.indexOf(']') + 1));
      } else {
        int colon = h.indexOf(':');
        hosts.add(colon < 0 ? h : h.substring(0, colon));
      }
    }
    hosts.replaceAll(h -> h.isEmpty() ? "localhost" : h);
    return hosts;
  }

  private void remember(String value) {
    // An empty value cannot be told apart from no value at all; there is nothing to hide.
    if (value.isEmpty()) {
      return;
    }
    handedOut.add(value);
    // A value spliced into a URL comes back encoded in servers' and clients' messages: as a form
    // value, as a path segment, or with only its spaces encoded (OkHttp's canonical URL).
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    handedOut.add(form);
    handedOut.add(form.replace("+", "%20"));
    handedOut.add(value.replace(" ", "%20"));
    // A URL held as a secret (a Slack webhook) is secret for its path: servers quote the path
    // alone ("no_service for /services/T0/B0/XyZ"). Short paths ("/", "/api") are not secrets.
    String path = secretPath(value);
    if (path != null) {
      handedOut.add(path);
    }
  }

  private static String secretPath(String value) {
    if (!value.startsWith("http://") && !value.startsWith("https://")) {
      return null;
    }
    try {
      URI uri = new URI(value);
      String path =
          (uri.getRawPath() == null ? "" : uri.getRawPath())
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return path.length() >= MIN_SECRET_PATH ? path : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  static final int MIN_REDACTED = 4;

  /**
   * {@code text} with every value handed out so far (of at least {@value #MIN_REDACTED} characters)
   * replaced by {@code ***}; null stays null.
   */
  public String redact(String text) {
    if (text == null || handedOut.isEmpty()) {
      return text;
    }
    List<String> values = new ArrayList<>(handedOut);
    // Longest first, so a secret that contains another is masked whole, not piecewise.
    values.sort(Comparator.comparingInt(String::length).reversed());
    String out = text;
    for (String v : values) {
      // A value of a few characters is no secret worth the name, and masking it would garble
      // every message it happens to occur in ("t" everywhere).
      if (v.length() >= MIN_REDACTED) {
        out = out.replace(v, MASK);
      }
    }
    return out;
  }
}
