package dev.cutover.engine;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Drives the engine in virtual time, the way the workflow does: sources answer measurements at once
 * from scripted readings, effects succeed unless told to fail, and time jumps to the engine's next
 * wake-up. A hand-written fake of the world, not a mock.
 */
final class Harness {
  static final long T0 = 1_700_000_000_000L; // a Tuesday, 22:13 UTC
  final Engine engine;
  CutoverState state;
  long now = T0;
  final Map<String, LongFunction<Reading>> sources = new HashMap<>();
  final List<Step> applied = new ArrayList<>();
  final List<Command.Notify> notes = new ArrayList<>();
  final Deque<Boolean> effectOutcomes = new ArrayDeque<>();

  /** The failure type failing effects fail with: by default one that is retried with backoff. */
  String failureType = EffectFailure.UNAVAILABLE.type();

  String failDetail = "HTTP 503";
  boolean holdEffects;
  final List<Command.Apply> pendingEffects = new ArrayList<>();
  int measurements;

  Harness(String yaml) {
    this(PlanReader.read(yaml));
  }

  Harness(Plan plan) {
    this(plan, Engine.Options.DEFAULT);
  }

  Harness(Plan plan, Engine.Options options) {
    this.engine = new Engine(plan, options);
  }

  static Harness of(String yaml) {
    return new Harness(yaml);
  }

  Harness start(String by) {
    handle(engine.start(by, now));
    return this;
  }

  Harness start() {
    return start("carol");
  }

  /** Every measurement of {@code check} reads {@code value} from now on. */
  Harness value(String check, double value) {
    sources.put(check, t -> Reading.value(check, value, null));
    return this;
  }

  Harness noData(String check) {
    sources.put(check, t -> Reading.noData(check, "no rows"));
    return this;
  }

  Harness error(String check) {
    sources.put(check, t -> Reading.error(check, "connection refused"));
    return this;
  }

  Harness expectations(String check, String... unmet) {
    sources.put(check, t -> Reading.expectations(check, null, List.of(unmet), "HTTP 200"));
    return this;
  }

  /** The next effects succeed (true) or fail (false), in order; afterwards they succeed. */
  Harness effects(Boolean... outcomes) {
    effectOutcomes.addAll(List.of(outcomes));
    return this;
  }

  void signal(Signal s) {
    handle(engine.on(state, new Event.SignalReceived(now, s)));
  }

  void approve(String stage, String by) {
    signal(Signal.approve(stage, by, null));
  }

  /** Processes every wake-up up to and including {@code now + d}. */
  Harness advance(Duration d) {
    long until = now + d.toMillis();
    for (int guard = 0; guard < 1_000_000; guard++) {
      long next = engine.nextWakeAt(state);
      if (next > until) {
        break;
      }
      now = Math.max(now, next);
      handle(engine.on(state, new Event.Tick(now)));
    }
    now = until;
    return this;
  }

  /** Advances until the cutover shows {@code s}, at most {@code limit}; fails otherwise. */
  Harness until(State s, Duration limit) {
    long until = now + limit.toMillis();
    while (state.displayState() != s) {
      long next = engine.nextWakeAt(state);
      if (next > until) {
        throw new AssertionError(
            "still "
                + state.displayState()
                + " after "
                + limit
                + ", wanted "
                + s
                + "; decisions: "
                + state.decisions());
      }
      now = Math.max(now, next);
      handle(engine.on(state, new Event.Tick(now)));
    }
    return this;
  }

  /** Answers effects held back by {@link #holdEffects}. */
  void releaseEffects(boolean ok) {
    List<Command.Apply> held = new ArrayList<>(pendingEffects);
    pendingEffects.clear();
    for (Command.Apply a : held) {
      if (ok) {
        applied.add(a.step());
      }
      handle(
          engine.on(
              state,
              ok
                  ? Event.EffectDone.ok(now, a.seq(), "")
                  : Event.EffectDone.failed(
                      now, a.seq(), EffectFailure.UNAVAILABLE.type(), failDetail)));
    }
  }

  private void handle(Engine.Transition t) {
    state = t.state();
    Deque<Command> queue = new ArrayDeque<>(t.commands());
    while (!queue.isEmpty()) {
      Command c = queue.poll();
      Engine.Transition next = null;
      if (c instanceof Command.Notify n) {
        notes.add(n);
      } else if (c instanceof Command.Measure m) {
        measurements++;
        List<Reading> readings = new ArrayList<>();
        for (String check : m.checks()) {
          LongFunction<Reading> source = sources.get(check);
          readings.add(
              source == null ? Reading.error(check, "no source scripted") : source.apply(now));
        }
        next = engine.on(state, new Event.Measured(now, m.seq(), readings));
      } else if (c instanceof Command.Apply a) {
        if (holdEffects) {
          pendingEffects.add(a);
          continue;
        }
        boolean ok = effectOutcomes.isEmpty() || effectOutcomes.poll();
        if (ok) {
          applied.add(a.step());
        }
        next =
            engine.on(
                state,
                ok
                    ? Event.EffectDone.ok(now, a.seq(), "")
                    : Event.EffectDone.failed(now, a.seq(), failureType, failDetail));
      }
      if (next != null) {
        state = next.state();
        queue.addAll(next.commands());
      }
    }
  }

  List<Integer> trafficHistory() {
    List<Integer> out = new ArrayList<>();
    for (Step s : applied) {
      if (s.kind() == Step.Kind.TRAFFIC) {
        out.add(s.percent());
      }
    }
    return out;
  }

  CutoverState.Decision lastDecision() {
    return state.decisions().get(state.decisions().size() - 1);
  }

  RuleState rule(String id) {
    return state.rules().get(id);
  }

  boolean notified(String fragment) {
    return notes.stream().anyMatch(n -> n.text().contains(fragment));
  }
}
