package dev.cutover.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Asks the Temporal service what the run a continued cutover came from was. A run that
 * continue-as-new made is the only one whose input may carry a cutover's state, but "made by
 * continue-as-new" is not something a run can see for itself: a workflow retry, a cron schedule, or
 * another workflow type (on another task queue) continuing as new into {@code CutoverWorkflow} all
 * make runs with a previous run and whatever input their starter chose. Only a run whose previous
 * run was a {@code CutoverWorkflow} on the same task queue that ended by continuing as new was made
 * by this workflow's own code.
 */
@ActivityInterface(namePrefix = "Lineage")
public interface RunLineage {
  @ActivityMethod
  PreviousRun describe(PreviousRunRequest request);

  /** The run {@code runId} of {@code workflowId}. */
  record PreviousRunRequest(String workflowId, String runId) {}

  /**
   * What the service says about it: its workflow type, task queue and status (e.g. {@code
   * CONTINUED_AS_NEW}); all three null-free, {@code status} {@code NOT_FOUND} when the service no
   * longer has the run (past the namespace's retention).
   */
  record PreviousRun(String workflowType, String taskQueue, String status) {
    public static final String CONTINUED_AS_NEW = "CONTINUED_AS_NEW";
    public static final String NOT_FOUND = "NOT_FOUND";

    boolean continuedAsNewFrom(String workflowType, String taskQueue) {
      return CONTINUED_AS_NEW.equals(status)
          && workflowType.equals(this.workflowType)
          && taskQueue.equals(this.taskQueue);
    }
  }
}
