package dev.cutover.simulate;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.State;
import dev.cutover.engine.Step;
import java.util.List;

/**
 * What a simulated cutover did.
 *
 * @param plan the plan's name
 * @param startedAt the simulated start (epoch ms)
 * @param endedAt when the simulation stopped (epoch ms of virtual time)
 * @param finalState the state it ended in ({@link State#COMPLETED} on the happy path)
 * @param ended why the simulation stopped, in words
 * @param timeline what happened, in order: state changes, decisions, effects, pages
 * @param omitted timeline entries left out past {@link Simulator#MAX_ENTRIES}
 * @param applied every effect carried out, in order (traffic, flags, actions, undos)
 * @param events events fed to the engine
 * @param state the engine's state at the end
 */
public record Simulation(
    String plan,
    long startedAt,
    long endedAt,
    State finalState,
    String ended,
    List<Entry> timeline,
    int omitted,
    List<Step> applied,
    long events,
    CutoverState state) {
  public Simulation {
    timeline = List.copyOf(timeline);
    applied = List.copyOf(applied);
  }

  /** The traffic percentages set, in order. */
  public List<Integer> trafficHistory() {
    return applied.stream().filter(s -> s.kind() == Step.Kind.TRAFFIC).map(Step::percent).toList();
  }

  /** Whether the cutover ended as the plan intends: COMPLETED. */
  public boolean completed() {
    return finalState == State.COMPLETED;
  }

  /**
   * One line of the timeline.
   *
   * @param at when (epoch ms of virtual time)
   * @param kind what sort of thing happened
   * @param by who did it: the engine ({@code cutover}), a person, or null
   * @param text what happened, in words
   */
  public record Entry(long at, Kind kind, String by, String text) {}

  /** The sorts of timeline lines. */
  public enum Kind {
    /** The cutover's shown state changed. */
    STATE,
    /** A decision the engine recorded: its own, or a signal accepted or rejected. */
    DECISION,
    /** A page or a warning sent to people. */
    NOTIFY,
    /** A signal someone sent (scripted, or the simulated approver). */
    SIGNAL
  }
}
