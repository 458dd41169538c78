package dev.cutover.engine;

import java.util.List;

/** What the workflow feeds into the engine. Every event carries the workflow time it happened at. */
public sealed interface Event permits Event.Tick, Event.Measured, Event.EffectDone, Event.SignalReceived {
  long at();

  /** Time passed (a timer fired); the engine looks at what has come due. */
  record Tick(long at) implements Event {}

  /** The readings of a {@link Command.Measure}, matched to it by {@code seq}. */
  record Measured(long at, long seq, List<Reading> readings) implements Event {
    public Measured {
      readings = List.copyOf(readings);
    }
  }

  /**
   * The result of a {@link Command.Apply}. {@code retryable} failures (timeouts, 5xx, refused
   * connections) are tried again with backoff; others hold the cutover (or, during a rollback, are
   * retried all the same).
   */
  record EffectDone(long at, long seq, boolean ok, boolean retryable, String detail) implements Event {}

  /** An operator's signal. */
  record SignalReceived(long at, Signal signal) implements Event {}
}
