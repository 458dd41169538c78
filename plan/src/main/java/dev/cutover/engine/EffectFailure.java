package dev.cutover.engine;

import java.util.List;

/**
 * The failure types an effect (a {@link Command.Apply}) fails with, named once for both sides: the
 * activities fail with them, the workflow hands them to the engine in {@link Event.EffectDone}, and
 * the engine decides from them whether a failed step holds the cutover for a person or is tried
 * again with backoff ({@link #holds}).
 */
public final class EffectFailure {
  /** The target answered 4xx (other than 408 and 429): the request itself is wrong. */
  public static final String CLIENT_ERROR = "ClientError";
  /** The response did not meet the plan's {@code expect}. */
  public static final String EXPECTATION_FAILED = "ExpectationFailed";
  /** The value read back differs from the value just set (retried a few times first). */
  public static final String READ_BACK_MISMATCH = "ReadBackMismatch";
  /** The plan fragment or a secret reference cannot be used (e.g. an unset environment variable). */
  public static final String INVALID_REQUEST = "InvalidRequest";
  /** A timeout, a refused connection or a 5xx: worth trying again. */
  public static final String UNAVAILABLE = "Unavailable";

  /**
   * The failures retrying cannot fix: while applying a stage they hold it until someone resumes.
   * Any other type (and a failure that is not typed, such as a timeout) is retried with backoff.
   * During a rollback every failure is retried.
   */
  public static final List<String> HOLDING = List.of(CLIENT_ERROR, EXPECTATION_FAILED, INVALID_REQUEST, READ_BACK_MISMATCH);

  private EffectFailure() {}

  /** Whether a failure of {@code type} holds a stage being applied rather than being retried. */
  public static boolean holds(String type) {
    return type != null && HOLDING.contains(type);
  }
}
