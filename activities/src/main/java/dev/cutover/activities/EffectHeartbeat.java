package dev.cutover.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells Temporal, every {@link #EVERY}, that the worker running an effect is alive. The workflow
 * gives effects a heartbeat timeout (a few of these intervals), so a worker that dies mid-effect is
 * noticed and the effect handed to another worker within seconds, instead of after the minute an
 * effect's attempt may take. The beat comes from a thread of its own: an effect blocks in HTTP
 * calls (each with its own timeout) or a command, and cannot beat itself. Outside an activity (a
 * test calling the activities directly) nothing beats.
 */
final class EffectHeartbeat implements AutoCloseable {
  /** How often a running effect beats; the workflow's heartbeat timeout is several of these. */
  static final Duration EVERY = Duration.ofSeconds(2);

  private static final ScheduledExecutorService BEATS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cutover-effect-heartbeat");
            t.setDaemon(true);
            return t;
          });

  private final ScheduledFuture<?> beating;

  private EffectHeartbeat(ScheduledFuture<?> beating) {
    this.beating = beating;
  }

  /** Starts beating for the activity running on this thread, if any. */
  static EffectHeartbeat start() {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (IllegalStateException notInAnActivity) {
      return new EffectHeartbeat(null);
    }
    Runnable beat =
        () -> {
          try {
            context.heartbeat(null);
          } catch (ActivityCompletionException | IllegalStateException e) {
            // Cancelled, timed out or completed: nobody listens any more, and the effect's own
            // timeouts end it.
          }
        };
    return new EffectHeartbeat(
        BEATS.scheduleAtFixedRate(beat, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public void close() {
    if (beating != null) {
      beating.cancel(false);
    }
  }
}
