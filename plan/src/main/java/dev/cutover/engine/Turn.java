package dev.cutover.engine;

import dev.cutover.engine.CutoverState.Applied;
import dev.cutover.engine.CutoverState.Decision;
import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.Incident;
import dev.cutover.engine.CutoverState.Journal;
import dev.cutover.engine.CutoverState.Position;
import dev.cutover.engine.CutoverState.Progress;
import dev.cutover.engine.CutoverState.RollbackInfo;
import dev.cutover.engine.CutoverState.Run;
import dev.cutover.engine.CutoverState.Soak;
import dev.cutover.engine.CutoverState.StepCursor;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One call's working copy of the state and the commands it produces. The engine's parts change it
 * in place; {@link #transition} freezes it back into a {@link CutoverState}. Never shared: each
 * call makes its own from the state it is given.
 */
final class Turn {
  final Plan plan;
  Run run;
  long at;

  /** The time of the last event before this one: a limit between it and now has just passed. */
  final long before;

  long seq;
  Position position;
  Applied applied;
  StepCursor cursor;
  Progress progress;
  final Map<String, RuleState> rules;
  final List<Hold> holds;
  RollbackInfo rollback;
  Journal journal;
  final List<CutoverState.Confirmation> confirmations;
  final List<Command> commands = new ArrayList<>();

  Turn(Plan plan, CutoverState s) {
    this.plan = plan;
    run = s.run();
    at = s.at();
    before = s.at();
    seq = s.seq();
    position = s.position();
    Applied a = s.applied();
    applied =
        a.actionsDone() != null && a.outputs() != null
            ? a
            : new Applied(
                a.percent(),
                a.flags(),
                a.entered(),
                a.actionsDone() != null ? a.actionsDone() : List.of(),
                a.outputs() != null ? a.outputs() : Map.of());
    cursor = s.cursor();
    progress = s.progress();
    rules = new LinkedHashMap<>(s.rules());
    holds = new ArrayList<>(s.holds());
    rollback = s.rollback();
    Journal j = s.journal();
    journal = j.signaturesUsed() != null ? j : j.withSignatures(List.of());
    confirmations = new ArrayList<>(s.confirmations() == null ? List.of() : s.confirmations());
  }

  CutoverState freeze() {
    return new CutoverState(
        run,
        at,
        seq,
        position,
        applied,
        cursor,
        progress,
        Collections.unmodifiableMap(new LinkedHashMap<>(rules)),
        List.copyOf(holds),
        rollback,
        journal,
        List.copyOf(confirmations));
  }

  Engine.Transition transition() {
    return new Engine.Transition(freeze(), commands);
  }

  State phase() {
    return position.phase();
  }

  void setPhase(State p, long now) {
    position = position.withPhase(p, now);
  }

  /** The current stage (there must be one). */
  Stage stage() {
    return plan.stages().get(position.stage());
  }

  boolean hasHold(Hold.Kind kind) {
    return holds.stream().anyMatch(h -> h.kind() == kind);
  }

  boolean blockingBreach() {
    return rules.values().stream().anyMatch(RuleState::holdsStage);
  }

  /** Held by an operator, a failure or a breach: nothing is promoted. */
  boolean held() {
    return !holds.isEmpty() || blockingBreach();
  }

  State displayState() {
    return CutoverState.display(position.phase(), cursor.error(), held());
  }

  void resetSoak() {
    progress = progress.withSoak(Soak.ZERO);
  }

  /** Holds the cutover (once per kind and subject), which restarts the soak. */
  void addHold(Hold.Kind kind, String subject, String by, String reason, long now) {
    for (Hold h : holds) {
      if (h.kind() == kind && h.subject().equals(subject)) {
        return;
      }
    }
    holds.add(new Hold(kind, subject, by, reason, now));
    resetSoak();
  }

  void decide(long now, String by, String action, boolean accepted, String text) {
    journal = journal.with(new Decision(now, by, action, accepted, text));
  }

  void incident(long now, String kind, String subject, String text) {
    journal =
        journal.with(
            new Incident(now, position.stage() >= 0 ? stage().name() : null, kind, subject, text));
  }

  void notify(Command.Notify.Level level, String text) {
    notify(Command.Notify.Kind.NOTE, null, level, text);
  }

  /** A message of {@code kind} about {@code subject} (a rule id, {@code rollback}, or null). */
  void notify(Command.Notify.Kind kind, String subject, Command.Notify.Level level, String text) {
    commands.add(new Command.Notify(level, "[" + plan.name() + "] " + text, kind, subject, null));
  }

  /** A status update carrying {@code report}. */
  void notifyStatus(String text, Command.Notify.Report report) {
    commands.add(
        new Command.Notify(
            Command.Notify.Level.INFO,
            "[" + plan.name() + "] " + text,
            Command.Notify.Kind.STATUS,
            null,
            report));
  }
}
