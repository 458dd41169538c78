package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Notify;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cutover whose plan routes its notifications sends the worker what routing needs: the plan's
 * channels and routes as written, each event's kind, subject and level, the status report, and the
 * key of its chain of runs, the same in every request.
 */
class RoutedNotificationsTest {
  static final String PLAN =
      CutoverWorkflowTest.PLAN
          + """
      notify:
        every: 2h
        stageEvery: { canary: 30m }
        channels:
          team: { type: slack, webhook: "${env:SLACK_WEBHOOK}" }
          oncall: { type: pagerduty, routingKey: "${env:PD_ROUTING_KEY}" }
        routes:
          - { to: oncall, events: [breach, escalation, rollback_failed], severity: critical }
          - { to: team }
      """;

  @Test
  void aBreachIsSentWithItsKindSubjectAndTheChannelsAndStatusCarriesTheReport() {
    FakeWorld world = CutoverWorkflowTest.healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofMinutes(65));
      world.value("errors", 0.3);
      tw.sleep(Duration.ofHours(1));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
    }

    List<NotifyRequest> sent = List.copyOf(world.notifyRequests);
    assertThat(sent).isNotEmpty();
    assertThat(sent)
        .extracting(NotifyRequest::chain)
        .doesNotContainNull()
        .containsOnly(sent.get(0).chain());
    assertThat(sent.get(0).webhook()).isNull();
    assertThat(sent.get(0).channels())
        .containsExactly(
            new Notify.Channel("team", Notify.ChannelType.SLACK, "${env:SLACK_WEBHOOK}"),
            new Notify.Channel("oncall", Notify.ChannelType.PAGERDUTY, "${env:PD_ROUTING_KEY}"));
    assertThat(sent.get(0).routes()).hasSize(2);

    List<NotifyRequest.Event> events = sent.stream().flatMap(r -> r.events().stream()).toList();
    assertThat(events)
        .filteredOn(e -> e.kind().equals("breach"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.subject()).isEqualTo("watch[0]");
              assertThat(e.level()).isEqualTo("PAGE");
              assertThat(e.text()).startsWith("[shop] Rolling back: check errors (watch[0])");
            });
    // The canary's own cadence: a status at 30m and 60m, each with the gate against its threshold.
    List<NotifyRequest.Event> status =
        events.stream().filter(e -> e.kind().equals("status")).toList();
    assertThat(status).hasSizeGreaterThanOrEqualTo(2);
    assertThat(status.get(0).report().stage()).isEqualTo("canary");
    assertThat(status.get(0).report().waitingFor()).isEqualTo("the soak of canary (1d)");
    assertThat(status.get(0).report().gates())
        .anySatisfy(
            g -> {
              assertThat(g.check()).isEqualTo("ok_rate");
              assertThat(g.pass()).isEqualTo(">= 95");
              assertThat(g.value()).isEqualTo(99.0);
            });
  }

  @Test
  void aPlanWithTheFirstFormStillSendsEveryMessageToItsWebhook() {
    FakeWorld world = CutoverWorkflowTest.healthy();
    try (Tw tw = new Tw(world)) {
      tw.start(
          Tw.plan(CutoverWorkflowTest.PLAN + "notify: { webhook: \"${env:SLACK_WEBHOOK}\" }\n"),
          "carol");
      tw.sleep(Duration.ofMinutes(5));
    }

    assertThat(world.notifyRequests).isNotEmpty();
    assertThat(world.notifyRequests)
        .allSatisfy(
            r -> {
              assertThat(r.webhook()).isEqualTo("${env:SLACK_WEBHOOK}");
              assertThat(r.channels()).isEmpty();
              assertThat(r.events()).hasSize(1);
            });
  }
}
