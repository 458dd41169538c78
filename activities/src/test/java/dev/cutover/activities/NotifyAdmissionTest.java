package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.AdmitRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A plan's notification channels are admitted like every other request: each secret must be one the
 * worker allows (and may go to that host), and each host one the host policy allows.
 */
class NotifyAdmissionTest {
  private static final String PLAN =
      """
      version: 1
      name: paged
      connections:
        flags: { http: "https://flags.internal" }
      flagsApi:
        set: { http: "PUT flags:/flags/${flag}", body: '{"value": "${value}"}' }
      checks:
        health: { http: "GET flags:/health", expect: { status: 200 } }
      stages:
        - { name: canary, flags: { green: true }, gates: [health] }
      notify:
        channels:
          team: { type: slack, webhook: "${env:SLACK_WEBHOOK}" }
          oncall: { type: pagerduty, routingKey: "${env:PD_ROUTING_KEY}" }
          audit: { type: webhook, url: "https://audit.internal/hook" }
        routes:
          - { to: [team, oncall, audit] }
      """;

  private static List<String> refusals(String... env) {
    try (CutoverActivitiesImpl w =
        new CutoverActivitiesImpl(Fixtures.settings(Fixtures.env(env)), Duration.ofSeconds(5))) {
      return w.admit(
              new AdmitRequest(
                  "cutover-paged", PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST))
          .refusals();
    }
  }

  @Test
  void channelsWithinWhatTheOperatorAllowsAreAdmitted() {
    assertThat(
            refusals(
                "SLACK_WEBHOOK",
                "https://hooks.slack.com/services/T/B/x",
                "PD_ROUTING_KEY",
                "R0123456789abcdef0123456789ABCDE",
                Secrets.ALLOWED,
                "SLACK_WEBHOOK, PD_ROUTING_KEY@events.pagerduty.com",
                HostPolicy.VARIABLE,
                "flags.internal, hooks.slack.com, events.pagerduty.com," + " audit.internal"))
        .isEmpty();
  }

  @Test
  void aRoutingKeyTheWorkerDoesNotAllowAndAHostItRefusesAreRefusedAtTheirPaths() {
    List<String> refusals =
        refusals(
            "SLACK_WEBHOOK",
            "https://hooks.slack.com/services/T/B/x",
            "PD_ROUTING_KEY",
            "R0123456789abcdef0123456789ABCDE",
            Secrets.ALLOWED,
            "SLACK_WEBHOOK",
            HostPolicy.VARIABLE,
            "flags.internal, hooks.slack.com, events.pagerduty.com");

    assertThat(refusals)
        .anySatisfy(r -> assertThat(r).startsWith("notify.channels.oncall.routingKey: "))
        .anySatisfy(r -> assertThat(r).startsWith("notify.channels.audit.url: "))
        .noneSatisfy(r -> assertThat(r).contains("R0123456789abcdef"));
  }

  @Test
  void aRoutingKeyBoundToAnotherHostIsNotSentToPagerDuty() {
    List<String> refusals =
        refusals(
            "SLACK_WEBHOOK",
            "https://hooks.slack.com/services/T/B/x",
            "PD_ROUTING_KEY",
            "R0123456789abcdef0123456789ABCDE",
            Secrets.ALLOWED,
            "SLACK_WEBHOOK, PD_ROUTING_KEY@hooks.slack.com",
            HostPolicy.VARIABLE,
            "flags.internal, hooks.slack.com, events.pagerduty.com," + " audit.internal");

    assertThat(refusals)
        .singleElement()
        .satisfies(r -> assertThat(r).startsWith("notify.channels.oncall.routingKey: "));
  }
}
