package dev.cutover.workflows;

import dev.cutover.engine.CutoverState;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import org.slf4j.Logger;

/**
 * When a run continues as new, and with what. A cutover lasts weeks: a run continues as new before
 * its history grows past {@link #HISTORY_LIMIT} events (or, at {@link
 * Versions#CONTINUE_AS_NEW_ON_SIZE}, {@link #HISTORY_BYTES_LIMIT} bytes), at a quiet moment, and
 * the next run carries the plan, its starter, the whole state and the rules its plan is read by.
 */
final class ContinueAsNew {
  /**
   * Continue as new well before the project's bar of 2,000 events per run (docs/architecture.md).
   */
  static final int HISTORY_LIMIT = 1_500;

  /**
   * Continue as new once history holds this many bytes (Temporal warns at 10 MB and stops a run at
   * 50 MB).
   */
  static final long HISTORY_BYTES_LIMIT = 2L * 1024 * 1024;

  /**
   * Past these, continuing as new waits only for an effect in flight, not for measurements (the
   * continued run asks for them again) or notifications (best effort): under load or a flood of
   * signals, one of those is nearly always in flight.
   */
  static final int HISTORY_LIMIT_OVERDUE = HISTORY_LIMIT + 100;

  static final long HISTORY_BYTES_OVERDUE = HISTORY_BYTES_LIMIT + 1024 * 1024;
  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);

  private final Versions versions;
  private final WorkflowStart start;

  ContinueAsNew(Versions versions, WorkflowStart start) {
    this.versions = versions;
    this.start = start;
  }

  /** History is long enough (or large enough), or Temporal suggests it. */
  boolean due() {
    WorkflowInfo info = Workflow.getInfo();
    return info.getHistoryLength() > HISTORY_LIMIT
        || info.isContinueAsNewSuggested()
        || (versions.continueAsNewOnSize() && info.getHistorySize() > HISTORY_BYTES_LIMIT);
  }

  /**
   * Nothing in flight; or, once overdue, no effect in flight (its result is state, and an effect is
   * not asked twice). Measurements in flight are asked again by the continued run ({@link
   * InFlight#remeasure}); notifications are best effort. Under load a short watch always has one in
   * flight, and a flood of signals keeps notifications coming: neither may hold continue-as-new
   * back.
   */
  static boolean quietEnough(boolean nothingInFlight, boolean effectInFlight) {
    if (nothingInFlight) {
      return true;
    }
    return overdue() && !effectInFlight;
  }

  /** The history is well past the limit: continuing as new waits for nothing it can leave. */
  static boolean overdue() {
    WorkflowInfo info = Workflow.getInfo();
    return info.getHistoryLength() > HISTORY_LIMIT_OVERDUE
        || info.getHistorySize() > HISTORY_BYTES_OVERDUE;
  }

  /**
   * Continues as new in {@code state}; notifications still held back are dropped. Does not return.
   */
  void continueNow(CutoverState state, int heldNotifications) {
    if (heldNotifications > 0) {
      log.warn(
          "continuing as new with {} notifications held back by a flood; they are dropped",
          heldNotifications);
    }
    Workflow.continueAsNew(
        versions.checkedInput()
            ? CutoverInput.continued(
                start.planJson(),
                start.startedBy(),
                state,
                start.planRules(),
                start.signaturesRequired())
            : released(state));
  }

  /**
   * How cutovers started before {@link Versions#CONTINUE_AS_NEW_ON_SIZE} continue. Does not return.
   */
  void continueAsReleased(CutoverState state) {
    Workflow.continueAsNew(released(state));
  }

  private CutoverInput released(CutoverState state) {
    return new CutoverInput(start.planJson(), start.startedBy(), state, start.planRules());
  }
}
