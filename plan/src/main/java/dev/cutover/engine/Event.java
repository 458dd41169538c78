package dev.cutover.engine;

import java.util.List;
import java.util.Map;

/**
 * What the workflow feeds into the engine. Every event carries the workflow time it happened at.
 */
public sealed interface Event
    permits Event.Tick, Event.Measured, Event.EffectDone, Event.SignalReceived {
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
   * The result of a {@link Command.Apply}: done ({@code failureType} null), or failed with the
   * activity's failure type and a short {@code detail}. The engine decides what a failure means
   * ({@link EffectFailure#holds}): a hold for a person, or another try with backoff.
   */
  record EffectDone(
      long at, long seq, String failureType, String detail, Map<String, String> outputs)
      implements Event {
    public EffectDone {
      outputs =
          outputs == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
    }

    /** Without outputs. */
    public EffectDone(long at, long seq, String failureType, String detail) {
      this(at, seq, failureType, detail, Map.of());
    }

    /** The effect was carried out. */
    public static EffectDone ok(long at, long seq, String detail) {
      return new EffectDone(at, seq, null, detail);
    }

    /**
     * The effect was carried out, and its action returned {@code outputs} (name to value, each
     * checked by the worker: {@link dev.cutover.plan.Output#problem}).
     */
    public static EffectDone ok(long at, long seq, String detail, Map<String, String> outputs) {
      return new EffectDone(at, seq, null, detail, outputs);
    }

    /**
     * The effect failed with {@code failureType} (never null: an untyped failure has a name too).
     */
    public static EffectDone failed(long at, long seq, String failureType, String detail) {
      return new EffectDone(
          at, seq, java.util.Objects.requireNonNull(failureType, "failureType"), detail);
    }

    public boolean ok() {
      return failureType == null;
    }
  }

  /** An operator's signal. */
  record SignalReceived(long at, Signal signal) implements Event {}
}
