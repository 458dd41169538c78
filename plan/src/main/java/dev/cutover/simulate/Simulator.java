package dev.cutover.simulate;

import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Signal;
import dev.cutover.engine.State;
import dev.cutover.engine.Step;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanSummary;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a whole plan through the {@link Engine} (the step function the workflow runs) in virtual
 * time: every measurement is answered at once from a {@link Script} (or passes), every effect
 * succeeds, scripted signals arrive at their times, approvals are given when asked (unless only
 * scripted ones count), and time jumps to the engine's next wake-up. Pure: no I/O, no clock.
 *
 * <p>The simulation stops when the cutover ends (COMPLETED or ABANDONED); when only a person could
 * move it on and nothing more is scripted (rolled back waiting for retry, held until resume, an
 * approval not given); or at the horizon.
 *
 * <p>Extension points: what the simulated people answer is {@link People} (one method per kind of
 * request); how a scripted value becomes a reading is {@link Readings}; what the timeline shows of
 * a command is {@code Run.record}.
 */
public final class Simulator {
  /** Most timeline entries kept; the rest are counted in {@link Simulation#omitted}. */
  public static final int MAX_ENTRIES = 10_000;

  /**
   * Most events fed to the engine in one simulation: a backstop against a plan that never rests.
   */
  public static final long MAX_EVENTS = 20_000_000L;

  /**
   * How a simulation runs.
   *
   * @param startMillis the simulated start (epoch ms): windows are judged against it
   * @param startedBy who starts the cutover
   * @param autoApprove whether approvals are given as soon as asked (false: only scripted ones)
   * @param approver who gives them (null: the first of the plan's approvers who did not start it)
   * @param horizon how long to simulate at most, from the start (null: {@link #defaultHorizon})
   */
  public record Options(
      long startMillis, String startedBy, boolean autoApprove, String approver, Duration horizon) {
    public Options {
      Objects.requireNonNull(startedBy, "startedBy");
    }

    /** Starting at {@code startMillis}, started by "simulator", approvals given when asked. */
    public static Options at(long startMillis) {
      return new Options(startMillis, "simulator", true, null, null);
    }

    public Options withAutoApprove(boolean auto) {
      return new Options(startMillis, startedBy, auto, approver, horizon);
    }

    public Options withHorizon(Duration h) {
      return new Options(startMillis, startedBy, autoApprove, approver, h);
    }
  }

  private final Plan plan;
  private final Engine engine;

  public Simulator(Plan plan) {
    this.plan = plan;
    this.engine = new Engine(plan);
  }

  /**
   * The default horizon: twice the plan's soaks back to back plus 30 days, after the last scripted
   * moment.
   */
  public static Duration defaultHorizon(Plan plan, Script script, long startMillis) {
    long last = 0;
    for (Script.Point p : script.values()) {
      last = Math.max(last, p.at().resolve(startMillis) - startMillis);
    }
    for (Script.Send s : script.signals()) {
      last = Math.max(last, s.at().resolve(startMillis) - startMillis);
    }
    return Duration.ofMillis(last)
        .plus(PlanSummary.shortestDuration(plan).multipliedBy(2))
        .plusDays(30);
  }

  /** Simulates the plan against {@code script}. */
  public Simulation run(Script script, Options options) {
    return new Run(script, options).go();
  }

  /** One simulation's working state. */
  private final class Run {
    final Options options;
    final long start;
    final long horizonAt;
    final Readings readings;
    final People people;
    final String approver;
    final Deque<Script.Send> signals;
    final long lastScriptedAt;
    final List<Simulation.Entry> timeline = new ArrayList<>();
    final List<Step> applied = new ArrayList<>();
    int omitted;
    long events;
    long now;
    CutoverState state;
    CutoverState.Decision lastDecision;
    State shown;
    int signatures;

