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
    // Every people item, in the runbook's order, each confirmed where the runbook does it.
    assertThat(
            ExampleRuns.texts(s, Simulation.Kind.SIGNAL).stream()
                .filter(t -> t.startsWith("confirm task "))
                .map(t -> t.substring("confirm task ".length(), t.indexOf(" (")))
                .toList())
        .containsExactly(
            "war-room-active", // T-60
            "on-call-briefed",
            "dashboards-open",
            "rollback-reviewed",
            "customer-comms-prepared",
            "shadow-review-done",
            "no-active-incidents", // T-5
            "team-ready",
            "comms-channels-open",
            "review-perf-metrics", // T+90
            "adjust-cache-ttls",
            "optimize-mv-refresh",
            "adjust-alert-thresholds",
            "document-config-changes",
            "slo-dashboards-green", // T+120
            "alert-rules-tested",
            "log-aggregation-ok",
            "synthetics-cover-paths",
            "baselines-updated",
            "daily-sync-scheduled", // T+180
            "feedback-monitored",
            "tuning-backlog-reviewed",
            "docs-updated");
  }

  @Test
  void aFinalCheckConfirmedLateHoldsTheCanaryUntilItIsConfirmed() throws IOException {
    // "Team ready at stations" confirmed at T+5 instead of by T-5: the canary starts at T+5.
    Simulation s = scripted(plan(), "+20m,signal:confirm,task=team-ready;by=dave\n");

    assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(s))
        .containsEntry("canary-10", Duration.ofMinutes(20))
        .containsEntry("hypercare", Duration.ofMinutes(200));
    assertThat(length(s)).isEqualTo(Duration.ofMinutes(200).plusHours(72));
    assertThat(ExampleRuns.texts(s, Simulation.Kind.DECISION))
        .anyMatch(
            t ->
                t.startsWith(
                    "await-checklist: stage prepare waits for its checklist before it completes"));

    // The T+120 "Performance baselines updated" at T+225: hypercare starts then, not at T+180.
    Simulation t120 = scripted(plan(), "+4h,signal:confirm,task=baselines-updated;by=dave\n");
    assertThat(t120.finalState()).isEqualTo(State.COMPLETED);
    assertThat(stageStarts(t120)).containsEntry("hypercare", Duration.ofHours(4));
    assertThat(length(t120)).isEqualTo(Duration.ofHours(4 + 72));
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
        .contains("| 6 | hypercare | observe only | T+3h15m | 3d | checklist before it starts |")
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
        .contains("None: every step can be undone by the rollback.")
        .contains(
            "- Checklist before it starts (the stage waits until each is confirmed):\n"
                + "  - [ ] War room channel active (#pags-cutover)"
                + " (`cutover confirm pags-canary war-room-active`)\n")
        .contains(
            "  - [ ] No active incidents or issues"
                + " (`cutover confirm pags-canary no-active-incidents`)\n")
        .contains(
            "  - [ ] Documentation updated with any learnings"
                + " (`cutover confirm pags-canary docs-updated`)\n");
  }
}
