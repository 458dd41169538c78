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
            "ACTION full/actions/0", // 6. smoke tests, after the maintenance window
            "ACTION full/actions/1", // post-cutover checks through the public hostname
            "ACTION full/actions/2",
            "ACTION full/actions/3");
    assertThat(ExampleRuns.texts(s, Simulation.Kind.SIGNAL))
        .containsExactly(
            // the pre-cutover checklist's people items, in the runbook's order
            "confirm task all-tests-passing (simulated)",
            "confirm task benchmarks-met (simulated)",
            "confirm task team-notified (simulated)",
            "confirm task rollback-plan-documented (simulated)",
            "confirm task alerts-fire-correctly (simulated)",
            "confirm task runbooks-reviewed (simulated)",
            "confirm task staging-dry-run (simulated)",
            "approve stage final-sync (simulated)"); // the go/no-go sign-off
  }

  @Test
  void theFinalSyncWaitsForALateChecklistItemAndNeverStartsWithoutIt() throws IOException {
    Simulation late =
        scripted(plan(), "+2h,signal:confirm,task=staging-dry-run;by=dave;comment=dry run done\n");

    assertThat(late.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(late))
        .containsExactly(
            Map.entry("go-no-go", Duration.ZERO),
            Map.entry("final-sync", Duration.ofHours(2)),
            Map.entry("full", Duration.ofHours(2)));
    assertThat(length(late)).isEqualTo(Duration.ofHours(26));
    assertThat(ExampleRuns.texts(late, Simulation.Kind.SIGNAL))
        .contains("confirm task staging-dry-run (script.csv:1)");

    Plan plan = plan();
    Simulation never =
        new Simulator(plan)
            .run(
                ScriptReader.read(
                    plan, "script.csv", "+0,signal:approve,stage=final-sync;by=dave\n"),
                Simulator.Options.at(T0).withAutoApprove(false));
    assertThat(never.finalState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(never.trafficHistory()).containsExactly(0);
    assertThat(effects(never)).containsExactly("%0");
    assertThat(ExampleRuns.texts(never, Simulation.Kind.DECISION))
        .anyMatch(t -> t.contains("(rejected)"));
  }

  @Test
  void aMaintenanceWindowPastSixtySecondsHoldsAtGreenAndPages() throws IOException {
    // The final sync's validation never passes: its wait fails the step, blue stays in
    // maintenance, and at 60 s the deadline acts. The sync has run, so it holds at green.
    Simulation s = scripted(plan(), "+0,final_sync_validated,fail\n");

    assertThat(s.finalState()).isEqualTo(State.HELD);
    assertThat(s.trafficHistory()).containsExactly(0, 100);
    assertThat(effects(s)).noneMatch(e -> e.startsWith("UNDO_ACTION"));
    assertThat(s.state().holds())
        .extracting(Hold::kind)
        .containsExactly(Hold.Kind.APPLY_FAILED, Hold.Kind.POINT_OF_NO_RETURN);
    assertThat(ExampleRuns.texts(s, Simulation.Kind.NOTIFY))
        .contains(
            "PAGE: [blue-green] Past the point of no return (stages[1].actions[1] ran): nothing is"
                + " undone; holding at stage final-sync (fix forward, then resume): deadline:"
                + " stage final-sync started 1m ago and its changes were not all made"
                + " (deadline.applyWithin)");
    assertThat(length(s)).isEqualTo(Duration.ofSeconds(60));
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
        .contains("| 2 | final-sync | 100% of traffic, 5 actions |")
        .contains(
            "- **error_rate** must stay `<= 0.05`, measured every 1m; breached when failing for 5m")
        .contains("- **latency_p95** must stay `<= 2`")
        .contains("- **checkout_failure_rate** must stay `<= 0.01`")
        .contains("- **payment_errors** must stay `== 0`")
        .contains("- **data_integrity_issues** must stay `== 0`")
        .contains("/opt/cutover/bin/final-sync")
        .contains("## Points of no return")
        .contains(
            "- Checklist before it starts (the stage waits until each is confirmed):\n"
                + "  - [ ] All tests passing (`cutover confirm blue-green all-tests-passing`)\n"
                + "  - [ ] Performance benchmarks met (`cutover confirm blue-green benchmarks-met`)\n")
        .contains(
            "- **Deadline**: its changes made within 1m of its start; past that, it rolls back"
                + " and pages.")
        .contains("(within 2m; past that it pages, `rollback_overdue`, and goes on)")
        .contains(
            "## Notifications\n\n"
                + "- Channel `slack`: Slack (`${env:SLACK_WEBHOOK}`).\n"
                + "- Channel `pagerduty`: PagerDuty (`${env:PD_ROUTING_KEY}`).\n"
                + "- Every event at info or above goes to slack.\n"
                + "- Events breach, escalation, rollback_started, rollback_failed at critical or"
                + " above go to pagerduty.\n"
                + "- A status update every 30m.\n")
        .doesNotContain("null");
  }
}
