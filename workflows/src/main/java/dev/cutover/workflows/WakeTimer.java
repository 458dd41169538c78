package dev.cutover.workflows;

import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The timer the workflow waits on for its next wake, for a cutover at version 1 of {@link
 * Versions#ONE_WAKE_TIMER}: one timer serves every wait for the same wake, so a measurement that
 * comes back meanwhile does not start a second one (before, each measurement round started two). A
 * timer whose wake moved is left to fire, a wake-up that changes nothing: cancelling it could race
 * its firing, which the service refuses.
 */
final class WakeTimer {
  private Promise<Void> timer;
  private long wakeAt;

  /**
   * Waits until {@code wake} ({@code wait} ms from now) or until {@code condition} holds; true if
   * the condition came first. {@code summary} names a new timer in the UI.
   */
  boolean await(long wake, long wait, Supplier<String> summary, Supplier<Boolean> condition) {
    if (timer == null || timer.isCompleted() || wakeAt != wake) {
      timer =
          Workflow.newTimer(
              Duration.ofMillis(wait), TimerOptions.newBuilder().setSummary(summary.get()).build());
      wakeAt = wake;
    }
    Promise<Void> waitingOn = timer;
    Workflow.await(() -> waitingOn.isCompleted() || condition.get());
    return !waitingOn.isCompleted();
  }
}
