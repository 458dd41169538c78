package dev.cutover.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.ChecklistPlans;
import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The simulator confirms checklist tasks when asked, unless the script confirms them itself. */
class SimulatedChecklistTest {
  static final long T0 = SimulatorTest.T0;
  static final Plan PLAN = PlanReader.read(ChecklistPlans.TWO_STAGES);

  @Test
  void confirmsEveryTaskWhenAskedAndCompletes() {
    Simulation s = SimulatorTest.simulate(PLAN, null, Simulator.Options.at(T0));
    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(SimulatorTest.texts(s, Simulation.Kind.SIGNAL))
        .containsExactly(
            "confirm task dns-ttl-lowered (simulated)",
            "confirm task on-call-ready (simulated)",
            "confirm task status-page-posted (simulated)",
            "confirm task old-pool-drained (simulated)",
            "approve stage full (simulated)");
    // 1h canary and 2h full, back to back: the tasks cost no time when granted at once.
    assertThat(s.endedAt() - T0).isEqualTo(Duration.ofHours(3).toMillis());
  }

  @Test
  void aTaskTheScriptConfirmsWaitsForItsScriptedTime() {
    Simulation s =
        SimulatorTest.simulate(
            PLAN, "+2h,signal:confirm,task=status-page-posted;by=dave\n", Simulator.Options.at(T0));
    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(SimulatorTest.texts(s, Simulation.Kind.SIGNAL))
        .contains("confirm task status-page-posted (script.csv:1)");
    // canary soaked at +1h and waited for its task until +2h; then full's 2h.
    assertThat(s.endedAt() - T0).isEqualTo(Duration.ofHours(4).toMillis());
  }

  @Test
  void withOnlyScriptedAnswersItStopsAtTheFirstChecklist() {
    Simulation s =
        SimulatorTest.simulate(PLAN, null, Simulator.Options.at(T0).withAutoApprove(false));
    assertThat(s.finalState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(s.ended())
        .isEqualTo(
            "waiting for the checklist of stage canary before it starts; nothing more is"
                + " scripted");
  }
}
