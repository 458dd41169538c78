package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checklists: named tasks a person confirms, never confused with approvals. */
class ChecklistTest {
  static final String CHECKLISTS =
      EngineTest.HEADER
          + """
      stages:
        - name: canary
          percent: 10
          soak: 1h
          every: 10m
          gates: [ok_rate]
          checklist:
            beforeStart:
              - { id: dns-ttl-lowered, text: "DNS TTL lowered to 60 s" }
              - { id: on-call-ready, text: "On-call engineer online" }
            beforeComplete:
              - { id: status-page-posted, text: "Status page posted" }
        - name: full
          percent: 100
          soak: 2h
          every: 30m
          gates: [ok_rate]
          approval: true
          checklist:
            beforeComplete:
              - { id: old-pool-drained, text: "Old pool drained and parked" }
      """;

  private static Harness started() {
    return EngineTest.healthy(CHECKLISTS).start();
  }

  private static void confirm(Harness h, String task, String by) {
    h.signal(Signal.confirm(task, by, null));
  }

  @Test
  void aConfirmOfATaskNoStageWaitsForIsRejectedAndApprovesNothing() {
    Harness h = EngineTest.healthy(EngineTest.TWO_STAGES).start();
    h.signal(Signal.confirm("canary", "alice", null));
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text())
        .isEqualTo("rejected: no checklist task \"canary\" is waiting for a confirmation");
    assertThat(h.state.progress().approval()).isNull();

