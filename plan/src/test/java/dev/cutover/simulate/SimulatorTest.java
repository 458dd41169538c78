package dev.cutover.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator drives the real engine through whole plans in virtual time. */
class SimulatorTest {
  static final long T0 = 1_700_000_000_000L;
  static final long HOUR = 3_600_000L;

  static Plan example(String name) throws IOException {
    return PlanReader.read(Files.readString(Path.of("..", "examples", name)));
  }

  static Simulation simulate(Plan plan, String script, Simulator.Options options) {
    Script s = script == null ? Script.EMPTY : ScriptReader.read(plan, "script.csv", script);
    return new Simulator(plan).run(s, options);
  }

  static List<String> texts(Simulation s, Simulation.Kind kind) {
    return s.timeline().stream().filter(e -> e.kind() == kind).map(Simulation.Entry::text).toList();
  }

  @Test
  void theSeedPlanCompletesOnItsRunbookTimelineWhenEveryCheckPassesAndEveryApprovalIsGiven()
      throws IOException {
    Simulation s = simulate(example("full-pass-v2.yaml"), null, Simulator.Options.at(T0));

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(s.completed()).isTrue();
    assertThat(s.ended()).isEqualTo("the cutover ended COMPLETED");
    // 1d at 10%, 2d at 50%, 7d at 100%, then 7 more days after v1 is removed.
    assertThat(s.endedAt() - T0).isEqualTo(Duration.ofDays(17).toMillis());
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100);
    assertThat(texts(s, Simulation.Kind.SIGNAL))
        .containsExactly(
            "approve stage canary (simulated)",
            "approve stage half (simulated)",
            "approve stage full (simulated)",
            "approve stage deprecate (simulated)");
    // alice approves: the plan's first approver who is not the starter (four eyes).
    assertThat(s.timeline())
        .filteredOn(e -> e.kind() == Simulation.Kind.SIGNAL)
        .allMatch(e -> e.by().equals("alice"));
    assertThat(texts(s, Simulation.Kind.STATE))
        .startsWith(
            "CHECKING_PREREQUISITES", "APPLYING stage canary", "SOAKING stage canary at 10%")
        .endsWith("COMPLETED stage deprecate at 100%");
  }

  @Test
  void aScriptedErrorRateBreachRollsBackWhenTheWatchRuleHasSeenItForFiveMinutes()
      throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"),
            """
            time,check,value
            +0,error_rate,0.01
            +36h,error_rate,0.2
            """,
            Simulator.Options.at(T0));

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.completed()).isFalse();
    assertThat(s.endedAt() - T0).isEqualTo(36 * HOUR + 5 * 60_000);
    assertThat(s.trafficHistory()).containsExactly(10, 50, 0);
    assertThat(texts(s, Simulation.Kind.DECISION))
        .contains(
            "rollback: rolling back: check error_rate (watch[0]) breached: 0.2 fails < 0.05 for"
                + " 5m");
    assertThat(s.ended())
        .isEqualTo("rolled back, waiting for retry or abandon; nothing more is scripted");
  }

  @Test
  void scriptedSignalsArriveAtTheirTimesAndARetryStartsOver() throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"),
            """
            +2d,signal:abort,by=bob;reason=p95 up
            +2d1h,signal:retry,by=bob
            """,
            Simulator.Options.at(T0));

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(s.trafficHistory()).containsExactly(10, 50, 0, 10, 50, 100);
    assertThat(s.timeline())
        .filteredOn(e -> e.kind() == Simulation.Kind.SIGNAL && e.by().equals("bob"))
        .extracting(e -> e.at() - T0, Simulation.Entry::text)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(48 * HOUR, "abort: p95 up (script.csv:1)"),
            org.assertj.core.groups.Tuple.tuple(49 * HOUR, "retry (script.csv:2)"));
  }

  @Test
  void withScriptedApprovalsOnlyTheSimulationStopsWhereAnApprovalIsMissing() throws IOException {
    Plan plan = example("full-pass-v2.yaml");
    Simulation s =
        simulate(
            plan,
            "+1d,signal:approve,by=bob;stage=canary\n",
            Simulator.Options.at(T0).withAutoApprove(false));

    assertThat(s.finalState()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(s.ended())
        .isEqualTo("waiting for the approval of stage half; nothing more is scripted");
    assertThat(s.endedAt() - T0).isEqualTo(72 * HOUR);
    assertThat(s.trafficHistory()).containsExactly(10, 50);
  }

  @Test
  void aRejectedSignalIsRecordedAsARejectedDecision() throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"),
            "+1h,signal:approve,by=mallory;stage=canary\n",
            Simulator.Options.at(T0));

    assertThat(texts(s, Simulation.Kind.DECISION))
        .anyMatch(t -> t.startsWith("approve (rejected): ") && t.contains("mallory"));
    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
  }

  @Test
  void aPauseWithNoResumeEndsTheSimulationHeldWaitingForAPerson() throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"),
            "+30h,signal:pause,by=bob;reason=looking into p95\n",
            Simulator.Options.at(T0));

    assertThat(s.finalState()).isEqualTo(State.HELD);
    assertThat(s.endedAt() - T0).isEqualTo(30 * HOUR);
    assertThat(s.ended()).isEqualTo("held (PAUSED), waiting for resume; nothing more is scripted");
    assertThat(s.trafficHistory()).containsExactly(10, 50);
  }

  @Test
  void theSimulationStopsAtTheHorizonWhereverTheCutoverIs() throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"),
            null,
            Simulator.Options.at(T0).withHorizon(Duration.ofHours(5)));

    assertThat(s.finalState()).isEqualTo(State.SOAKING);
    assertThat(s.endedAt() - T0).isEqualTo(5 * HOUR);
    assertThat(s.ended()).isEqualTo("the horizon was reached (5h after the start)");
  }

  @Test
  void aGateWithNoDataHoldsTheCutoverAsInconclusive() throws IOException {
    Simulation s =
        simulate(
            example("full-pass-v2.yaml"), "+0,success_rate,nodata\n", Simulator.Options.at(T0));

    assertThat(s.finalState()).isEqualTo(State.HELD);
    assertThat(s.ended())
        .isEqualTo("held (INCONCLUSIVE), waiting for resume; nothing more is scripted");
    assertThat(s.trafficHistory()).containsExactly(10);
  }

  @Test
  void everyExamplePlanCompletesWithNoScript() throws IOException {
    try (var files = Files.list(Path.of("..", "examples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        Plan plan = PlanReader.read(Files.readString(f));
        Simulation s = new Simulator(plan).run(Script.EMPTY, Simulator.Options.at(T0));
        assertThat(s.finalState()).as(f + ": " + s.ended()).isEqualTo(State.COMPLETED);
      }
    }
  }
}
