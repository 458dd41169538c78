package dev.cutover.plan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A stage gate or a watch entry: when to measure a check, when its measurements amount to a breach,
 * and what a breach does. Defaults are filled in by the reader, so every field but the optional
 * ones ({@code forDuration}, {@code failures}, {@code pass}) is set.
 *
 * <p>Breach: with {@code for}, every conclusive measurement (PASS or FAIL) over the last {@code
 * for} failed; with {@code failures: M/N}, M of the last N conclusive ones failed; with neither,
 * the latest conclusive one failed. ERROR and NO_DATA count towards {@code errorLimit} only.
 *
 * <p>A watch rule with {@code stages} runs only while one of those stages is the current one.
 */
public record Rule(
    String check,
    Duration every,
    Duration forDuration,
    Failures failures,
    Severity severity,
    Duration escalateAfter,
    Duration grace,
    Scope rollback,
    Comparison pass,
    int errorLimit,
    OnInconclusive onInconclusive,
    List<String> stages) {

  public enum Severity {
    CRITICAL,
    HIGH,
    MEDIUM,
    LOW
  }

  /** What a rollback triggered by this rule undoes: everything, or only the current stage. */
  public enum Scope {
    ALL,
    STAGE
  }

  public enum OnInconclusive {
    HOLD,
    ROLLBACK
  }

  /** {@code M/N}: M failures among the last N conclusive measurements. */
  public record Failures(int failed, int of) {
    @Override
    public String toString() {
      return failed + "/" + of;
    }
  }

  public Rule {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(every, "every");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(escalateAfter, "escalateAfter");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(rollback, "rollback");
    Objects.requireNonNull(onInconclusive, "onInconclusive");
    stages = List.copyOf(stages == null ? List.of() : stages);
  }

  /** A rule for every stage. */
  public Rule(
      String check,
      Duration every,
      Duration forDuration,
      Failures failures,
      Severity severity,
      Duration escalateAfter,
      Duration grace,
      Scope rollback,
      Comparison pass,
      int errorLimit,
      OnInconclusive onInconclusive) {
    this(
        check,
        every,
        forDuration,
        failures,
        severity,
        escalateAfter,
        grace,
        rollback,
        pass,
        errorLimit,
        onInconclusive,
        List.of());
  }

  /** Whether this watch rule runs during stage {@code name}: it lists it, or lists none. */
  public boolean watches(String stageName) {
    return stages.isEmpty() || stages.contains(stageName);
  }

  public Optional<Comparison> passOverride() {
    return Optional.ofNullable(pass);
  }
}
