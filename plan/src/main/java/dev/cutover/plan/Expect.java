package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an HTTP response must show: a status (null: any 2xx) and JSON paths equal to given values.
 * Paths are written {@code $.a.b} or {@code $.items[0].name}.
 */
public record Expect(Integer status, Map<String, JsonNode> json) {
  public Expect {
    json =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(json == null ? Map.of() : json));
  }
}
