package dev.cutover.plan;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP request as a plan writes it: {@code "PUT flags:/api/flags/x"} (relative to the {@code
 * flags} connection) or {@code "GET https://host/health"}. Body and headers may hold placeholders
 * such as {@code ${percent}} and {@code ${env:TOKEN}}, filled in by the worker.
 */
public record HttpCall(String method, String target, Map<String, String> headers, String body) {
  static final Pattern REQUEST_LINE =
      Pattern.compile("^(GET|HEAD|POST|PUT|PATCH|DELETE)\\s+(\\S+)$");
  private static final Pattern RELATIVE = Pattern.compile("^([a-z0-9][a-z0-9_-]*):(/.*)$");

  public HttpCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    headers =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(headers == null ? Map.of() : headers));
  }

  /** Parses {@code "METHOD target"}; empty when it is not that shape. */
  public static Optional<HttpCall> parse(String requestLine) {
    if (requestLine == null) {
      return Optional.empty();
    }
    Matcher m = REQUEST_LINE.matcher(requestLine.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new HttpCall(m.group(1), m.group(2), Map.of(), null));
  }

  /** The connection a relative target names ({@code flags} in {@code flags:/x}), if any. */
  public Optional<String> connection() {
    Matcher m = RELATIVE.matcher(target);
    if (m.matches() && !m.group(1).equals("http") && !m.group(1).equals("https")) {
      return Optional.of(m.group(1));
    }
    return Optional.empty();
  }

  /** The path part of a relative target, or the whole target when absolute. */
  public String path() {
    Matcher m = RELATIVE.matcher(target);
    return m.matches() && connection().isPresent() ? m.group(2) : target;
  }

  public HttpCall withHeadersAndBody(Map<String, String> newHeaders, String newBody) {
    return new HttpCall(method, target, newHeaders, newBody);
  }

  @Override
  public String toString() {
    return method + " " + target;
  }
}
