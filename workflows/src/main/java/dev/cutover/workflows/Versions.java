package dev.cutover.workflows;

import dev.cutover.engine.Engine;
import dev.cutover.plan.PlanReader;
import io.temporal.workflow.Workflow;

/**
 * The workflow's change ids ({@link Workflow#getVersion}) and what each one's version 1 means, and
 * the answers of those the workflow asks once and reads often. A cutover started before a change
 * keeps the old path for its whole life; the parts of the workflow ask each id at the point where
 * its path first differs, always in the same order, since getVersion yields to other handlers and
 * asking at another point would reorder the commands a replay expects.
 */
final class Versions {
  /**
   * Version 1 (after the first release): a new cutover records what it is and who started it as its
   * memo, so the Temporal UI shows it without a worker answering a query. Cutovers started before
   * keep the original path (no memo) for their whole life.
   */
  static final String MEMO_AT_START = "memo-at-start";

  /** Version 1: plans are read by {@link PlanReader.Rules#CURRENT} (stage actions declare undo). */
  static final String UNDO_REQUIRED = "undo-required";

  /**
   * Version 1 (issue 9): the input is checked before anything reads it (a new cutover's is exactly
   * {@code {plan, startedBy}}; state, plan rules and admission are honoured only on a run that
   * continue-as-new made from a cutover, verified with the service); the workflow id must be {@code
   * cutover-<plan name>}; new plans are read by {@link PlanReader.Rules#HARDENED} and admitted by
   * the worker before anything runs. Every failure is at once and non-retryable.
   */
  static final String CHECKED_INPUT = "checked-input";

  /** Version 1 (issue 9): signals are held to {@link SignalLimits} before the engine reads them. */
  static final String BOUNDED_SIGNALS = "bounded-signals";

  /**
   * Version 1 (issue 9): continue as new on history bytes too; once overdue, continue with
   * measurements and notifications in flight (a continued run asks again for the measurements its
   * state has in flight); and drain update handlers without the deadlock of an update arriving
   * during the drain.
   */
  static final String CONTINUE_AS_NEW_ON_SIZE = "continue-as-new-on-size";

  /**
   * Version 1 (issue 9): search attributes are upserted once per workflow task, not after every
   * event; and at most {@link Notifications#IN_FLIGHT_MAX} notifications are in flight, the rest
   * held and sent as one. A flood of accepted signals (pause, resume, pause...) otherwise adds two
   * or three events of ours for each signal.
   */
  static final String COALESCED_COMMANDS = "coalesced-commands";

  /**
   * Version 1 (issue 10): checks and effects go to the worker typed, as this workflow read them
   * from its plan ({@link PlanRequests}), through the activities {@code measureChecks} and {@code
   * applyEffect}; the worker no longer reads pieces of the plan again. Cutovers started before keep
   * sending the plan's fragments ({@link PlanFragments}) to {@code measure} and {@code apply}.
   */
  static final String TYPED_REQUESTS = "typed-requests";

  /**
   * Version 1 (issue 11): each check is measured with what it may use of its stage ({@link
   * dev.cutover.plan.CheckContext}: the stage's start and the check's stage baseline), which the
   * worker binds into SQL or formats into a query as numbers. Older cutovers measure without it
   * (their plans can use neither).
   */
  static final String STAGE_CONTEXT = "stage-context";

  /**
   * Version 1 (issue 12): the cutover sends its records to the ledger ({@link Ledger}: stage
   * changes, measurements as judged, decisions, effects, incidents, holds, notifications) through
   * the {@code RecordLedger} activity, never waiting for it except, bounded, before the run ends or
   * continues as new.
   */
  static final String LEDGER = "ledger";

  /**
   * Version 1 (issue 11): new cutovers read their plans by {@link PlanReader.Rules#RUNBOOK}
   * (observe stages declared, points of no return say what a breach after them does); cutovers
   * started before keep the rules they carry. Plans that use the fields this release added
   * (observe, onComplete, afterPointOfNoReturn, a watch rule's stages) could not be started before
   * it, so what the engine does with them needs no change id of its own.
   */
  static final String RUNBOOK_RULES = "runbook-rules";

