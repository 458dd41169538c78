package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an HTTP response must show: a status (null: any 2xx), JSON paths equal to given values, and
 * headers ({@link HeaderExpect}, by name as the plan wrote it). Paths are written {@code $.a.b} or
 * {@code $.items[0].name}.
 */
public record Expect(
    Integer status,
    Map<String, JsonNode> json,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, HeaderExpect> headers) {
  public Expect {
    json =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(json == null ? Map.of() : json));
    headers =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(headers == null ? Map.of() : headers));
  }

  /** A status and JSON values, no headers. */
  public Expect(Integer status, Map<String, JsonNode> json) {
    this(status, json, Map.of());
  }
}