    Run(Script script, Options options) {
      this.options = options;
      this.start = options.startMillis();
      Duration horizon =
          options.horizon() != null ? options.horizon() : defaultHorizon(plan, script, start);
      this.horizonAt = start + horizon.toMillis();
      this.readings = new Readings(plan, script.values(), start);
      this.approver =
          options.approver() != null
              ? options.approver()
              : People.approverFor(plan, options.startedBy());
      Set<String> scriptedTasks = new HashSet<>();
      for (Script.Send s : script.signals()) {
        if (s.signal().task() != null) {
          scriptedTasks.add(s.signal().task());
        }
      }
      this.people = new People(plan, options.autoApprove(), approver, scriptedTasks);
      List<Script.Send> sorted = new ArrayList<>(script.signals());
      sorted.sort(Comparator.comparingLong(s -> s.at().resolve(start)));
      this.signals = new ArrayDeque<>(sorted);
      long last = start;
      for (Script.Point p : script.values()) {
        last = Math.max(last, p.at().resolve(start));
      }
      for (Script.Send s : sorted) {
        last = Math.max(last, s.at().resolve(start));
      }
      this.lastScriptedAt = last;
      this.now = start;
    }

    Simulation go() {
      handle(engine.start(options.startedBy(), now));
      String ended;
      while (true) {
        if (state.phase().terminal()) {
          ended = "the cutover ended " + state.phase();
          break;
        }
        Optional<Signal> answer = people.answer(state);
        if (answer.isPresent()) {
          send(answer.get(), "simulated");
          continue;
        }
        long wake = engine.nextWakeAt(state);
        long scripted = signals.isEmpty() ? Long.MAX_VALUE : signals.peek().at().resolve(start);
        long next = Math.min(wake, scripted);
        String waiting = waitsForAPerson();
        if (waiting != null
            && scripted == Long.MAX_VALUE
            && now >= lastScriptedAt
            && engine.nextDeadlineAt(state) == Long.MAX_VALUE) {
          ended = waiting + "; nothing more is scripted";
          break;
        }
        if (next == Long.MAX_VALUE) {
          ended = "nothing more comes due and nothing more is scripted";
          break;
        }
        if (next > horizonAt) {
          now = Math.max(now, horizonAt);
          ended =
              "the horizon was reached ("
                  + Durations.formatMillis(horizonAt - start)
                  + " after the start)";
          break;
        }
        if (events >= MAX_EVENTS) {
          ended = "stopped after " + events + " events";
          break;
        }
        now = Math.max(now, next);
        if (scripted <= wake) {
          Script.Send s = signals.poll();
          Signal sig =
              s.signal().by() != null
                  ? s.signal()
                  : withBy(s.signal(), approver != null ? approver : "operator");
          send(sig, s.where());
        } else {
          feed(new Event.Tick(now));
        }
      }
      return new Simulation(
          plan.name(),
          start,
          now,
          state.displayState(),
          ended,
          timeline,
          omitted,
          applied,
          events,
          state);
    }

    /** What only a person can resolve, when that is all the cutover waits for; else null. */
    private String waitsForAPerson() {
      if (state.phase() == State.ROLLED_BACK) {
        return "rolled back, waiting for retry or abandon";
      }
      if (!state.holds().isEmpty()) {
        return "held (" + state.holds().get(0).kind() + "), waiting for resume";
      }
      if (state.phase() == State.AWAITING_APPROVAL) {
        int i = state.pendingStage() != null ? state.pendingStage() : state.stage();
        String stage = i >= 0 && i < plan.stages().size() ? plan.stages().get(i).name() : "?";
        CutoverState.Approval given = state.progress().approval();
        if (given == null || !stage.equals(given.stage())) {
          return "waiting for the approval of stage " + stage;
        }
      }
      if (state.phase() == State.AWAITING_CHECKLIST) {
        int i = state.pendingStage() != null ? state.pendingStage() : state.stage();
        String stage = i >= 0 && i < plan.stages().size() ? plan.stages().get(i).name() : "?";
        return "waiting for the checklist of stage "
            + stage
            + (state.pendingStage() != null ? " before it starts" : " before it completes");
      }
      return null;
    }

