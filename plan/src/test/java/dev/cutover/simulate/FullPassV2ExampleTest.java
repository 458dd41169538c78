package dev.cutover.simulate;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * examples/full-pass-v2.yaml against its runbook, the "Gradual Cutover Runbook": 24h at 10%, 48h at
 * 50%, 7 days at 100%, 7 more days before v1 is removed, and nothing sent back onto v1 once it is
 * gone.
 */
class FullPassV2ExampleTest {
  static Plan plan() throws IOException {
    return ExampleRuns.plan("full-pass-v2.yaml");
  }

  @Test
  void completesInSeventeenDaysAndRemovesV1Last() throws IOException {
    Simulation s = happy(plan());

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(s))
        .containsExactly(
            Map.entry("canary", Duration.ZERO),
            Map.entry("half", Duration.ofHours(24)),
            Map.entry("full", Duration.ofHours(72)),
            Map.entry("deprecate", Duration.ofDays(10)));
    assertThat(length(s)).isEqualTo(Duration.ofDays(17)); // "after 14+ days at 100%"
    assertThat(effects(s)).containsExactly("%10", "%50", "%100", "ACTION deprecate/onComplete/0");
  }

  @Test
  void aRenderCrashBeforeV1IsRemovedRollsBackOntoV1AndDrains() throws IOException {
    // deprecate, day 12: v1 is still deployed, so the rollback may use it
    Simulation s = scripted(plan(), "+12d,health,fail\n");

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100, 0);
    assertThat(effects(s)).doesNotContain("ACTION deprecate/onComplete/0");
  }

  @Test
  void v1IsRemovedOnlyAfterItsSevenDaysOfZeroCallsAndNothingIsSentBackOntoIt() throws IOException {
    // v1 calls on day 11 restart deprecate's 7 days; the removal waits for them
    Simulation s = scripted(plan(), "+11d,v1_calls,3\n+11d1h,v1_calls,0\n");

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(length(s)).isGreaterThan(Duration.ofDays(18));
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100);
    assertThat(plan().rollback().afterPointOfNoReturn()).isNotNull();
  }

  @Test
  void itsRunbookReadsAsTheGradualCutover() throws IOException {
    String md = Runbook.markdown(plan());

    assertThat(md)
        .contains("| 1 | canary | 10% of traffic | T+0s | 1d | approval when soaked |")
        .contains("| 2 | half | 50% of traffic | T+1d | 2d | approval when soaked |")
        .contains("| 3 | full | 100% of traffic | T+3d | 7d | approval when soaked |")
        .contains(
            "| 4 | deprecate | 1 action after the soak | T+10d | 7d | approval when soaked; then"
                + " its end-of-stage actions (point of no return) |")
        .contains("- **success_rate** `>= 95`")
        .contains("- **stuck_imports** must stay `<= 10`")
        .contains("- **health**")
        .contains("## Points of no return");
  }
}
