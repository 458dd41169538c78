package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Objects;

/**
 * What a source returned for one check, before judging: a value (possibly absent for an HTTP check
 * judged only by its expectations), no data, or an error. {@code unmet} lists the HTTP expectations
 * that did not hold. {@code reason} is short and never holds a secret.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Reading(
    String check,
    Kind kind,
    Double value,
    List<String> unmet,
    String reason,
    java.util.Map<String, Double> counts) {
  public enum Kind {
    VALUE,
    NO_DATA,
    ERROR
  }

  public Reading {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(kind, "kind");
    unmet = List.copyOf(unmet == null ? List.of() : unmet);
    reason = reason == null ? "" : reason;
    counts = counts == null ? java.util.Map.of() : java.util.Map.copyOf(counts);
  }

  /** The four counts of a compare check, keyed by {@link ProportionTest#COUNTS}. */
  public static Reading counts(String check, java.util.Map<String, Double> counts, String reason) {
    return new Reading(check, Kind.VALUE, null, List.of(), reason, counts);
  }

  public static Reading value(String check, Double value, String reason) {
    return new Reading(check, Kind.VALUE, value, List.of(), reason, null);
  }

  public static Reading expectations(
      String check, Double value, List<String> unmet, String reason) {
    return new Reading(check, Kind.VALUE, value, unmet, reason, null);
  }

  public static Reading noData(String check, String reason) {
    return new Reading(check, Kind.NO_DATA, null, List.of(), reason, null);
  }

  public static Reading error(String check, String reason) {
    return new Reading(check, Kind.ERROR, null, List.of(), reason, null);
  }
}
