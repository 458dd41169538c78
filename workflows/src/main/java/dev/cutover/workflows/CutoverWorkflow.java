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

  @SignalMethod
  void approve(SignalPayload payload);

  @SignalMethod
  void abort(SignalPayload payload);

  @SignalMethod
  void pause(SignalPayload payload);

  @SignalMethod
  void resume(SignalPayload payload);

  @SignalMethod
  void promote(SignalPayload payload);

  @SignalMethod
  void acknowledge(SignalPayload payload);

  @SignalMethod
  void retry(SignalPayload payload);

  @SignalMethod
  void abandon(SignalPayload payload);

  /**
   * Confirms the checklist task {@code payload.task} (a person did it). Never an approval: a
   * confirm approves nothing, and an approval confirms no task.
   */
  @SignalMethod
  void confirm(SignalPayload payload);

  /** Any of the signals above, answered with the decision it produced. */
  @UpdateMethod
  OperationResult operate(Operation operation);

  /**
   * Refuses, before it enters history, an operation that names no known signal or whose fields are
   * past {@link SignalLimits} (rather than cleaning them, as for a signal).
   */
  @UpdateValidatorMethod(updateName = "operate")
  void validateOperate(Operation operation);

  @QueryMethod
  Status status();
}
