package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One effect of applying or undoing a stage, in the order it runs. {@code TRAFFIC} sets {@code
 * percent}; {@code FLAGS} sets each of {@code flags}; {@code ACTION} and {@code ROLLBACK_ACTION}
 * run the action at {@code index} of the stage (or of the rollback), {@code UNDO_ACTION} the undo
 * of a stage's action, each with idempotency key {@code key}; {@code WAIT} and {@code DRAIN} wait
 * for a check to pass and are carried out by the engine through measurements; {@code BASELINE}, the
 * first step of a stage whose plan judges checks relative to their stage baseline, measures the
 * checks those baselines are captured from, before the stage changes anything.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Step(
    Kind kind, int stage, int index, Integer percent, Map<String, JsonNode> flags, String key) {
  public enum Kind {
    TRAFFIC,
    FLAGS,
    ACTION,
    UNDO_ACTION,
    ROLLBACK_ACTION,
    WAIT,
    DRAIN,
    BASELINE
  }

  public Step {
    Objects.requireNonNull(kind, "kind");
    flags =
        flags == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(flags));
  }

  /** Whether the worker carries it out (the others are waits the engine runs itself). */
  public boolean carriedOutByWorker() {
    return kind != Kind.WAIT && kind != Kind.DRAIN && kind != Kind.BASELINE;
  }
}
