package dev.cutover.plan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What rolling back means: traffic to {@code percent}, flags reverted (stages undone newest first),
 * {@code actions} in order, then wait for {@code drain}; afterwards {@code then} holds for retry or
 * ends the cutover. {@code budget} (null: none) is how long it may take before it pages.
 */
public record Rollback(
    int percent,
    Drain drain,
    Then then,
    List<Action> actions,
    AfterPointOfNoReturn afterPointOfNoReturn,
    Duration budget) {
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

  /**
   * What a breach (or an abort) does once an irreversible action has run, a point of no return:
   * {@code hold} (nothing is undone; the cutover holds and pages until resume), or {@code stage}
   * (back to that stage, which is at or after the point of no return, and hold there). Null when a
   * plan does not say (plans read by rules before {@code RUNBOOK}): everything is undone, as
   * before.
   */
  public record AfterPointOfNoReturn(String stage) {
    public static final AfterPointOfNoReturn HOLD = new AfterPointOfNoReturn(null);

    public boolean hold() {
      return stage == null;
    }

    @Override
    public String toString() {
      return stage == null ? "hold" : "stage " + stage;
    }
  }

  public Rollback {
    Objects.requireNonNull(then, "then");
    actions = List.copyOf(actions == null ? List.of() : actions);
  }

  /** A rollback that does not say what a breach after a point of no return does. */
  public Rollback(int percent, Drain drain, Then then, List<Action> actions) {
    this(percent, drain, then, actions, null, null);
  }

  public static Rollback defaults() {
    return new Rollback(0, null, Then.HOLD, List.of());
  }

  public Optional<AfterPointOfNoReturn> afterPointOfNoReturnValue() {
    return Optional.ofNullable(afterPointOfNoReturn);
  }

  public Optional<Drain> drainValue() {
    return Optional.ofNullable(drain);
  }
}
