package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A judged reading: its outcome, value, the time it was taken and a short reason. A sequential
 * compare check also gives the interval around its value ({@code low} to {@code high}: the
 * confidence sequence for the difference of the failure rates); other checks have none (null, and
 * left out of the JSON so that states written before it read and write back the same).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Measurement(
    long at,
    Outcome outcome,
    Double value,
    String reason,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double low,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double high) {
  public Measurement {
    Objects.requireNonNull(outcome, "outcome");
    reason = reason == null ? "" : reason;
  }

  /** A measurement without an interval. */
  public Measurement(long at, Outcome outcome, Double value, String reason) {
    this(at, outcome, value, reason, null, null);
  }
}
