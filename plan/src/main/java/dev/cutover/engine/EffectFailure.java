package dev.cutover.engine;

import java.util.Arrays;

/**
 * The failure types an effect (a {@link Command.Apply}) fails with, named once for both sides: the
 * activities fail with these {@link #type}s, the workflow hands the type to the engine in {@link
 * Event.EffectDone}, and the engine decides from it whether a failed step holds the stage for a
 * person or is tried again with backoff ({@link #holds(String)}).
 */
public enum EffectFailure {
  /** The target answered 4xx (other than 408 and 429): the request itself is wrong. */
  CLIENT_ERROR("ClientError", true),
  /** The response did not meet the plan's {@code expect}. */
  EXPECTATION_FAILED("ExpectationFailed", true),
  /** The value read back differs from the value just set (retried a few times first). */
  READ_BACK_MISMATCH("ReadBackMismatch", true),
  /**
   * The plan fragment or a secret reference cannot be used (e.g. an unset environment variable).
   */
  INVALID_REQUEST("InvalidRequest", true),
  /** A timeout, a refused connection or a 5xx: worth trying again. */
  UNAVAILABLE("Unavailable", false);

  private final String type;
  private final boolean holds;

  EffectFailure(String type, boolean holds) {
    this.type = type;
    this.holds = holds;
  }

  /** The failure's type, as the activity's {@code ApplicationFailure} carries it. */
  public String type() {
    return type;
  }

  /** Whether retrying cannot fix it: applying a stage, it holds until someone resumes. */
  public boolean holds() {
    return holds;
  }

  /**
   * Whether a failure of {@code type} holds a stage being applied. Any other type, and a failure
   * that has none of these types (a timeout), is retried with backoff; during a rollback every
   * failure is retried.
   */
  public static boolean holds(String type) {
    return Arrays.stream(values()).anyMatch(f -> f.holds && f.type.equals(type));
  }
}
