package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Judge;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.State;
import dev.cutover.engine.Step;
import dev.cutover.plan.Check;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.MeasureRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The pure engine driven in real time, the way the workflow drives it but without Temporal: its
 * measurements go through the real activities (and so the real sources); its effects succeed at
 * once (they are not what these tests are about) and are recorded. Every phase it passes through,
 * every judged measurement and every notification is kept for the test to assert on.
 *
 * <p>Not thread-safe: one test drives one instance.
 */
final class RealTimeCutover {
  /** A judged measurement of a rule. */
  record Judged(String rule, Measurement measurement) {}

  private final Engine engine;
  private final JsonNode planJson;
  private final Plan plan;
  private final CutoverActivitiesImpl activities;
  private CutoverState state;
  final List<State> phases = new ArrayList<>();
  final List<Judged> judged = new ArrayList<>();
  final List<Step> applied = new ArrayList<>();
  final List<Command.Notify> notified = new ArrayList<>();

  RealTimeCutover(String planYaml, CutoverActivitiesImpl activities) {
    this.planJson = PlanReader.parseTree(planYaml);
    this.plan = PlanReader.fromTree(planJson);
    this.engine = new Engine(plan);
    this.activities = activities;
  }

  CutoverState state() {
    return state;
  }

  /** Every judged measurement of {@code ruleId}, oldest first. */
  List<Measurement> of(String ruleId) {
    return judged.stream().filter(j -> j.rule().equals(ruleId)).map(Judged::measurement).toList();
  }

  void start(String by) {
    carryOut(engine.start(by, now()));
  }

  /**
   * Sleeps until the engine's next wake-up and feeds it a tick, again and again, until {@code done}
   * holds (true) or {@code max} has passed (false).
   */
  boolean runUntil(Predicate<RealTimeCutover> done, Duration max) {
    long deadline = now() + max.toMillis();
    while (!done.test(this)) {
      long now = now();
      if (now >= deadline) {
        return false;
      }
      long wake = Math.min(engine.nextWakeAt(state), deadline);
      sleep(Math.max(0, wake - now));
      carryOut(engine.on(state, new Event.Tick(now())));
    }
    return true;
  }

  /** Runs for {@code time} whatever happens. */
  void runFor(Duration time) {
    runUntil(c -> false, time);
  }

  /**
   * Carries out the commands in order, feeding each result to the latest state, as the workflow
   * does.
   */
  private void carryOut(Engine.Transition first) {
    adopt(first.state());
    Deque<Command> commands = new ArrayDeque<>(first.commands());
    while (!commands.isEmpty()) {
      Command c = commands.poll();
      Engine.Transition next = null;
      if (c instanceof Command.Measure m) {
        List<Reading> readings = activities.measure(request(m.checks()));
        Map<String, RuleState> before = new LinkedHashMap<>(state.rules());
        long at = now();
        next = engine.on(state, new Event.Measured(at, m.seq(), readings));
        adopt(next.state());
        for (RuleState r : before.values()) {
          if (r.inFlight() == null || r.inFlight() != m.seq()) {
            continue;
          }
          RuleState after = state.rules().get(r.id());
          Measurement latest = after == null ? null : after.latest();
          if (latest == null || latest.at() != at) {
            // The measurement ended the rule's life (a breach began a rollback, which resets the
            // rules): judge the reading as the engine did, for the record.
            Reading reading =
                readings.stream()
                    .filter(x -> x.check().equals(r.check()))
                    .findFirst()
                    .orElseThrow();
            latest =
                plan.check(r.check()).source() instanceof Check.Compare cmp
                    ? ProportionTest.judge(cmp, reading, at)
                    : Judge.judge(reading, plan.check(r.check()).passCondition().orElse(null), at);
          }
          judged.add(new Judged(r.id(), latest));
        }
      } else if (c instanceof Command.Apply a) {
        applied.add(a.step());
        next = engine.on(state, Event.EffectDone.ok(now(), a.seq(), "applied by the test"));
        adopt(next.state());
      } else if (c instanceof Command.Notify n) {
        notified.add(n);
      }
      if (next != null) {
        commands.addAll(next.commands());
      }
    }
  }

  private void adopt(CutoverState s) {
    state = s;
    if (phases.isEmpty() || phases.get(phases.size() - 1) != s.phase()) {
      phases.add(s.phase());
    }
  }

  private MeasureRequest request(List<String> checks) {
    return new MeasureRequest(
        "cutover-" + plan.name(),
        checks.stream()
            .map(
                name -> {
                  Map<String, JsonNode> connections = new LinkedHashMap<>();
                  plan.check(name)
                      .source()
                      .connection()
                      .ifPresent(c -> connections.put(c, planJson.path("connections").path(c)));
                  return new MeasureRequest.CheckSpec(
                      name, planJson.path("checks").path(name), connections);
                })
            .toList());
  }

  static long now() {
    return System.currentTimeMillis();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
