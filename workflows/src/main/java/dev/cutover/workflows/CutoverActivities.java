package dev.cutover.workflows;

import dev.cutover.engine.Reading;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The effects a cutover has on the world. Implementations resolve {@code ${env:NAME}} references
 * themselves, so no secret ever enters workflow history; nothing they return or throw holds one.
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>{@link #measureChecks}: measures the typed checks as given, never reading the plan again;
 *       never throws for a source that is down, slow or refuses the query; that is an ERROR reading
 *       with a short reason. Each check is bounded by its own timeout.
 *   <li>{@link #applyEffect}: carries out the typed step as given; idempotent: traffic and flags
 *       are set to absolute values and actions carry an {@code Idempotency-Key}. Fails with an
 *       {@code ApplicationFailure} whose type is one of {@link FailureTypes}; client errors (4xx,
 *       unmet expectations) are non-retryable.
 *   <li>{@link #notifyPeople}: best effort; routes the message to the plan's channels, retries a
 *       channel that is down with backoff for up to a minute, then logs it; never throws.
 * </ul>
 *
 * Implementations are thread-safe: one instance serves every cutover on a worker.
 *
 * <p>{@link #measure} and {@link #apply} take the plan's fragments as written and read them again
 * on the worker. They are kept, with their behaviour, for cutovers started before the workflow sent
 * typed requests ({@code Versions.TYPED_REQUESTS}) and for their activity tasks already scheduled
 * when a worker is upgraded; new cutovers never call them.
 */
@ActivityInterface
public interface CutoverActivities {
  /**
   * Measures each check once, in request order: one reading per check. Activity type {@code
   * MeasureChecks}.
   */
  @ActivityMethod
  List<Reading> measureChecks(MeasureChecksRequest request);

  /** Carries out one effect and says what was done. Activity type {@code ApplyEffect}. */
  @ActivityMethod
  String applyEffect(ApplyEffectRequest request);

  /**
   * As {@link #applyEffect}, for a stage's action that declares outputs: what was done, and the
   * values read from its answer, each bounded and never a secret. Activity type {@code
   * ApplyEffectWithOutputs}; only plans read by {@code Rules.OUTPUTS} have such actions. No
   * default: the SDK refuses to register an implementation that inherits an activity method.
   */
  @ActivityMethod
  EffectResult applyEffectWithOutputs(ApplyEffectRequest request);

  /**
   * Kept for compatibility (see the class comment): as {@link #measureChecks}, from the plan's
   * fragments.
   */
  @ActivityMethod
  List<Reading> measure(MeasureRequest request);

  /**
   * Kept for compatibility (see the class comment): as {@link #applyEffect}, from the plan's
   * fragments.
   */
  @ActivityMethod
  String apply(EffectRequest request);

  @ActivityMethod
  void notifyPeople(NotifyRequest request);

  /**
   * Holds a plan against the worker's configuration before its cutover starts. Never throws for a
   * plan it refuses: that is an {@link Admission} with the reasons.
   */
  @ActivityMethod
  Admission admit(AdmitRequest request);

  /**
   * Verifies a signed signal against the worker's approver keyring. Never throws for a bad
   * signature.
   */
  @ActivityMethod
  SignatureVerdict verifySignature(SignatureRequest request);
}
