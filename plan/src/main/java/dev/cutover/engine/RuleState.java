package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.cutover.plan.Rule;
import java.util.List;
import java.util.Objects;

/**
 * What the engine knows of one active rule: its recent measurements (oldest first, bounded), when
 * it is next due, whether a measurement is in flight ({@code inFlight} = that batch's seq), since
 * when it is breached, its run of ERROR/NO_DATA outcomes and whether it was declared inconclusive.
 * {@code id} is the rule's path in the plan, e.g. {@code stages[1].gates[0]} or {@code watch[2]}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RuleState(String id, Role role, int stage, int index, String check, Rule.Severity severity,
    List<Measurement> recent, long nextDueAt, Long inFlight, Long breachedSince, int errorStreak,
    boolean inconclusive, long since) {
  public enum Role { PREREQUISITE, GATE, WATCH, WAIT, DRAIN }

  public RuleState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(check, "check");
    recent = List.copyOf(recent);
  }

  /** Breached as a gate or watch whose severity holds the stage (anything but low). */
  public boolean holdsStage() {
    return breachedSince != null && (role == Role.GATE || role == Role.WATCH)
        && severity != Rule.Severity.LOW;
  }

  public Measurement latest() {
    return recent.isEmpty() ? null : recent.get(recent.size() - 1);
  }
}
