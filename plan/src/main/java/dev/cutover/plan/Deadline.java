package dev.cutover.plan;

import java.time.Duration;
import java.util.Objects;

/**
 * A stage's hard limits, counted from its start: {@code applyWithin}, by which every change it
 * makes (percent, flags, actions) must be made (blue in maintenance at most 60 s), and {@code
 * completeWithin}, by which it must be complete (soak, checklist, approval, onComplete). Either may
 * be null, not both. When one passes, {@code then} runs: a rollback, or a hold; either pages.
 */
public record Deadline(Duration applyWithin, Duration completeWithin, Then then) {
  /** What happens when a limit passes. */
  public enum Then {
    /** Roll back, as a breach does (after a point of no return, as the plan says). */
    ROLLBACK,
    /** Hold the cutover and page; {@code resume} lets the stage go on. */
    HOLD
  }

  public Deadline {
    Objects.requireNonNull(then, "then");
    if (applyWithin == null && completeWithin == null) {
      throw new IllegalArgumentException("a deadline has applyWithin, completeWithin or both");
    }
  }
}
