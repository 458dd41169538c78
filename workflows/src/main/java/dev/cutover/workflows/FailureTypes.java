package dev.cutover.workflows;

import dev.cutover.engine.EffectFailure;
import java.util.List;

/**
 * The {@code ApplicationFailure} types activities fail with (named in {@link EffectFailure}, which
 * also says which of them hold a cutover rather than being retried), which of them the activity's
 * own retry policy leaves alone; and the types a cutover workflow itself fails with, all
 * non-retryable, before it changes anything.
 */
public final class FailureTypes {
  /** The target answered 4xx (other than 408 and 429): the request itself is wrong. */
  public static final String CLIENT_ERROR = EffectFailure.CLIENT_ERROR.type();

  /** The response did not meet the plan's {@code expect}. */
  public static final String EXPECTATION_FAILED = EffectFailure.EXPECTATION_FAILED.type();

  /** The value read back differs from the value just set (retried a few times first). */
  public static final String READ_BACK_MISMATCH = EffectFailure.READ_BACK_MISMATCH.type();

  /**
   * The plan fragment or a secret reference cannot be used (e.g. an unset environment variable).
   */
  public static final String INVALID_REQUEST = EffectFailure.INVALID_REQUEST.type();

  /** A timeout, a refused connection or a 5xx: worth trying again. */
  public static final String UNAVAILABLE = EffectFailure.UNAVAILABLE.type();

  /** Failure types the activity's own retry policy does not retry. */
  public static final List<String> NOT_RETRIED_BY_ACTIVITY =
      List.of(CLIENT_ERROR, EXPECTATION_FAILED, INVALID_REQUEST);

  /**
   * The workflow's input is not a new cutover's {@code {plan, startedBy}}, or its id is not {@code
   * cutover-<plan>}.
   */
  public static final String INVALID_INPUT = "InvalidInput";

  /** The plan does not read by the rules the cutover reads it by; every problem is listed. */
  public static final String INVALID_PLAN = "InvalidPlan";

  /**
   * The worker's configuration refuses the plan (secrets, hosts, commands it does not allow); every
   * refusal is listed.
   */
  public static final String PLAN_REFUSED = "PlanRefused";

  /** The worker did not answer the admission check, after retries; nothing was changed. */
  public static final String ADMISSION_UNAVAILABLE = "AdmissionUnavailable";

  /**
   * The service will not describe a continued run's predecessor: retrying with the same role cannot
   * help.
   */
  public static final String LINEAGE_FORBIDDEN = "LineageForbidden";

  private FailureTypes() {}
}
