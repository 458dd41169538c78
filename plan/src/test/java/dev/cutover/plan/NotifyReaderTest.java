package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The plan's {@code notify} section: the first form as ever, and channels with routes. */
class NotifyReaderTest {
  private static final String GOOD = PlanReaderTest.GOOD;

  private static Plan read(String notify) {
    return PlanReader.fromTree(PlanReader.parseTree(GOOD + notify), PlanReader.Rules.NEWEST);
  }

  private static List<Problem> problems(String notify) {
    try {
      read(notify);
      return List.of();
    } catch (PlanException e) {
      return e.problems();
    }
  }

  private static final String ROUTED =
      """
      notify:
        every: 1h
        stageEvery: { canary: 10m }
        channels:
          team: { type: slack, webhook: "${env:SLACK_WEBHOOK}" }
          oncall: { type: pagerduty, routingKey: "${env:PD_ROUTING_KEY}" }
          audit: { type: webhook, url: "${env:AUDIT_WEBHOOK}" }
        routes:
          - { to: oncall, events: [breach, escalation, rollback_failed], severity: critical }
          - { to: [team] }
          - { to: audit, events: breach, severity: warning }
      """;

  @Test
  void readsChannelsRoutesAndCadences() {
    Notify n = read(ROUTED).notifications();

    assertThat(n.webhook()).isNull();
    assertThat(n.channels())
        .containsExactly(
            new Notify.Channel("team", Notify.ChannelType.SLACK, "${env:SLACK_WEBHOOK}"),
            new Notify.Channel("oncall", Notify.ChannelType.PAGERDUTY, "${env:PD_ROUTING_KEY}"),
            new Notify.Channel("audit", Notify.ChannelType.WEBHOOK, "${env:AUDIT_WEBHOOK}"));
    assertThat(n.routes())
        .containsExactly(
            new Notify.Route(
                List.of("oncall"),
                List.of("breach", "escalation", "rollback_failed"),
                Notify.Severity.CRITICAL),
            new Notify.Route(List.of("team"), List.of(), Notify.Severity.INFO),
            new Notify.Route(List.of("audit"), List.of("breach"), Notify.Severity.WARNING));
    assertThat(n.everyFor("canary")).isEqualTo(Duration.ofMinutes(10));
    assertThat(n.everyFor("full")).isEqualTo(Duration.ofHours(1));
    assertThat(n.stageEvery()).isEqualTo(Map.of("canary", Duration.ofMinutes(10)));
  }

  @Test
  void theFirstFormReadsAsEver() {
    Notify n = read("notify: { webhook: \"${env:SLACK_WEBHOOK}\", every: 30m }\n").notifications();

    assertThat(n).isEqualTo(new Notify("${env:SLACK_WEBHOOK}", Duration.ofMinutes(30)));
  }

  @Test
  void theRoutedFormSurvivesTheCanonicalJson() {
    Plan p = read(ROUTED);
    Plan again = PlanReader.fromTree(PlanJson.write(p), PlanReader.Rules.NEWEST);

    assertThat(again.notifications()).isEqualTo(p.notifications());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          both forms | notify: { webhook: "${env:H}", channels: { t: { type: slack, webhook: "${env:H}" } }, routes: [ { to: t } ] } | notify.webhook | with channels, name this webhook as a channel too (channels: {team: {type: slack, webhook: ...}})
          neither | notify: { every: 1h } | notify.webhook | required (or name channels and routes)
          channels without routes | notify: { channels: { t: { type: slack, webhook: "${env:H}" } } } | notify.routes | required with channels: which events go to which channel
          an unknown channel | notify: { channels: { t: { type: slack, webhook: "${env:H}" } }, routes: [ { to: [t, pager] } ] } | notify.routes[0].to[1] | no channel is named "pager" (notify.channels names [t])
          an unknown kind | notify: { channels: { t: { type: slack, webhook: "${env:H}" } }, routes: [ { to: t, events: [breech] } ] } | notify.routes[0].events[0] | "breech" is not an event kind; one of: stage_started, waiting, checklist, breach, cleared, inconclusive, escalation, paused, resumed, acknowledged, rollback_started, rollback_failed, rollback_recovered, rolled_back, deadline, rollback_overdue, completed, status, note
          a bad severity | notify: { channels: { t: { type: slack, webhook: "${env:H}" } }, routes: [ { to: t, severity: high } ] } | notify.routes[0].severity | "high" is not one of: info, warning, critical
          a bad type | notify: { channels: { t: { type: teams, url: "${env:H}" } }, routes: [ { to: t } ] } | notify.channels.t.type | "teams" is not one of: slack, pagerduty, webhook
          the field of another type | notify: { channels: { t: { type: slack, url: "${env:H}" } }, routes: [ { to: t } ] } | notify.channels.t.url | a slack channel takes webhook, not url
          no routing key | notify: { channels: { p: { type: pagerduty } }, routes: [ { to: p } ] } | notify.channels.p.routingKey | required
          a bad channel name | notify: { channels: { On-Call: { type: slack, webhook: "${env:H}" } }, routes: [ { to: t } ] } | notify.channels.On-Call | a channel name is lower case letters, digits, - and _ (such as oncall)
          a stage cadence for no stage | notify: { webhook: "${env:H}", stageEvery: { canery: 10m } } | notify.stageEvery.canery | no stage is named "canery"
          a stage cadence too short | notify: { webhook: "${env:H}", stageEvery: { canary: 30s } } | notify.stageEvery.canary | must be at least 1m
          a secret inside a URL | notify: { channels: { t: { type: webhook, url: "https://hooks.example/${env:H}" } }, routes: [ { to: t } ] } | notify.channels.t.url | ${env:H} is inside a URL: a secret never goes into a URL
          not a URL | notify: { channels: { t: { type: webhook, url: "ftp://x" } }, routes: [ { to: t } ] } | notify.channels.t.url | not an http:// or https:// URL
          """)
  void refusesWhatCannotRoute(String what, String notify, String path, String message) {
    assertThat(problems(notify + "\n"))
        .as(what)
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo(path);
              assertThat(p.message()).startsWith(message);
            });
  }
}
