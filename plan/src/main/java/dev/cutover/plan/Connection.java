package dev.cutover.plan;

import java.util.Map;
import java.util.Objects;

/**
 * A named endpoint. Values may hold {@code ${env:NAME}} references, which only the worker resolves
 * at the moment of use; the plan, and so workflow history, carries the reference, never the value.
 */
public record Connection(String name, Kind kind, String url, String user, String password,
    Map<String, String> headers) {
  public enum Kind { POSTGRES, PROMETHEUS, HTTP }

  public Connection {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(url, "url");
    headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers == null ? Map.of() : headers));
  }
}
