package dev.cutover.simulate;

import dev.cutover.engine.Signal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a simulation is fed besides the plan: values per check over time, and the signals people
 * send. Read from a file by {@link ScriptReader}; times are relative to the simulated start or
 * absolute.
 *
 * @param values scripted values, in the order written (a later one at the same time wins)
 * @param signals scripted signals, in the order written
 */
public record Script(List<Point> values, List<Send> signals) {
  /** No values (every check passes) and no signals. */
  public static final Script EMPTY = new Script(List.of(), List.of());

  public Script {
    values = List.copyOf(values);
    signals = List.copyOf(signals);
  }

  /** This script followed by {@code other}'s values and signals. */
  public Script plus(Script other) {
    List<Point> v = new java.util.ArrayList<>(values);
    v.addAll(other.values);
    List<Send> s = new java.util.ArrayList<>(signals);
    s.addAll(other.signals);
    return new Script(v, s);
  }

  /** The earliest absolute time the script names, if it names one. */
  public java.util.Optional<Instant> earliestAbsolute() {
    return java.util.stream.Stream.concat(
            values.stream().map(Point::at), signals.stream().map(Send::at))
        .map(At::absolute)
        .filter(Objects::nonNull)
        .min(Instant::compareTo);
  }

  /**
   * A moment: {@code offsetMillis} after the simulated start, or {@code absolute}.
   *
   * @param text as written, for messages
   */
  public record At(long offsetMillis, Instant absolute, String text) {
    public static At offset(long millis, String text) {
      return new At(millis, null, text);
    }

    public static At instant(Instant at, String text) {
      return new At(0, Objects.requireNonNull(at, "at"), text);
    }

    /** Epoch milliseconds, given when the simulation started. */
    public long resolve(long startMillis) {
      return absolute != null ? absolute.toEpochMilli() : startMillis + offsetMillis;
    }
  }

  /** What a check reads from {@code at} until the next point of the same check. */
  public record Point(At at, String check, Value value, String where) {}

  /**
   * A scripted reading: a number, or what a source might say without one. {@code PASS} and {@code
   * FAIL} stand for a value that meets (or misses) the check's pass condition, or HTTP expectations
   * met (or not).
   */
  public record Value(Kind kind, double number) {
    public enum Kind {
      NUMBER,
      PASS,
      FAIL,
      NO_DATA,
      ERROR
    }

    public static final Value PASSING = new Value(Kind.PASS, Double.NaN);

    public static Value of(double number) {
      return new Value(Kind.NUMBER, number);
    }

    @Override
    public String toString() {
      return kind == Kind.NUMBER ? dev.cutover.engine.Judge.format(number) : kindWord(kind);
    }

    static String kindWord(Kind k) {
      return switch (k) {
        case NUMBER -> "number";
        case PASS -> "pass";
        case FAIL -> "fail";
        case NO_DATA -> "nodata";
        case ERROR -> "error";
      };
    }
  }

  /**
   * A signal someone sends at {@code at}. {@code signal.by} may be null: the simulated approver
   * sends it.
   */
  public record Send(At at, Signal signal, String where) {}
}
