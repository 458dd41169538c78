package dev.cutover.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import org.junit.jupiter.api.Test;

/** Deadlines in a simulation: the engine's timers, so an approval given late rolls back on time. */
class SimulatedDeadlineTest {
  static final long T0 = SimulatorTest.T0;
  static final Plan PLAN =
      PlanReader.read(
          dev.cutover.engine.ChecklistPlans.TWO_STAGES.replace(
              "    approval: true\n",
              "    approval: true\n    deadline: { completeWithin: 3h }\n"));

  @Test
  void anApprovalScriptedPastTheDeadlineComesTooLate() {
    Simulation s =
        SimulatorTest.simulate(
            PLAN,
            """
            +0,signal:confirm,task=dns-ttl-lowered;by=dave
            +0,signal:confirm,task=on-call-ready;by=dave
            +1h,signal:confirm,task=status-page-posted;by=dave
            +3h,signal:confirm,task=old-pool-drained;by=dave
            +10h,signal:approve,stage=full;by=dave
            """,
            Simulator.Options.at(T0).withAutoApprove(false));
    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.trafficHistory()).containsExactly(10, 100, 0);
    // full started at +1h: its 3h ran out at +4h.
    assertThat(SimulatorTest.texts(s, Simulation.Kind.DECISION))
        .anyMatch(
            t ->
                t.startsWith(
                    "deadline: stage full started 3h ago and it is not complete"
                        + " (deadline.completeWithin); rolling back"));
  }

  @Test
  void aPausedCutoverStillMeetsItsDeadlineBeforeTheSimulationStops() {
    // Paused at +90m with nothing more scripted: the real cutover's deadline timer still runs,
    // so the simulation goes on to it (full started at +1h; its 3h end at +4h) and rolls back.
    Simulation s =
        SimulatorTest.simulate(PLAN, "+90m,signal:pause,by=dave\n", Simulator.Options.at(T0));
    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.endedAt() - T0).isEqualTo(java.time.Duration.ofHours(4).toMillis());
    assertThat(s.trafficHistory()).containsExactly(10, 100, 0);
  }
}