    h.signal(Signal.confirm(null, "alice", null));
    assertThat(h.lastDecision().text())
        .isEqualTo("rejected: say which checklist task (task is required)");
  }

  @Test
  void aStageStartsOnlyOnceEveryTaskDueBeforeItIsConfirmed() {
    Harness h = started();
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(h.state.pendingStage()).isZero();
    assertThat(h.trafficHistory()).isEmpty();
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "stage canary waits for its checklist before it starts: 2 tasks to confirm:"
                + " dns-ttl-lowered (DNS TTL lowered to 60 s), on-call-ready (On-call engineer"
                + " online); send cutover confirm t dns-ttl-lowered (and so for each)");
    Command.Notify page = h.notes.get(h.notes.size() - 1);
    assertThat(page.kind()).isEqualTo(Command.Notify.Kind.CHECKLIST);
    assertThat(page.subject()).isEqualTo("canary");
    assertThat(h.engine.nextWakeAt(h.state)).isEqualTo(Long.MAX_VALUE);

    // Nothing but the tasks moves it on: time alone does not.
    h.advance(Duration.ofDays(1));
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);

    confirm(h, "dns-ttl-lowered", "alice");
    assertThat(h.lastDecision().accepted()).isTrue();
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "confirmed task dns-ttl-lowered (DNS TTL lowered to 60 s) of stage canary, due before"
                + " it starts; 1 more to confirm before it starts");
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    long at = h.now;
    h.signal(Signal.confirm("on-call-ready", "bob", "paged in"));
    assertThat(h.state.displayState()).isEqualTo(State.SOAKING);
    assertThat(h.trafficHistory()).containsExactly(10);
    assertThat(h.state.confirmations())
        .containsExactly(
            new CutoverState.Confirmation("dns-ttl-lowered", "alice", at, null),
            new CutoverState.Confirmation("on-call-ready", "bob", at, "paged in"));
  }

  @Test
  void aStageCompletesOnlyOnceItsTasksAreConfirmedAfterTheSoak() {
    Harness h = started();
    confirm(h, "dns-ttl-lowered", "alice");
    confirm(h, "on-call-ready", "alice");
    long entered = h.now;
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(2));
    assertThat(h.now - entered).isEqualTo(Duration.ofHours(1).toMillis());
    assertThat(h.state.pendingStage()).isNull();
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "stage canary waits for its checklist before it completes: 1 task to confirm:"
                + " status-page-posted (Status page posted); send cutover confirm t"
                + " status-page-posted");
    h.advance(Duration.ofHours(5));
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(h.trafficHistory()).containsExactly(10);

    confirm(h, "status-page-posted", "alice");
    assertThat(h.trafficHistory()).containsExactly(10, 100);
    assertThat(h.state.stage()).isEqualTo(1);
  }

  @Test
  void anApprovalConfirmsNoTaskAndAConfirmApprovesNoStage() {
    Harness h = started();
    h.approve("canary", "alice");
    assertThat(h.lastDecision().accepted()).isFalse();
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "rejected: stage canary waits for its checklist before it starts (an approval"
                + " confirms no task); send confirm for each task, then approve");
    assertThat(h.state.confirmations()).isEmpty();
    confirm(h, "dns-ttl-lowered", "alice");
    confirm(h, "on-call-ready", "alice");
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(2));
    confirm(h, "status-page-posted", "alice");

    // full: its tasks and its approval, each only by its own signal.
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(3));
    h.approve("full", "dave");
    assertThat(h.lastDecision().text())
        .isEqualTo(
            "approved stage full (kept: the stage completes once its checklist is confirmed)");
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(h.state.confirmations())
        .extracting(c -> c.task())
        .doesNotContain("old-pool-drained");
    confirm(h, "old-pool-drained", "dave");
    assertThat(h.state.displayState()).isEqualTo(State.COMPLETED);
  }

  @Test
  void aConfirmAloneLeavesAnApprovalToBeGiven() {
    Harness h = started();
    confirm(h, "dns-ttl-lowered", "alice");
    confirm(h, "on-call-ready", "alice");
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(2));
    confirm(h, "status-page-posted", "alice");
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(3));
    confirm(h, "old-pool-drained", "dave");
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(h.state.progress().approval()).isNull();
    h.approve("full", "dave");
    assertThat(h.state.displayState()).isEqualTo(State.COMPLETED);
  }

  /** A confirm that is refused, and the reason it is recorded with. */
  private record Refused(String task, String why) {}

  @Test
  void refusesUnknownRepeatedEarlyAndLateConfirmsWithTheReasonAndChangesNothing() {
    Harness h = started();
    confirm(h, "dns-ttl-lowered", "alice");
    for (Refused r :
        List.of(
            new Refused(
                "dns-ttl-lowerd",
                "no checklist task \"dns-ttl-lowerd\" is waiting for a confirmation (the plan's"
                    + " tasks: dns-ttl-lowered, on-call-ready, status-page-posted,"
                    + " old-pool-drained)"),
            new Refused(
                "dns-ttl-lowered",
                "task dns-ttl-lowered is already confirmed by alice at 2023-11-14T22:13:20Z"),
            new Refused(
                "status-page-posted",
                "too early: task status-page-posted is due before stage canary completes, and is"
                    + " confirmed once it has started"),
            new Refused(
                "old-pool-drained",
                "too early: task old-pool-drained is due before stage full completes, and is"
                    + " confirmed once it has started"))) {
      CutoverState before = h.state;
      confirm(h, r.task(), "bob");
      assertThat(h.lastDecision().accepted()).as(r.task()).isFalse();
      assertThat(h.lastDecision().text()).as(r.task()).isEqualTo("rejected: " + r.why());
      assertThat(h.lastDecision().by()).isEqualTo("bob");
      assertThat(h.state.confirmations()).isEqualTo(before.confirmations());
      assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    }
    confirm(h, "on-call-ready", "alice");
    h.until(State.AWAITING_CHECKLIST, Duration.ofHours(2));
    confirm(h, "status-page-posted", "alice");
    h.signal(Signal.confirm("on-call-ready", "bob", null));
    assertThat(h.lastDecision().text())
        .startsWith("rejected: task on-call-ready is already confirmed by alice");
    assertThat(h.state.stage()).isEqualTo(1);
  }

  @Test
  void aTaskDueBeforeALaterStageMayBeConfirmedEarlyAndThatStageThenDoesNotWait() {
    Harness h =
        EngineTest.healthy(
                EngineTest.HEADER
                    + """
      stages:
        - { name: canary, percent: 10, soak: 1h }
        - name: full
          percent: 100
          soak: 1h
          checklist:
            beforeStart: [{ id: ttl, text: "DNS TTL lowered" }]
      """)
            .start();
    assertThat(h.state.displayState()).isEqualTo(State.SOAKING);
    confirm(h, "ttl", "alice");
    assertThat(h.lastDecision().accepted()).isTrue();
    h.until(State.COMPLETED, Duration.ofHours(3));
    assertThat(h.state.decisions())
        .extracting(CutoverState.Decision::action)
        .doesNotContain("await-checklist");
  }

  @Test
  void aRetryStartsOverAndEveryTaskIsConfirmedAgain() {
    Harness h = started();
    confirm(h, "dns-ttl-lowered", "alice");
    confirm(h, "on-call-ready", "alice");
    h.signal(Signal.of("abort", "alice", "smoke test failed"));
    h.until(State.ROLLED_BACK, Duration.ofMinutes(10));
    confirm(h, "status-page-posted", "alice");
    assertThat(h.lastDecision().text())
        .isEqualTo("rejected: no checklist task is waiting while the cutover is ROLLED_BACK");

    h.signal(Signal.of("retry", "alice", null));
    assertThat(h.state.displayState()).isEqualTo(State.AWAITING_CHECKLIST);
    assertThat(h.state.confirmations()).isEmpty();
    assertThat(h.trafficHistory()).containsExactly(10, 0);
  }

  @Test
  void statusShowsEachTaskOfTheCurrentAndNextStageWithTheCommandThatConfirmsIt() {
    Harness h = started();
    confirm(h, "dns-ttl-lowered", "alice");
    Status s = Status.of(h.engine, h.state, h.now);
    assertThat(s.checklist())
        .containsExactly(
            new Status.TaskView(
                "dns-ttl-lowered",
                "DNS TTL lowered to 60 s",
                "canary",
                "beforeStart",
                false,
                null,
                "alice",
                h.now,
                null),
            new Status.TaskView(
                "on-call-ready",
                "On-call engineer online",
                "canary",
                "beforeStart",
                true,
                "cutover confirm t on-call-ready",
                null,
                null,
                null));
    confirm(h, "on-call-ready", "alice");
    s = Status.of(h.engine, h.state, h.now);
    assertThat(s.checklist())
        .extracting(Status.TaskView::id, Status.TaskView::waiting)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("status-page-posted", false));
  }

  @Test
  void confirmationsTravelInTheStateJsonAndAStateWithoutThemWritesNone() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Harness h = started();
    assertThat(json.writeValueAsString(h.state)).doesNotContain("confirmations");
    confirm(h, "dns-ttl-lowered", "alice");
    String written = json.writeValueAsString(h.state);
    assertThat(written).contains("\"confirmations\":[{\"task\":\"dns-ttl-lowered\"");
    CutoverState read = json.readValue(written, CutoverState.class);
    assertThat(read.confirmations()).isEqualTo(h.state.confirmations());
    assertThat(json.writeValueAsString(read)).isEqualTo(written);
  }
}
