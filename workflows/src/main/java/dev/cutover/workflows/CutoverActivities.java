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
 * <ul>
 *   <li>{@link #measure}: never throws for a source that is down, slow or refuses the query; that
 *       is an ERROR reading with a short reason. Each check is bounded by its own timeout.
 *   <li>{@link #apply}: idempotent: traffic and flags are set to absolute values and actions carry
 *       an {@code Idempotency-Key}. Fails with an {@code ApplicationFailure} whose type is one of
 *       {@link FailureTypes}; client errors (4xx, unmet expectations) are non-retryable.
 *   <li>{@link #notifyPeople}: best effort; a webhook that is down is logged, not retried for long.
 * </ul>
 * Implementations are thread-safe: one instance serves every cutover on a worker.
 */
@ActivityInterface
public interface CutoverActivities {
  @ActivityMethod
  List<Reading> measure(MeasureRequest request);

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

  /** Verifies a signed signal against the worker's approver keyring. Never throws for a bad signature. */
  @ActivityMethod
  SignatureVerdict verifySignature(SignatureRequest request);
}