    private void send(Signal signal, String where) {
      Signal s = signal;
      if (plan.approvals().signed() && s.promoting() && s.by() != null) {
        // Signatures are the worker's to verify; the simulation takes every one as valid.
        s = s.withSignature(Signal.Signature.verified(s.by(), "simulated-" + ++signatures, now));
      }
      entry(
          Simulation.Kind.SIGNAL,
          s.by(),
          s.name()
              + (s.stage() != null ? " stage " + s.stage() : "")
              + (s.check() != null ? " check " + s.check() : "")
              + (s.task() != null ? " task " + s.task() : "")
              + (s.reason() != null ? ": " + s.reason() : "")
              + " ("
              + where
              + ")");
      feed(new Event.SignalReceived(now, s));
    }

    private void feed(Event e) {
      events++;
      handle(engine.on(state, e));
    }

    /** Takes a transition and answers its commands at once, as the simulated world. */
    private void handle(Engine.Transition t) {
      observe(t.state());
      Deque<Command> todo = new ArrayDeque<>(t.commands());
      while (!todo.isEmpty()) {
        Command c = todo.poll();
        record(c);
        Event answer = null;
        if (c instanceof Command.Measure m) {
          List<Reading> rs = new ArrayList<>(m.checks().size());
          for (String check : m.checks()) {
            rs.add(readings.at(check, now));
          }
          answer = new Event.Measured(now, m.seq(), rs);
        } else if (c instanceof Command.Apply a) {
          answer = Event.EffectDone.ok(now, a.seq(), "simulated");
        }
        if (answer != null) {
          events++;
          Engine.Transition next = engine.on(state, answer);
          observe(next.state());
          todo.addAll(next.commands());
        }
      }
    }

    /**
     * Records what changed: new decisions, and the shown state. The last decision seen is found by
     * identity: the journal keeps the same objects, and an equal decision may follow it.
     */
    @SuppressWarnings("ReferenceEquality")
    private void observe(CutoverState next) {
      state = next;
      List<CutoverState.Decision> ds = next.decisions();
      int from = 0;
      if (lastDecision != null) {
        for (int i = ds.size() - 1; i >= 0; i--) {
          if (ds.get(i) == lastDecision) {
            from = i + 1;
            break;
          }
        }
      }
      for (int i = from; i < ds.size(); i++) {
        CutoverState.Decision d = ds.get(i);
        entry(
            Simulation.Kind.DECISION,
            d.by(),
            d.action() + (d.accepted() ? "" : " (rejected)") + ": " + d.text(),
            d.at());
      }
      if (!ds.isEmpty()) {
        lastDecision = ds.get(ds.size() - 1);
      }
      State s = next.displayState();
      if (s != shown) {
        shown = s;
        entry(Simulation.Kind.STATE, null, describe(next));
      }
    }

    private String describe(CutoverState s) {
      StringBuilder b = new StringBuilder(s.displayState().name());
      if (s.stage() >= 0 && s.stage() < plan.stages().size()) {
        b.append(" stage ").append(plan.stages().get(s.stage()).name());
      }
      if (s.percent() != null) {
        b.append(" at ").append(s.percent()).append('%');
      }
      return b.toString();
    }

    /**
     * What is kept of a command: the effects carried out, and the notifications that warn or page.
     */
    private void record(Command c) {
      if (c instanceof Command.Apply a) {
        applied.add(a.step());
      } else if (c instanceof Command.Notify n && n.level() != Command.Notify.Level.INFO) {
        entry(Simulation.Kind.NOTIFY, null, n.level() + ": " + n.text());
      }
    }

    private void entry(Simulation.Kind kind, String by, String text) {
      entry(kind, by, text, now);
    }

    private void entry(Simulation.Kind kind, String by, String text, long at) {
      if (timeline.size() < MAX_ENTRIES) {
        timeline.add(new Simulation.Entry(at, kind, by, text));
      } else {
        omitted++;
      }
    }
  }

  private static Signal withBy(Signal s, String by) {
    return new Signal(
        s.name(), by, s.reason(), s.stage(), s.check(), s.comment(), s.task(), s.signature());
  }
}
