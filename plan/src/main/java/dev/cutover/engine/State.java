package dev.cutover.engine;

/**
 * The states of docs/plan-format.md, "The workflow contract". The engine's phase is never {@code
 * HELD} or {@code ROLLBACK_FAILED}; those are shown when a phase is blocked by a hold or a failing
 * rollback step.
 */
public enum State {
  CHECKING_PREREQUISITES,
  APPLYING,
  SOAKING,
  WAITING_WINDOW,
  AWAITING_APPROVAL,
  /** Waiting for checklist tasks to be confirmed: before a stage starts, or before it completes. */
  AWAITING_CHECKLIST,
  HELD,
  ROLLING_BACK,
  ROLLBACK_FAILED,
  ROLLED_BACK,
  COMPLETED,
  ABANDONED;

  /** The workflow has ended in this state. */
  public boolean terminal() {
    return this == COMPLETED || this == ABANDONED;
  }

  /** A stage is in progress: checks run, approvals and pauses apply. */
  public boolean active() {
    return this == CHECKING_PREREQUISITES
        || this == APPLYING
        || this == SOAKING
        || this == WAITING_WINDOW
        || this == AWAITING_APPROVAL
        || this == AWAITING_CHECKLIST;
  }
}
