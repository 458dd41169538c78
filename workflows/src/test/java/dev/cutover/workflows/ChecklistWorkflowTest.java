package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checklists through the workflow on the time-skipping test server: the cutover waits for the
 * tasks, the {@code confirm} signal moves it on, and every confirm, accepted or not, is recorded.
 */
class ChecklistWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        errors: { sql: db, query: "SELECT 1 AS value", pass: "< 0.05" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      notify:
        channels:
          team: { type: slack, webhook: "${env:SLACK_WEBHOOK}" }
        routes:
          - { to: team, events: [checklist] }
      stages:
        - name: canary
          percent: 10
          soak: 1h
          every: 30m
          gates: [errors]
          checklist:
            beforeStart:
              - { id: dns-ttl-lowered, text: "DNS TTL lowered to 60 s" }
            beforeComplete:
              - { id: status-page-posted, text: "Status page posted" }
        - { name: full, percent: 100, soak: 1h, every: 30m, gates: [errors] }
      """;

  @Test
  void waitsForEachTaskAndMovesOnWhenItIsConfirmedBySignal() {
    FakeWorld world = new FakeWorld().value("errors", 0.01);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(6));
      Status waiting = wf.status();
      assertThat(waiting.state()).isEqualTo("AWAITING_CHECKLIST");
      assertThat(world.traffic()).isEmpty();
      assertThat(waiting.checklist())
          .extracting(Status.TaskView::id, Status.TaskView::waiting, Status.TaskView::command)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "dns-ttl-lowered", true, "cutover confirm shop dns-ttl-lowered"));

      wf.approve(new SignalPayload("canary", "alice", null, null, null));
      wf.confirm(SignalPayload.confirming("status-page-posted", "alice", null));
      wf.confirm(SignalPayload.confirming("dns-ttl-lowered", "alice", "TTL 60 s since 09:00"));
      tw.sleep(Duration.ofMinutes(1));
      Status soaking = wf.status();
      assertThat(soaking.state()).isEqualTo("SOAKING");
      assertThat(world.traffic()).containsExactly(10);
      List<CutoverState.Decision> confirms =
          soaking.decisions().stream()
              .filter(d -> d.action().equals("confirm") || d.action().equals("approve"))
              .toList();
      assertThat(confirms)
          .extracting(CutoverState.Decision::by, CutoverState.Decision::accepted)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("alice", false),
              org.assertj.core.groups.Tuple.tuple("alice", false),
              org.assertj.core.groups.Tuple.tuple("alice", true));
      assertThat(confirms.get(1).text())
          .isEqualTo(
              "rejected: too early: task status-page-posted is due before stage canary"
                  + " completes, and is confirmed once it has started");
      assertThat(soaking.checklist())
          .extracting(Status.TaskView::id, Status.TaskView::confirmedBy)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("status-page-posted", null));

      tw.sleep(Duration.ofHours(2));
      assertThat(wf.status().state()).isEqualTo("AWAITING_CHECKLIST");
      assertThat(world.traffic()).containsExactly(10);
      wf.confirm(SignalPayload.confirming("status-page-posted", "bob", null));
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
      assertThat(world.traffic()).containsExactly(10, 100);
    }
    List<NotifyRequest.Event> checklist =
        world.notifyRequests.stream()
            .flatMap(r -> r.events().stream())
            .filter(e -> e.kind().equals("checklist"))
            .toList();
    assertThat(checklist)
        .extracting(NotifyRequest.Event::text)
        .anyMatch(t -> t.contains("waits for its checklist before it starts"))
        .anyMatch(t -> t.contains("waits for its checklist before it completes"))
        .anyMatch(t -> t.contains("bob confirmed task status-page-posted"));
  }
}
