package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.InFlightEffect;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage baselines: before a stage changes anything (its {@code BASELINE} step, the first of its
 * steps), the checks its baselines are captured from are measured once, and each check judged
 * relative to its baseline ({@code pass: "<= 1.5 * baseline"}) keeps the value (at least its {@code
 * floor}) for the rest of the stage, in {@link CutoverState.Progress#baselines}. A capture that
 * yields no number holds the stage before its first effect; {@code resume} captures again.
 */
final class Baselines extends Part {
  /** The checks judged relative to their stage baseline, in plan order. */
  private final Set<String> judged;

  Baselines(Engine engine) {
    super(engine);
    this.judged = plan.baselineChecks();
  }

  /** Whether the plan's stages start with a capture. */
  boolean any() {
    return !judged.isEmpty();
  }

  /** The checks measured for the captures, each once, in plan order. */
  List<String> captureChecks() {
    List<String> out = new ArrayList<>();
    for (String name : judged) {
      String capture = plan.check(name).captureCheck();
      if (!out.contains(capture)) {
        out.add(capture);
      }
    }
    return out;
  }

  /** Measures the capture checks: the BASELINE step in flight until their readings come back. */
  void capture(Turn t, Step step) {
    t.seq++;
    t.cursor = t.cursor.dispatched(new InFlightEffect(t.seq, step, false));
    t.commands.add(new Command.Measure(t.seq, captureChecks()));
  }

  /** The readings of the capture in flight, if {@code m} answers it. */
  void onMeasured(Turn t, Event.Measured m, long now) {
    InFlightEffect inFlight = t.cursor.effect();
    if (inFlight == null
        || inFlight.seq() != m.seq()
        || inFlight.step().kind() != Step.Kind.BASELINE) {
      return;
    }
    t.cursor = t.cursor.withEffect(null);
    if (inFlight.orphaned()) {
      return; // a rollback began meanwhile: this stage's baseline is no longer needed
    }
    Map<String, Double> captured = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : judged) {
      Check check = plan.check(name);
      String from = check.captureCheck();
      Reading r =
          m.readings().stream()
              .filter(x -> x.check().equals(from))
              .findFirst()
              .orElse(Reading.error(from, "no reading returned for this check"));
      Double v = r.kind() == Reading.Kind.VALUE ? r.value() : null;
      if (v == null || !Double.isFinite(v)) {
        missing.add(
            name
                + " (from "
                + from
                + ": "
                + r.kind()
                + (r.reason().isEmpty() ? "" : " " + r.reason())
                + ")");
        continue;
      }
      double floor = check.baseline() == null ? 0 : check.baseline().floor();
      captured.put(name, Math.max(v, floor));
    }
    if (!missing.isEmpty()) {
      String text = "the stage baseline could not be captured for " + String.join(", ", missing);
      t.cursor = t.cursor.failed(text);
      t.addHold(Hold.Kind.APPLY_FAILED, t.stage().name(), ENGINE, text, now);
      t.notify(
          Command.Notify.Level.WARN,
          "stage "
              + t.stage().name()
              + " is held before it changes anything: "
              + text
              + "; resume to capture again, abort to roll back");
      return;
    }
    t.progress = t.progress.withBaselines(captured);
    List<String> shown = new ArrayList<>();
    captured.forEach((k, v) -> shown.add(k + " = " + Judge.format(v)));
    t.decide(now, ENGINE, "baseline", true, "stage baseline captured: " + String.join(", ", shown));
    t.cursor = t.cursor.next(now);
  }

  /**
   * {@code pass} against the stage baseline of {@code check}: itself when plain; null when it is
   * relative and no baseline has been captured in this stage.
   */
  static Comparison resolve(Comparison pass, String check, Turn t) {
    return resolve(pass, t.progress.baselines().get(check));
  }

  static Comparison resolve(Comparison pass, Double baseline) {
    if (pass == null || !pass.usesBaseline()) {
      return pass;
    }
    return baseline == null ? null : pass.against(baseline);
  }
}
