package dev.cutover.simulate;

import static dev.cutover.simulate.ExampleRuns.T0;
import static dev.cutover.simulate.ExampleRuns.effects;
import static dev.cutover.simulate.ExampleRuns.happy;
import static dev.cutover.simulate.ExampleRuns.length;
import static dev.cutover.simulate.ExampleRuns.scripted;
import static dev.cutover.simulate.ExampleRuns.stageStarts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.runbook.Runbook;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * examples/blue-green.yaml against its runbook, "PHASE-7C: Production Cutover": one switch to green
 * around the final sync, the non-negotiable triggers and the data-integrity trigger, and no traffic
 * back to blue once blue has stopped receiving the writes.
 */
class BlueGreenExampleTest {
  static Plan plan() throws IOException {
    return ExampleRuns.plan("blue-green.yaml");
  }

  @Test
  void completesWithTheCutoverDayStepsInOrderAndTwentyFourHoursOfMonitoring() throws IOException {
    Simulation s = happy(plan());

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(s))
        .containsExactly(
            Map.entry("go-no-go", Duration.ZERO),
            Map.entry("final-sync", Duration.ZERO),
            Map.entry("full", Duration.ZERO));
    assertThat(length(s)).isEqualTo(Duration.ofHours(24)); // "the first 24 hours"
    assertThat(s.trafficHistory()).containsExactly(0, 100);
    assertThat(effects(s))
        .containsExactly(
            "%0",
            "%100", // nginx to green before maintenance ends: no write lands on blue
            "ACTION final-sync/actions/0", // 1. maintenance on (old site)
            "ACTION final-sync/actions/1", // 2. final data sync (irreversible)
            // 3. validate final sync: a wait the engine measures
            "ACTION final-sync/actions/3", // 5. maintenance off (new site)
            "ACTION final-sync/actions/4", //    ... and the old site's
            "ACTION final-sync/actions/5", // 6. smoke tests
            "ACTION full/actions/0", // post-cutover checks through the public hostname
            "ACTION full/actions/1",
            "ACTION full/actions/2");
    assertThat(ExampleRuns.texts(s, Simulation.Kind.SIGNAL))
        .containsExactly("approve stage final-sync (simulated)"); // the go/no-go sign-off
  }

  @Test
  void aDataIntegrityIssueBeforeTheFinalSyncRollsEverythingBackToBlue() throws IOException {
    Plan plan = plan();
    Simulation s =
        new Simulator(plan)
            .run(
                ScriptReader.read(plan, "script.csv", "+5m,data_integrity_issues,3\n"),
                Simulator.Options.at(T0).withAutoApprove(false));

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(length(s)).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.trafficHistory()).containsExactly(0, 0);
    assertThat(effects(s)).noneMatch(e -> e.contains("final-sync/actions/1"));
  }

  @Test
  void afterTheFinalSyncNoTriggerSendsTrafficBackOntoTheStaleBlue() throws IOException {
    for (String breach :
        new String[] {
          "+1h,error_rate,0.2", // > 5% for 5 minutes
          "+1h,data_integrity_issues,3",
          "+1h,checkout_failure_rate,0.05",
        }) {
      Simulation s = scripted(plan(), breach + "\n");

      assertThat(s.finalState()).as(breach).isEqualTo(State.HELD);
      assertThat(s.state().holds())
          .as(breach)
          .extracting(Hold::kind)
          .containsExactly(Hold.Kind.POINT_OF_NO_RETURN);
      assertThat(s.trafficHistory()).as(breach).containsExactly(0, 100);
      assertThat(effects(s)).as(breach).noneMatch(e -> e.startsWith("UNDO_ACTION"));
      assertThat(ExampleRuns.texts(s, Simulation.Kind.NOTIFY))
          .as(breach)
          .anyMatch(t -> t.startsWith("PAGE: "));
    }
  }

  @Test
  void itsRunbookShowsTheTriggersTheCutoverDayAndThePointOfNoReturn() throws IOException {
    String md = Runbook.markdown(plan());

    assertThat(md)
        .contains("| 1 | go-no-go | 0% of traffic |")
        .contains("| 2 | final-sync | 100% of traffic, 6 actions |")
        .contains(
            "- **error_rate** must stay `<= 0.05`, measured every 1m; breached when failing for 5m")
        .contains("- **latency_p95** must stay `<= 2`")
        .contains("- **checkout_failure_rate** must stay `<= 0.01`")
        .contains("- **payment_errors** must stay `== 0`")
        .contains("- **data_integrity_issues** must stay `== 0`")
        .contains("/opt/cutover/bin/final-sync")
        .contains("## Points of no return");
  }
}
