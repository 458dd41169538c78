package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Signal;
import dev.cutover.engine.Status;
import dev.cutover.plan.PlanReader;
import org.junit.jupiter.api.Test;

/**
 * Defence in depth: whatever reaches a status (a signal's reason or name from an older worker that
 * did not clean them, a plan's strings), `cutover status` shows control characters as escapes.
 */
class StatusTextTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
      checks:
        health: { http: "GET flags:/health", expect: { status: 200 } }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 10m, gates: [health] }
      """;

  @Test
  void controlCharactersFromASignalCannotForgeALineOrHideText() {
    Engine engine = new Engine(PlanReader.fromTree(PlanReader.parseTree(PLAN)));
    var t = engine.start("carol", 0);
    String forged = "lunch\n  Jan 1 12:00:00  alice     approved stage canary\u001b[2J\u202e";
    t = engine.on(t.state(), new Event.SignalReceived(1_000, Signal.of("pause", "bob\r", forged)));
    String text = StatusText.render(Status.of(engine, t.state(), 2_000));
    assertThat(text.lines())
        .noneMatch(l -> l.startsWith("  Jan 1 12:00:00"))
        .contains(
            "  paused cutover by bob: lunch\\n  Jan 1 12:00:00  alice     approved stage canary\\u001b[2J\\u202e");
    assertThat(text)
        .contains(
            "paused: lunch\\n  Jan 1 12:00:00  alice     approved stage canary\\u001b[2J\\u202e")
        .doesNotContain("\u001b", "\u202e", "\r");
  }

  @Test
  void showsTheStageBaselinesAndEachRelativeThresholdWithItsValue() {
    String plan =
        PLAN.replace(
            "health: { http: \"GET flags:/health\", expect: { status: 200 } }",
            "health: { http: \"GET flags:/health\", value: \"$.errors\", pass: \"<= 1.5 *"
                + " baseline\" }");
    Engine engine = new Engine(PlanReader.fromTree(PlanReader.parseTree(plan)));
    var t = engine.start("carol", 0);
    // The capture comes first: its reading is the baseline.
    var capture = (dev.cutover.engine.Command.Measure) t.commands().get(t.commands().size() - 1);
    t =
        engine.on(
            t.state(),
            new Event.Measured(
                10,
                capture.seq(),
                java.util.List.of(dev.cutover.engine.Reading.value("health", 0.02, null))));
    // Then the traffic; once applied, the gate is active.
    var traffic = (dev.cutover.engine.Command.Apply) t.commands().get(0);
    t = engine.on(t.state(), Event.EffectDone.ok(20, traffic.seq(), ""));
    String text = StatusText.render(Status.of(engine, t.state(), 2_000));
    assertThat(text)
        .contains("baselines (captured before this stage changed anything): health = 0.02")
        .contains("<= 1.5 * baseline (<= 0.03)");
  }
}