  /**
   * Version 1 (issue 11, step outputs): new cutovers read their plans by {@link
   * PlanReader.Rules#OUTPUTS}, so a stage's http action may declare outputs; such an action goes to
   * the activity {@code ApplyEffectWithOutputs} and what it returns is kept in the state for its
   * undo and the stage's later actions. Cutovers started before keep the rules they carry, and
   * their plans (which could declare no outputs) never call that activity.
   */
  static final String STEP_OUTPUTS = "step-outputs";

  /**
   * Version 1 (issue 14): new cutovers read their plans by {@link PlanReader.Rules#STATISTICS}
   * (compare checks of continuous metrics, {@code defaults.alpha}); cutovers started before keep
   * the rules they carry. Plans that use those fields could not be started before, so what the
   * engine does with them needs no change id of its own.
   */
  static final String STATISTICS_RULES = "statistics-rules";

  /**
   * Version 1 (issue 15): the workflow waits for its next wake on one timer ({@link WakeTimer}),
   * and a measurement round's timer is set for the next slot of the rule being measured ({@link
   * Engine#nextWakeCountingInFlightAt}), so the same timer serves the round's end. Before, every
   * wait started a timer of its own and none was cancelled: each round (a timer fires, the
   * measurement comes back) started two.
   */
  static final String ONE_WAKE_TIMER = "one-wake-timer";

  private boolean oneWakeTimer;
  private boolean checkedInput;
  private boolean stepOutputs;
  private boolean statisticsRules;
  private boolean runbookRules;
  private boolean ledger;
  private boolean coalesced;
  private boolean typedRequests;

  /** Asked once each, when first needed (asking again would reorder commands). */
  private Integer boundedSignals;

  private Integer onSize;

  private Integer stageContext;

  /**
   * What {@code run} asks first, in this order: the later ones only on a cutover with checked
   * input.
   */
  void askAtStart() {
    checkedInput = takesChange(CHECKED_INPUT);
    coalesced = checkedInput && takesChange(COALESCED_COMMANDS);
    typedRequests = checkedInput && takesChange(TYPED_REQUESTS);
    runbookRules = checkedInput && takesChange(RUNBOOK_RULES);
    ledger = typedRequests && takesChange(LEDGER);
    stepOutputs = runbookRules && takesChange(STEP_OUTPUTS);
    statisticsRules = stepOutputs && takesChange(STATISTICS_RULES);
    oneWakeTimer = statisticsRules && takesChange(ONE_WAKE_TIMER);
  }

  boolean oneWakeTimer() {
    return oneWakeTimer;
  }

  /** {@link #RUNBOOK_RULES}, {@link #STEP_OUTPUTS}: the rules a new cutover reads its plan by. */
  PlanReader.Rules newPlanRules() {
    if (statisticsRules) {
      return PlanReader.Rules.STATISTICS;
    }
    return stepOutputs
        ? PlanReader.Rules.OUTPUTS
        : runbookRules ? PlanReader.Rules.RUNBOOK : PlanReader.Rules.HARDENED;
  }

  /**
   * Whether this cutover is at version 1 of {@code changeId}: asks, and records a marker on its
   * first run.
   */
  static boolean takesChange(String changeId) {
    return Workflow.getVersion(changeId, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  boolean checkedInput() {
    return checkedInput;
  }

  boolean coalesced() {
    return coalesced;
  }

  boolean typedRequests() {
    return typedRequests;
  }

  boolean ledger() {
    return ledger;
  }

  /** {@link #BOUNDED_SIGNALS}, asked when the first signal is read. */
  boolean boundedSignals() {
    boundedSignals = once(boundedSignals, BOUNDED_SIGNALS);
    return boundedSignals >= 1;
  }

  /** {@link #CONTINUE_AS_NEW_ON_SIZE}, asked when first needed. */
  boolean continueAsNewOnSize() {
    onSize = once(onSize, CONTINUE_AS_NEW_ON_SIZE);
    return onSize >= 1;
  }

  /** {@link #STAGE_CONTEXT}, asked when the first typed measurement starts. */
  boolean stageContext() {
    stageContext = once(stageContext, STAGE_CONTEXT);
    return stageContext >= 1;
  }

  /** The version {@code changeId} was {@code asked} already, or asks now. */
  private static int once(Integer asked, String changeId) {
    return asked != null ? asked : Workflow.getVersion(changeId, Workflow.DEFAULT_VERSION, 1);
  }
}
