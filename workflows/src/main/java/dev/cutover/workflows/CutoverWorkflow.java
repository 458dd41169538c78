package dev.cutover.workflows;

import dev.cutover.engine.Status;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A production cutover (docs/plan-format.md, "The workflow contract"). Workflow type {@code
 * CutoverWorkflow}, id {@code cutover-<plan name>}. Signals are durable even while no worker runs;
 * every signal's outcome (accepted, or rejected with why) shows in {@link #status}. {@link
 * #operate} does the same as a signal but answers at once, for the operator CLI.
 */
@WorkflowInterface
public interface CutoverWorkflow {
  /**
   * Runs the cutover to COMPLETED or ABANDONED. Fails at once, non-retryably, before any effect, on
   * an invalid input ({@link FailureTypes#INVALID_INPUT}: anything but {@code {plan, startedBy}}
   * for a new cutover, or a workflow id other than {@code cutover-<plan name>}), an invalid plan
   * ({@link FailureTypes#INVALID_PLAN}) or a plan the worker refuses ({@link
   * FailureTypes#PLAN_REFUSED}).
   */
  @WorkflowMethod
  Status run(CutoverInput input);

  @SignalMethod(
      description =
          "Approve the current stage: {\"by\":\"NAME\",\"stage\":\"STAGE\",\"comment\":\"...\"}. It acts once the soak is met; a breach voids it.")
  void approve(SignalPayload payload);

  @SignalMethod(description = "Full rollback now: {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void abort(SignalPayload payload);

  @SignalMethod(
      description =
          "Hold the cutover: nothing is promoted, the soak clock restarts; checks go on. {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void pause(SignalPayload payload);

  @SignalMethod(
      description =
          "Release every hold (a pause, an inconclusive rule, a failed step): {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void resume(SignalPayload payload);

  @SignalMethod(
      description =
          "End the soak now if every gate passes once more: {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void promote(SignalPayload payload);

  @SignalMethod(
      description =
          "A high-severity breach of CHECK counts as medium for the rest of the stage: {\"by\":\"NAME\",\"check\":\"CHECK\",\"reason\":\"...\"}.")
  void acknowledge(SignalPayload payload);

  @SignalMethod(description = "Start over after a rollback: {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void retry(SignalPayload payload);

  @SignalMethod(
      description = "End a rolled-back cutover ABANDONED: {\"by\":\"NAME\",\"reason\":\"...\"}.")
  void abandon(SignalPayload payload);

  /**
   * Confirms the checklist task {@code payload.task} (a person did it). Never an approval: a
   * confirm approves nothing, and an approval confirms no task.
   */
  @SignalMethod(
      description = "Confirm a checklist task a person did: {\"by\":\"NAME\",\"task\":\"TASK\"}.")
  void confirm(SignalPayload payload);

  /** Any of the signals above, answered with the decision it produced. */
  @UpdateMethod(
      description =
          "Any of the signals, answered with the decision it produced (used by the cutover CLI).")
  OperationResult operate(Operation operation);

  /**
   * Refuses, before it enters history, an operation that names no known signal or whose fields are
   * past {@link SignalLimits} (rather than cleaning them, as for a signal).
   */
  @UpdateValidatorMethod(updateName = "operate")
  void validateOperate(Operation operation);

  @QueryMethod(
      description =
          "The whole picture: stage, percent, soak left, every rule against its threshold.")
  Status status();
}
