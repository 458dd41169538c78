package dev.cutover.demo;

import java.util.Objects;

/**
 * One thing done to the demo target through its API, as recorded by {@link DemoTarget}.
 *
 * <p>Immutable, therefore thread safe.
 *
 * @param atMillis wall-clock time of recording, milliseconds since the epoch
 * @param kind {@code "flag"} for a flag write, {@code "action"} for an action call
 * @param name the flag or action name
 * @param value for a flag, the value as JSON text (for example {@code 25}, {@code true}, {@code
 *     "blue"}); for an action, the request body as received (may be empty)
 * @param idempotencyKey the request's {@code Idempotency-Key} header, or {@code null} when absent
 */
public record Change(long atMillis, String kind, String name, String value, String idempotencyKey) {

  /** {@link #kind()} of a flag write. */
  public static final String FLAG = "flag";

  /** {@link #kind()} of an action call. */
  public static final String ACTION = "action";

  public Change {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (!kind.equals(FLAG) && !kind.equals(ACTION)) {
      throw new IllegalArgumentException("kind must be \"flag\" or \"action\": " + kind);
    }
  }
}
