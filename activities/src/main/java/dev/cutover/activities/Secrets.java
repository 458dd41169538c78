package dev.cutover.activities;

import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves {@code ${env:NAME}} references against the worker's environment, and takes every value
 * it has handed out back out of text that is about to leave an activity.
 *
 * <p>Contract: {@link #resolve} replaces each {@code ${env:NAME}} in one pass (a resolved value is
 * never scanned again, so a value that itself looks like a reference stays as it is). An unset
 * variable fails with a non-retryable {@code ApplicationFailure} of type {@link
 * FailureTypes#INVALID_REQUEST} whose message names the variable, never a value. {@link #redact}
 * replaces every value resolved so far, its URL-encoded forms and, for a URL, its path (8
 * characters or more) with {@code ***}: activities run it over every error message and reason, so
 * a password a server echoes back never reaches workflow history or the logs.
 *
 * <p>Thread-safe: the environment is copied at construction and the set of handed-out values is a
 * concurrent set. One instance serves every cutover on a worker, so a secret resolved for one
 * cutover is also redacted from every other.
 */
public final class Secrets {
  static final String MASK = "***";
  private static final int MIN_SECRET_PATH = 8;

  private final Map<String, String> environment;
  /** Every form of every value handed out, as it could appear in a message. */
  private final Set<String> handedOut = ConcurrentHashMap.newKeySet();

  /**
   * @param environment the variables references resolve against; production passes {@code
   *     System.getenv()}
   */
  public Secrets(Map<String, String> environment) {
    this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }

  /**
   * {@code text} with every {@code ${env:NAME}} replaced by the variable's value; null stays null.
   *
   * @throws ApplicationFailure type {@code InvalidRequest}, non-retryable, when a variable is unset
   */
  public String resolve(String text) {
    if (text == null) {
      return null;
    }
    return Placeholders.fill(text, name -> null, this);
  }

  /** The value of environment variable {@code name}, remembered for {@link #redact}. */
  String lookup(String name) {
    String value = environment.get(name);
    if (value == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "environment variable " + name + " is not set on the worker", FailureTypes.INVALID_REQUEST);
    }
    remember(value);
    return value;
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
      String path = (uri.getRawPath() == null ? "" : uri.getRawPath())
          + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return path.length() >= MIN_SECRET_PATH ? path : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  static final int MIN_REDACTED = 4;

  /**
   * {@code text} with every value handed out so far (of at least {@value #MIN_REDACTED}
   * characters) replaced by {@code ***}; null stays null.
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
