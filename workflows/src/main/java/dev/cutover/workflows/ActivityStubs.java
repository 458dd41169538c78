package dev.cutover.workflows;

import dev.cutover.plan.Action;
import dev.cutover.plan.Plan;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;

/**
 * The workflow's activity stubs, and how long and how often each kind of activity may run: what a
 * worker that dies mid-activity costs a cutover. Creating a stub records nothing in history.
 */
final class ActivityStubs {
  /**
   * How long an effect's worker may go without a heartbeat (it beats every 2 s while the effect
   * runs) before Temporal gives the effect to another worker.
   */
  static final Duration EFFECT_HEARTBEAT = Duration.ofSeconds(10);

  private final RetryOptions activityRetry;
  private final ActivityOptions effectOptions;
  private final CutoverActivities effects;
  private final ActivityOptions notificationOptions;
  private final CutoverActivities notifications;

  /**
   * A local activity: the keyring is on this worker, and the answer is needed before the signal is
   * judged.
   */
  private final CutoverActivities signatures;

  /** Call from the workflow's constructor (stubs are made inside the workflow). */
  ActivityStubs() {
    this.activityRetry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setBackoffCoefficient(2)
            .setMaximumAttempts(3)
            .setDoNotRetry(FailureTypes.NOT_RETRIED_BY_ACTIVITY.toArray(String[]::new))
            .build();
    // Each HTTP call of an effect is bounded by its own timeout; the worker beats every 2 s while
    // an effect runs, so one that dies mid-effect is noticed after EFFECT_HEARTBEAT and the effect
    // (idempotent) goes to another worker; the engine's own backoff takes over after five minutes.
    // Not compared on replay: running cutovers take it up at their next effect.
    this.effectOptions =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setHeartbeatTimeout(EFFECT_HEARTBEAT)
            .setScheduleToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(activityRetry)
            .build();
    this.effects = Workflow.newActivityStub(CutoverActivities.class, effectOptions);
    // The worker retries each channel that is down with backoff inside the activity (within a
    // minute) and never throws; the workflow never waits for a notification to decide anything.
    this.notificationOptions =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(75))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
            .build();
    this.notifications = Workflow.newActivityStub(CutoverActivities.class, notificationOptions);
    this.signatures =
        Workflow.newLocalActivityStub(
            CutoverActivities.class,
            LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(5))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
                .build());
  }

  /**
   * Checks run concurrently, each bounded by its own timeout, so a batch is bounded by the slowest
   * one plus a margin: a worker that dies mid-measurement delays that rule by seconds, not minutes.
   */
  CutoverActivities measure(Plan plan, List<String> checks) {
    return measure(plan, checks, null);
  }

  /** As {@link #measure(Plan, List)}, the activity summarised as {@code summary} in the UI. */
  CutoverActivities measure(Plan plan, List<String> checks, String summary) {
    Duration slowest = slowest(plan, checks);
    return Workflow.newActivityStub(
        CutoverActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(slowest.plusSeconds(10))
            .setRetryOptions(activityRetry)
            .setSummary(summary)
            .build());
  }

  private static Duration slowest(Plan plan, List<String> checks) {
    return checks.stream()
        .map(c -> plan.check(c).timeout())
        .max(Duration::compareTo)
        .orElse(Duration.ofSeconds(10));
  }

  /** A command runs as long as its own timeout allows; every other effect is a few HTTP calls. */
  CutoverActivities effect(Action action) {
    return effect(action, null);
  }

  /**
   * As {@link #effect(Action)}, the activity summarised as {@code summary} in the UI (a stub per
   * call: creating one records nothing).
   */
  CutoverActivities effect(Action action, String summary) {
    if (!(action instanceof Action.Command command)) {
      return summary == null
          ? effects
          : Workflow.newActivityStub(
              CutoverActivities.class,
              ActivityOptions.newBuilder(effectOptions).setSummary(summary).build());
    }
    Duration attempt = command.timeout().plusSeconds(30);
    return Workflow.newActivityStub(
        CutoverActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(attempt)
            .setHeartbeatTimeout(EFFECT_HEARTBEAT)
            .setScheduleToCloseTimeout(attempt.multipliedBy(3))
            .setRetryOptions(activityRetry)
            .setSummary(summary)
            .build());
  }

  CutoverActivities notifications() {
    return notifications;
  }

  /** The notifications stub, the activity summarised as {@code summary} in the UI. */
  CutoverActivities notifications(String summary) {
    return Workflow.newActivityStub(
        CutoverActivities.class,
        ActivityOptions.newBuilder(notificationOptions).setSummary(summary).build());
  }

  CutoverActivities signatures() {
    return signatures;
  }

  /** Admission: a worker that does not answer is asked again a few times, for up to two minutes. */
  CutoverActivities admission() {
    return Workflow.newActivityStub(
        CutoverActivities.class,
        ActivityOptions.newBuilder()
            .setSummary("admit the plan")
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setScheduleToCloseTimeout(Duration.ofMinutes(2))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setBackoffCoefficient(2)
                    .setMaximumAttempts(5)
                    .build())
            .build());
  }

  /**
   * The service is asked about a previous run until it answers; only a forbidden lookup is final.
   */
  RunLineage lineage() {
    return Workflow.newActivityStub(
        RunLineage.class,
        ActivityOptions.newBuilder()
            .setSummary("verify the previous run")
            .setStartToCloseTimeout(Duration.ofSeconds(15))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setBackoffCoefficient(2)
                    .setMaximumInterval(Duration.ofMinutes(1))
                    .setDoNotRetry(FailureTypes.LINEAGE_FORBIDDEN)
                    .build())
            .build());
  }
}
