package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Objects;

/** A judged reading: its outcome, value, the time it was taken and a short reason. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Measurement(long at, Outcome outcome, Double value, String reason) {
  public Measurement {
    Objects.requireNonNull(outcome, "outcome");
    reason = reason == null ? "" : reason;
  }
}
