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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples/pags-canary.yaml against its runbook, "PAGS Production Cutover - Day of Execution". The
 * simulation starts at the runbook's T-15 (the environment setup), so T+0 is 15 minutes in.
 */
class PagsCanaryExampleTest {
  static Plan plan() throws IOException {
    return ExampleRuns.plan("pags-canary.yaml");
  }

  @Test
  void completesOnTheRunbooksClockWithSeventyTwoHoursOfHypercareAtFullTraffic() throws IOException {
    Simulation s = happy(plan());

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    // T-15 setup, T+0 10%, T+15 50%, T+45 100%, T+60 publishing gates, T+180 hypercare.
    assertThat(stageStarts(s))
        .containsExactly(
            java.util.Map.entry("prepare", Duration.ZERO),
            java.util.Map.entry("canary-10", Duration.ofMinutes(15)),
            java.util.Map.entry("canary-50", Duration.ofMinutes(30)),
            java.util.Map.entry("full", Duration.ofMinutes(60)),
            java.util.Map.entry("publish-gates", Duration.ofMinutes(75)),
            java.util.Map.entry("hypercare", Duration.ofMinutes(195)));
    assertThat(length(s)).isEqualTo(Duration.ofMinutes(195).plusHours(72));
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100);
    // hypercare changes nothing: the publishing gates were the last effect
    assertThat(effects(s))
        .endsWith("%100", "VITE_ENFORCE_CONSENT_GATE=true", "VITE_ENFORCE_COHERENCE_CHECK=true");
  }

  @Test
  void aRollbackTurnsTheNewFeaturesOffAndLegacyModeOnButNeverShadowModeBackOn() throws IOException {
    // T+75: the error rate is above 1% for 10 minutes in publish-gates.
    Simulation s = scripted(plan(), "+90m,error_rate,0.02\n");

    assertThat(s.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(length(s)).isEqualTo(Duration.ofMinutes(100));
    List<String> effects = effects(s);
    List<String> rollback = effects.subList(effects.lastIndexOf("%100") + 3, effects.size());
    assertThat(rollback) // newest stage first: publish-gates, then traffic, then prepare
        .containsExactly(
            "VITE_ENFORCE_CONSENT_GATE=false",
            "VITE_ENFORCE_COHERENCE_CHECK=false",
            "%0",
            "VITE_SHADOW_MODE=false",
            "VITE_USE_CAPACITY_BRAIN=false",
            "VITE_USE_GUARDRAILS_V2=false",
            "VITE_USE_NCF_COMPASS_OVERLAYS=false",
            "VITE_ENFORCE_CONSENT_GATE=false",
            "VITE_ENFORCE_COHERENCE_CHECK=false",
            "VITE_READONLY_MODE=true",
            "VITE_LEGACY_WORKSPACE_MODE=true");
    assertThat(effects).doesNotContain("VITE_SHADOW_MODE=true");
  }

  @Test
  void theRollbackTriggersAreWatchedFromTPlusZeroNotDuringTheEnvironmentSetup() throws IOException {
    // T-15 to T-1: an error rate of 50% on the stack that has no traffic yet rolls nothing back.
    Simulation s = scripted(plan(), "+0,error_rate,0.5\n+14m,error_rate,0.001\n");

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(s)).containsEntry("canary-10", Duration.ofMinutes(15));
    assertThat(s.trafficHistory()).containsExactly(10, 50, 100);

    // From T+0 the same rate, held for 10 minutes, rolls the canary back.
    Simulation late = scripted(plan(), "+15m,error_rate,0.5\n");
    assertThat(late.finalState()).isEqualTo(State.ROLLED_BACK);
    assertThat(length(late)).isEqualTo(Duration.ofMinutes(25));
    assertThat(late.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void itsRunbookReadsLikeTheDayOfExecutionTimetable() throws IOException {
    String md = Runbook.markdown(plan());

    assertThat(md)
        .contains("| 2 | canary-10 | 10% of traffic | T+15m | 15m | approval when soaked |")
        .contains("| 3 | canary-50 | 50% of traffic | T+30m | 30m | approval when soaked |")
        .contains("| 4 | full | 100% of traffic | T+1h | 15m | approval when soaked |")
        .contains("| 6 | hypercare | observe only | T+3h15m | 3d | next stage when soaked |")
        .contains(
            "- **error_rate** must stay `<= 0.01`, measured every 1m; breached when failing for"
                + " 10m (Prometheus on prom): critical, roll back at once; only during canary-10,"
                + " canary-50, full, publish-gates, hypercare")
        .contains("- **latency_vs_slo** must stay `<= 2`")
        .contains("- **core_availability** must stay `>= 0.99`")
        .contains("- **queue_depth** must stay `<= 500`")
        .contains(
            "3. Stage prepare: flags VITE_USE_CAPACITY_BRAIN=false, VITE_USE_GUARDRAILS_V2=false,"
                + " VITE_USE_NCF_COMPASS_OVERLAYS=false, VITE_READONLY_MODE=true,"
                + " VITE_LEGACY_WORKSPACE_MODE=true, VITE_SHADOW_MODE=false")
        .contains("None: every step can be undone by the rollback.");
  }
}
