package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cutover.plan.Rule;
import dev.cutover.stats.Evidence;
import java.util.List;
import java.util.Objects;

/**
 * What the engine knows of one active rule: its recent measurements (oldest first, bounded), when
 * it is next due, whether a measurement is in flight ({@code inFlight} = that batch's seq), since
 * when it is breached, its run of ERROR/NO_DATA outcomes and whether it was declared inconclusive.
 * {@code id} is the rule's path in the plan, e.g. {@code stages[1].gates[0]} or {@code watch[2]}.
 * {@code evidence} is what a sequential compare check has gathered since the rule began (null for
 * every other check, and left out of the JSON then, so that states from before it write back the
 * same).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RuleState(
    String id,
    Role role,
    int stage,
    int index,
    String check,
    Rule.Severity severity,
    List<Measurement> recent,
    long nextDueAt,
    Long inFlight,
    Long breachedSince,
    int errorStreak,
    boolean inconclusive,
    long since,
    @JsonInclude(JsonInclude.Include.NON_NULL) Evidence evidence) {
  public enum Role {
    PREREQUISITE,
    GATE,
    WATCH,
    WAIT,
    DRAIN
  }

  public RuleState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(check, "check");
    recent = List.copyOf(recent);
  }

  /** Breached as a gate or watch whose severity holds the stage (anything but low). */
  public boolean holdsStage() {
    return breachedSince != null
        && (role == Role.GATE || role == Role.WATCH)
        && severity != Rule.Severity.LOW;
  }

  public Measurement latest() {
    return recent.isEmpty() ? null : recent.get(recent.size() - 1);
  }

  /** A rule just activated: due at once, nothing measured yet. */
  static RuleState fresh(
      String id, Role role, int stage, int index, String check, Rule.Severity severity, long now) {
    return new RuleState(
        id, role, stage, index, check, severity, List.of(), now, null, null, 0, false, now, null);
  }

  RuleState withDue(long due) {
    return with(recent, due, inFlight, breachedSince, errorStreak, inconclusive);
  }

  /** Being measured in batch {@code seq}; due next at {@code next}. */
  RuleState measuring(long seq, long next) {
    return with(recent, next, seq, breachedSince, errorStreak, inconclusive);
  }

  /**
   * The measurement in flight came back: {@code recent} now, and the error streak {@code streak}.
   */
  RuleState measured(List<Measurement> recentNow, int streak) {
    return with(recentNow, nextDueAt, null, breachedSince, streak, inconclusive);
  }

  /** With what a sequential compare check has gathered now. */
  RuleState withEvidence(Evidence now) {
    return new RuleState(
        id,
        role,
        stage,
        index,
        check,
        severity,
        recent,
        nextDueAt,
        inFlight,
        breachedSince,
        errorStreak,
        inconclusive,
        since,
        now);
  }

  /** Breached since {@code at}; null: not breached. */
  RuleState withBreach(Long at) {
    return with(recent, nextDueAt, inFlight, at, errorStreak, inconclusive);
  }

  RuleState declaredInconclusive() {
    return with(recent, nextDueAt, inFlight, breachedSince, errorStreak, true);
  }

  /**
   * Released from inconclusive by a resume: measured again at {@code now} unless a measurement is
   * in flight.
   */
  RuleState resumed(long now) {
    return with(recent, inFlight == null ? now : nextDueAt, inFlight, breachedSince, 0, false);
  }

  /**
   * The same rule (its id, role, place, check, severity and since) with what changes as it is
   * measured.
   */
  private RuleState with(
      List<Measurement> recentNow,
      long due,
      Long batch,
      Long breached,
      int streak,
      boolean latched) {
    return new RuleState(
        id, role, stage, index, check, severity, recentNow, due, batch, breached, streak, latched,
        since, evidence);
  }
}
