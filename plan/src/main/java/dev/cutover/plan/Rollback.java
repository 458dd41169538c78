package dev.cutover.plan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What rolling back means: traffic to {@code percent}, flags reverted (stages undone newest first),
 * {@code actions} in order, then wait for {@code drain}; afterwards {@code then} holds for retry or
 * ends the cutover.
 */
public record Rollback(int percent, Drain drain, Then then, List<Action> actions) {
  public enum Then {
    HOLD,
    END
  }

  /** Wait until {@code check} passes (measured every {@code every}), at most {@code timeout}. */
  public record Drain(String check, Duration timeout, Duration every) {
    public Drain {
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(every, "every");
    }
  }

  public Rollback {
    Objects.requireNonNull(then, "then");
    actions = List.copyOf(actions == null ? List.of() : actions);
  }

  public static Rollback defaults() {
    return new Rollback(0, null, Then.HOLD, List.of());
  }

  public Optional<Drain> drainValue() {
    return Optional.ofNullable(drain);
  }
}
