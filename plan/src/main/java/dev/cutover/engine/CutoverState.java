package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Rule;
import java.util.List;
import java.util.Map;

/**
 * Everything a running cutover knows, as one plain record: the workflow carries it across
 * continue-as-new and the {@code status} query shows it. Times are epoch milliseconds of workflow
 * time. Built and changed only by {@link Engine}.
 *
 * @param at the time of the last event the engine processed
 * @param phase where the cutover is (never HELD or ROLLBACK_FAILED: see {@link #displayState})
 * @param stage index of the current stage; -1 before the first
 * @param pendingStage the stage waiting for its window, if any
 * @param percent the traffic percent last applied (null: never set by this cutover)
 * @param flags flag values last applied
 * @param entered stages applied (or being applied) since the last start, oldest first: what a
 *     rollback undoes, newest first
 * @param actionsDone the stage actions that ran ({@code "stage:index"}): the ones a rollback undoes
 * @param steps the effects being carried out, forward (APPLYING) or backward (ROLLING_BACK)
 * @param effect the effect in flight, if any; no other effect starts until it is done
 * @param soak the soak clock of the current stage
 * @param holds what keeps the cutover from promoting until an operator resumes
 * @param decisions the most recent decisions, newest last, with who and why
 * @param signaturesUsed the signed signals seen lately, each accepted once (null in states carried
 *     from before signed signals: none)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CutoverState(
    String plan, String startedBy, long startedAt, long at, int attempt, int rollbacks,
    State phase, long phaseSince,
    int stage, Integer pendingStage, Long waitUntil, Long stageStartedAt,
    Integer percent, Map<String, JsonNode> flags, List<Integer> entered, List<String> actionsDone,
    List<Step> steps, int stepIndex, int stepAttempt, long stepStartedAt, Long retryAt,
    String stepError, InFlightEffect effect, long seq,
    Soak soak, Long promoteAt, String promoteBy,
    Map<String, RuleState> rules,
    Approval approval, List<String> acknowledged, List<Hold> holds,
    RollbackInfo rollback, Long nextStatusAt,
    List<Incident> incidents, List<Decision> decisions, List<SignatureUse> signaturesUsed) {

  /** The state to show: the phase, or HELD / ROLLBACK_FAILED when that is what is happening. */
  public State displayState() {
    if (phase == State.ROLLING_BACK && stepError != null) {
      return State.ROLLBACK_FAILED;
    }
    if ((phase == State.APPLYING || phase == State.SOAKING || phase == State.AWAITING_APPROVAL
        || phase == State.WAITING_WINDOW) && (!holds.isEmpty() || blockingBreach())) {
      return State.HELD;
    }
    return phase;
  }

  /** A gate or watch rule is breached with a severity that holds the stage (all but low). */
  public boolean blockingBreach() {
    return rules.values().stream().anyMatch(RuleState::holdsStage);
  }

  /** The soak clock: passing time accumulated, and since when it has been running (null: stopped). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Soak(long accumulated, Long runningSince, boolean promoted) {}

  /** An effect being carried out; {@code orphaned} when a rollback began while it was in flight. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record InFlightEffect(long seq, Step step, boolean orphaned) {}

  @JsonIgnoreProperties(ignoreUnknown = true)

  public record Approval(String stage, String by, long at, String comment) {}

  /** Something keeping the cutover from promoting until {@code resume}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hold(Kind kind, String subject, String by, String reason, long since) {
    public enum Kind { PAUSED, INCONCLUSIVE, APPLY_FAILED, STAGE_ROLLED_BACK }
  }

  /** The latest rollback: why, who, scope, and how its steps went. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RollbackInfo(String reason, String by, long startedAt, Rule.Scope scope,
      int failures, String lastError, Long completedAt, String note) {}

  /** A breach, an inconclusive rule or a rollback, kept for the status and the ledger. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Incident(long at, String stage, String kind, String subject, String text) {}

  /**
   * A verified signature the engine has seen ({@link Signal.Signature#id}), kept while it could
   * still verify, so that a signed signal copied from history cannot be sent again.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SignatureUse(String id, long signedAt) {}

  /** A decision: an operator's signal (accepted or rejected, with why) or the engine's own move. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Decision(long at, String by, String action, boolean accepted, String text) {}
}
