package dev.cutover.activities;

import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.Objects;

/**
 * Why an effect (or a secret it needed) failed: a failure type of {@link FailureTypes}, a message
 * naming the call as the plan wrote it, and whether trying again may help. Every helper throws this
 * one exception; {@link CutoverActivitiesImpl} turns it into Temporal's {@code ApplicationFailure}
 * once, at the activity boundary ({@link #toFailure}), redacting the message there. A measurement
 * turns it into an ERROR reading instead.
 *
 * <p>It never carries a cause: a cause's message could hold a resolved secret and would reach
 * history through the failure's chain.
 */
final class EffectException extends RuntimeException {
  private final String type;
  private final boolean retryable;

  EffectException(String type, String message, boolean retryable) {
    super(Objects.requireNonNull(message, "message"));
    this.type = Objects.requireNonNull(type, "type");
    this.retryable = retryable;
  }

  /**
   * The fragment, a secret reference, a host or a file cannot be used: a person must change the
   * plan or the worker.
   */
  static EffectException invalid(String message) {
    return new EffectException(FailureTypes.INVALID_REQUEST, message, false);
  }

  /** No answer, a timeout, a 5xx, 408 or 429, an interruption: worth trying again. */
  static EffectException unavailable(String message) {
    return new EffectException(FailureTypes.UNAVAILABLE, message, true);
  }

  /** The target refused the request itself (another 4xx, a redirect not followed, nginx -t). */
  static EffectException clientError(String message) {
    return new EffectException(FailureTypes.CLIENT_ERROR, message, false);
  }

  /** The answer did not meet the plan's {@code expect} (or a command's exit code). */
  static EffectException expectationFailed(String message) {
    return new EffectException(FailureTypes.EXPECTATION_FAILED, message, false);
  }

  /** The value read back differs from the value just set: retried, a few times. */
  static EffectException readBackMismatch(String message) {
    return new EffectException(FailureTypes.READ_BACK_MISMATCH, message, true);
  }

  String type() {
    return type;
  }

  boolean retryable() {
    return retryable;
  }

  /** A copy to throw on another thread (a second delivery waiting for the first's outcome). */
  EffectException copy() {
    return new EffectException(type, getMessage(), retryable);
  }

  /** Temporal's failure for this one, its message redacted of every secret handed out; no cause. */
  ApplicationFailure toFailure(Secrets secrets) {
    String message = secrets.redact(getMessage());
    return retryable
        ? ApplicationFailure.newFailure(message, type)
        : ApplicationFailure.newNonRetryableFailure(message, type);
  }
}
