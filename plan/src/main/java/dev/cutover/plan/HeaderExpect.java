package dev.cutover.plan;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What an HTTP response must show in one header, written {@code present}, {@code absent}, {@code "=
 * value"} (some value of the header equals it, blanks around it ignored) or {@code "contains
 * value"} (some value of the header holds it). Header names are matched without regard to case.
 */
public record HeaderExpect(Kind kind, String value) {
  public enum Kind {
    PRESENT,
    ABSENT,
    EQUALS,
    CONTAINS
  }

  public HeaderExpect {
    Objects.requireNonNull(kind, "kind");
  }

  /** The expectation {@code text} says, or empty when it is none of the forms. */
  public static Optional<HeaderExpect> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.strip();
    if (t.equals("present")) {
      return Optional.of(new HeaderExpect(Kind.PRESENT, null));
    }
    if (t.equals("absent")) {
      return Optional.of(new HeaderExpect(Kind.ABSENT, null));
    }
    if (t.startsWith("=") && !t.substring(1).isBlank()) {
      return Optional.of(new HeaderExpect(Kind.EQUALS, t.substring(1).strip()));
    }
    if (t.startsWith("contains ") && !t.substring(9).isBlank()) {
      return Optional.of(new HeaderExpect(Kind.CONTAINS, t.substring(9).strip()));
    }
    return Optional.empty();
  }

  /** Whether a response whose header has {@code values} (empty: not sent) meets it. */
  public boolean test(List<String> values) {
    return switch (kind) {
      case PRESENT -> !values.isEmpty();
      case ABSENT -> values.isEmpty();
      case EQUALS -> values.stream().anyMatch(v -> v.strip().equals(value));
      case CONTAINS -> values.stream().anyMatch(v -> v.contains(value));
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PRESENT, ABSENT -> kind.name().toLowerCase(Locale.ROOT);
      case EQUALS -> "= " + value;
      case CONTAINS -> "contains " + value;
    };
  }
}
