package dev.cutover.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * How a stage's percent is applied ({@code set}, whose body or target uses {@code ${percent}}) and
 * read back ({@code get}, whose JSON {@code value} path must then equal the percent).
 */
public record Traffic(HttpCall set, HttpCall get, String valuePath) {
  public Traffic {
    Objects.requireNonNull(set, "set");
  }

  public Optional<HttpCall> readBack() {
    return Optional.ofNullable(get);
  }
}
