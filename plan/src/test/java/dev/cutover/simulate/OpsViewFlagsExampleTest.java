package dev.cutover.simulate;

import static dev.cutover.simulate.ExampleRuns.T0;
import static dev.cutover.simulate.ExampleRuns.effects;
import static dev.cutover.simulate.ExampleRuns.happy;
import static dev.cutover.simulate.ExampleRuns.length;
import static dev.cutover.simulate.ExampleRuns.scripted;
import static dev.cutover.simulate.ExampleRuns.stageStarts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.runbook.Runbook;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * examples/ops-view-flags.yaml against its runbook, "V2.54.1 - Cutover Plan (Flag Sequencing)":
 * each flag change is followed by the runbook's restart, a write-path problem turns off only
 * DB_WRITE, and "investigate" holds rather than rolls back.
 */
class OpsViewFlagsExampleTest {
  static Plan plan() throws IOException {
    return ExampleRuns.plan("ops-view-flags.yaml");
  }

  @Test
  void completesStageAAfter24HoursAndStageBAfter48MoreWithARestartAndTheSmokesEachTime()
      throws IOException {
    Simulation s = happy(plan());

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    // no window: stage B starts as soon as stage A's 24 hours are approved (a Monday, here)
    assertThat(stageStarts(s))
        .containsExactly(
            Map.entry("read", Duration.ZERO), Map.entry("write", Duration.ofHours(24)));
    assertThat(length(s)).isEqualTo(Duration.ofHours(72));
    assertThat(effects(s))
        .containsExactly(
            "OPS_VIEW_DB_READ=true",
            "OPS_VIEW_DB_WRITE=false",
            "ACTION read/actions/0", // restart
            "OPS_VIEW_DB_WRITE=true",
            "ACTION write/actions/0", // restart
            "ACTION write/actions/2"); // the write smoke (patch, RFI, stale 409)
    assertThat(plan().stages().get(1).window()).isNull();
    assertThat(ExampleRuns.texts(s, Simulation.Kind.SIGNAL))
        .containsExactly(
            "approve stage read (simulated)", // B1-B2, E4
            "confirm task no-open-incidents (simulated)", // B3
            "confirm task backup-taken (simulated)", // B4
            "approve stage write (simulated)"); // F4, F5
  }

  @Test
  void stageBWaitsForTheBackupAndNeverEnablesWritesWithoutIt() throws IOException {
    // B4 confirmed six hours after stage A's soak: stage B starts then, and soaks its 48 hours.
    Simulation late = scripted(plan(), "+30h,signal:confirm,task=backup-taken;by=dave\n");

    assertThat(late.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(late)).containsEntry("write", Duration.ofHours(30));
    assertThat(length(late)).isEqualTo(Duration.ofHours(78));

    // Never confirmed: stage A stays on, and writes are never turned on.
    Plan plan = plan();
    Simulation never =
        new Simulator(plan)
            .run(
                ScriptReader.read(
                    plan,
                    "script.csv",
                    "+24h,signal:approve,stage=read;by=ops-lead\n"
                        + "+25h,signal:confirm,task=no-open-incidents;by=dave\n"),
                Simulator.Options.at(T0).withAutoApprove(false));
    assertThat(never.finalState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(effects(never)).doesNotContain("OPS_VIEW_DB_WRITE=true");
    assertThat(never.ended())
        .isEqualTo(
            "waiting for the checklist of stage write before it starts; nothing more is"
                + " scripted");
  }

  @Test
  void aWritePathFiveHundredTurnsOffOnlyDbWriteAndRestarts() throws IOException {
    Simulation s = scripted(plan(), "+30h,write_5xx,1\n");

    assertThat(s.finalState()).isEqualTo(State.HELD);
    List<String> effects = effects(s);
    assertThat(effects.subList(effects.indexOf("ACTION write/actions/2") + 1, effects.size()))
        .containsExactly(
            "OPS_VIEW_DB_WRITE=false", "UNDO_ACTION rollback-1/write/actions/0/undo"); // restart
    assertThat(effects).doesNotContain("OPS_VIEW_DB_READ=false");
  }

  @Test
  void aReadPathFiveHundredTurnsBothFlagsOffWithARestartEach() throws IOException {
    Simulation s = scripted(plan(), "+30h,read_5xx,1\n");

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    List<String> effects = effects(s);
    assertThat(effects.subList(effects.indexOf("ACTION write/actions/2") + 1, effects.size()))
        .containsExactly(
            "OPS_VIEW_DB_WRITE=false",
            "UNDO_ACTION rollback-1/write/actions/0/undo",
            "OPS_VIEW_DB_READ=false",
            "OPS_VIEW_DB_WRITE=false",
            "UNDO_ACTION rollback-1/read/actions/0/undo");
  }

  @Test
  void missingAuditEventsHoldStageBAndNotifyWithoutTouchingAFlag() throws IOException {
    Plan plan = plan();
    Simulation s =
        new Simulator(plan)
            .run(
                ScriptReader.read(plan, "script.csv", "+30h,audit_events_recent,0\n"),
                Simulator.Options.at(T0).withHorizon(Duration.ofDays(10)));

    // "Investigate audit_events table, check logging": no flag changes, the stage never completes
    assertThat(s.finalState()).isNotIn(State.COMPLETED, State.ROLLED_BACK);
    assertThat(stageStarts(s)).containsKey("write");
    List<String> effects = effects(s);
    assertThat(effects)
        .endsWith("OPS_VIEW_DB_WRITE=true", "ACTION write/actions/0", "ACTION write/actions/2");
    assertThat(ExampleRuns.texts(s, Simulation.Kind.NOTIFY))
        .anyMatch(t -> t.contains("audit_events_recent") && t.contains("the stage holds"));
  }

  @Test
  void itsRunbookShowsTheRestartsTheSmokesAndTheTwoKindsOfRollback() throws IOException {
    String md = Runbook.markdown(plan());

    assertThat(md)
        .contains(
            "| 1 | read | flags OPS_VIEW_DB_READ=true, OPS_VIEW_DB_WRITE=false, 4 actions | T+0s | 1d | approval when soaked |")
        .contains(
            "| 2 | write | flags OPS_VIEW_DB_WRITE=true, 4 actions | T+1d | 2d | checklist before it starts; approval when soaked |")
        .contains("/opt/ops/bin/restart-ops-view")
        .contains("/opt/ops/bin/smoke-stage-b")
        .contains("analyst_sees_own_only")
        .doesNotContain("Mon-Wed")
        .contains(
            "- Checklist before it starts (the stage waits until each is confirmed):\n"
                + "  - [ ] No open incidents from Stage A (incident tracker clear)"
                + " (`cutover confirm ops-view-flags no-open-incidents`)\n"
                + "  - [ ] Backup/checkpoint taken (Replit checkpoint or DB snapshot)"
                + " (`cutover confirm ops-view-flags backup-taken`)\n")
        .contains("(within 2m; past that it pages, `rollback_overdue`, and goes on)");
  }
}
