package dev.cutover.simulate;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * examples/demo.yaml, the plan `./cutover demo` runs: the gradual runbook's 10% -> 50% -> 100% with
 * seconds where the runbook has days.
 */
class DemoExampleTest {
  static Plan plan() throws IOException {
    return ExampleRuns.plan("demo.yaml");
  }

  @Test
  void completesInTwentySixSecondsOnItsThreeStages() throws IOException {
    Simulation s = happy(plan());

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(s))
        .containsExactly(
            Map.entry("canary", Duration.ZERO),
            Map.entry("half", Duration.ofSeconds(8)),
            Map.entry("full", Duration.ofSeconds(18)));
    assertThat(length(s)).isEqualTo(Duration.ofSeconds(26));
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100);
  }

  @Test
  void anErrorRateAboveFivePercentAtHalfFailsItsCriticalGateAndRollsBackAtOnce()
      throws IOException {
    Simulation s = scripted(plan(), "+10s,v2_error_rate,0.5\n");

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.trafficHistory()).containsExactly(10, 50, 0);
    assertThat(length(s)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void itsRunbookShowsTheThreeStagesAndTheDrain() throws IOException {
    assertThat(Runbook.markdown(plan()))
        .contains("| 1 | canary | 10% of traffic | T+0s | 8s |")
        .contains("| 2 | half | 50% of traffic | T+8s | 10s | approval when soaked |")
        .contains("| 3 | full | 100% of traffic | T+18s | 8s |")
        .contains("v2_in_flight");
  }
}
