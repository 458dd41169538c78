package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a cutover. Entering it sets {@code percent} and/or {@code flags}, then runs {@code
 * actions}; it is done when its gates have passed for {@code soak} (measured every {@code every})
 * and, with {@code approval}, a person has approved. Undoing it sets {@code revert}, which defaults
 * to the inverse of {@code flags} (booleans negated).
 */
public record Stage(
    String name,
    Integer percent,
    Map<String, JsonNode> flags,
    Map<String, JsonNode> revert,
    Duration soak,
    Duration every,
    List<Rule> gates,
    boolean approval,
    List<Action> actions,
    Window window) {
  public Stage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(soak, "soak");
    Objects.requireNonNull(every, "every");
    // Order matters: flags are set, and reverted, in the order the plan writes them.
    flags =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(flags == null ? Map.of() : flags));
    revert =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(revert == null ? Map.of() : revert));
    gates = List.copyOf(gates == null ? List.of() : gates);
    actions = List.copyOf(actions == null ? List.of() : actions);
  }

  public Optional<Integer> percentValue() {
    return Optional.ofNullable(percent);
  }

  public Optional<Window> windowValue() {
    return Optional.ofNullable(window);
  }
}
