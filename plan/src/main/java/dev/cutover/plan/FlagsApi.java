package dev.cutover.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * How one flag is set ({@code ${flag}} and {@code ${value}} in target or body) and, optionally,
 * read back ({@code get} with a JSON {@code value} path).
 */
public record FlagsApi(HttpCall set, HttpCall get, String valuePath) {
  public FlagsApi {
    Objects.requireNonNull(set, "set");
  }

  public Optional<HttpCall> readBack() {
    return Optional.ofNullable(get);
  }
}
