package dev.cutover.bench;

import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Signal;
import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The pure engine driven in virtual time, the way the workflow drives it but with no Temporal at
 * all: every measurement answered at once with a passing reading, every effect done, each stage
 * approved (by alice) as soon as it awaits an approval, time jumping to {@link Engine#nextWakeAt}.
 */
final class SimulateBench {
  static final long T0 = 1_700_000_000_000L;

  /** What one simulated cutover did. */
  record Outcome(
      String state,
      double wallMillis,
      long virtualMillis,
      int events,
      int measureCommands,
      int checksMeasured,
      int effects,
      int approvals) {}

  static Outcome run(Plan plan) {
    long t0 = System.nanoTime();
    Engine engine = new Engine(plan);
    Engine.Transition t = engine.start("carol", T0);
    CutoverState state = t.state();
    Deque<Command> todo = new ArrayDeque<>(t.commands());
    long now = T0;
    int events = 0;
    int measures = 0;
    int checks = 0;
    int effects = 0;
    int approvals = 0;
    String lastApproved = null;
    while (!state.phase().terminal()) {
      while (!todo.isEmpty()) {
        Command c = todo.poll();
        Event e = null;
        if (c instanceof Command.Measure m) {
          measures++;
          checks += m.checks().size();
          List<Reading> readings = m.checks().stream().map(Plans::passing).toList();
          e = new Event.Measured(now, m.seq(), readings);
        } else if (c instanceof Command.Apply a) {
          effects++;
          e = Event.EffectDone.ok(now, a.seq(), "ok");
        }
        if (e != null) {
          events++;
          Engine.Transition next = engine.on(state, e);
          state = next.state();
          todo.addAll(next.commands());
        }
      }
      if (state.phase().terminal()) {
        break;
      }
      if (state.phase() == State.AWAITING_APPROVAL) {
        String stage =
            plan.stages()
                .get(state.pendingStage() != null ? state.pendingStage() : state.stage())
                .name();
        String key = stage + "@" + state.attempt() + "@" + state.stage();
        if (!key.equals(lastApproved)) {
          lastApproved = key;
          approvals++;
          events++;
          Engine.Transition next =
              engine.on(state, new Event.SignalReceived(now, Signal.approve(stage, "alice", null)));
          state = next.state();
          todo.addAll(next.commands());
          continue;
        }
      }
      long wake = engine.nextWakeAt(state);
      if (wake == Long.MAX_VALUE) {
        throw new IllegalStateException(
            "the simulated cutover is stuck in "
                + state.displayState()
                + " with nothing due ("
                + (now - T0) / 3_600_000
                + " h in)");
      }
      now = wake;
      events++;
      Engine.Transition next = engine.on(state, new Event.Tick(now));
      state = next.state();
      todo.addAll(next.commands());
    }
    return new Outcome(
        state.displayState().name(),
        (System.nanoTime() - t0) / 1e6,
        now - T0,
        events,
        measures,
        checks,
        effects,
        approvals);
  }

  static void seed001(Report report, Path repo) {
    String section = EventsBench.SECTION;
    try {
      Plan plan = PlanReader.read(Plans.seed001(repo));
      run(plan); // warm-up: class loading and JIT, so the figure is the engine's own time
      Outcome o = run(plan);
      Bench.progress(
          "simulate seed-001: %s, %.0f ms wall, %d measure commands, %.1f virtual days",
          o.state(), o.wallMillis(), o.measureCommands(), o.virtualMillis() / 86_400_000.0);
      report.info(
          section,
          "seed-001 plan, pure engine in virtual time (no Temporal): wall time",
          "ms",
          Stats.of(o.wallMillis()),
          o.state()
              + " after "
              + String.format(java.util.Locale.ROOT, "%.1f", o.virtualMillis() / 86_400_000.0)
              + " virtual days; "
              + o.events()
              + " events fed, "
              + o.measureCommands()
              + " measure commands ("
              + o.checksMeasured()
              + " checks measured), "
              + o.effects()
              + " effects, "
              + o.approvals()
              + " approvals; second of two runs (the first warms the JVM)");
      report.info(
          section,
          "seed-001 plan, pure engine: measure commands",
          "",
          Stats.of((double) o.measureCommands()),
          null);
      report.detail("seed001Engine", o);
    } catch (RuntimeException e) {
      report.notMeasured(section, "seed-001 plan, pure engine in virtual time", "—", e.toString());
    }
  }
}
