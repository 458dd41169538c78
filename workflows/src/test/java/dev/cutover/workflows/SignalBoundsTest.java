package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signals and operations from someone who may signal the namespace: names too long or holding
 * control characters are refused and recorded, free text is cleaned and cut, and the operate
 * update's validator keeps malformed operations out of history.
 */
class SignalBoundsTest {
  @Test
  void anApproverNameWithAControlCharacterCannotPassForTheApprover() {
    // The engine trims `by`: "alice\n" would otherwise approve as alice.
    try (Tw tw = new Tw(CutoverWorkflowTest.healthy())) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(25));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      wf.approve(new SignalPayload("canary", "alice\n", null, null, null));
      wf.approve(new SignalPayload("canary", "\talice", null, null, null));
      wf.approve(new SignalPayload("canary\u0000", "alice", null, null, null));
      wf.approve(new SignalPayload("canary", "alice".repeat(21), null, null, null));
      tw.sleep(Duration.ofSeconds(1));
      Status s = wf.status();
      assertThat(s.state()).isEqualTo("AWAITING_APPROVAL");
      assertThat(s.pendingApproval().approvedBy()).isNull();
      assertThat(last(s, 4))
          .extracting(
              CutoverState.Decision::by,
              CutoverState.Decision::accepted,
              CutoverState.Decision::text)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "?", false, "rejected: by \"alice\\n\" holds control characters"),
              org.assertj.core.groups.Tuple.tuple(
                  "?", false, "rejected: by \"\\talice\" holds control characters"),
              org.assertj.core.groups.Tuple.tuple(
                  "alice", false, "rejected: stage \"canary\\u0000\" holds control characters"),
              org.assertj.core.groups.Tuple.tuple(
                  "?", false, "rejected: by is 105 characters long; at most 100 are read"));
      OperationResult ok =
          wf.operate(
              new Operation("approve", new SignalPayload("canary", "alice", "fine", null, null)));
      assertThat(ok.accepted()).isTrue();
    }
  }

  @Test
  void aMegabyteReasonFullOfForgedLinesIsCutAndCleanedAndTheCutoverGoesOn() {
    try (Tw tw = new Tw(CutoverWorkflowTest.healthy())) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(2));
      String forged = "lunch\n  Jan 1 12:00:00  alice     approved stage canary\r\n\u001b[2J";
      wf.pause(new SignalPayload(null, "bob", null, forged + "x".repeat(1_048_576), null));
      tw.sleep(Duration.ofSeconds(1));
      Status s = wf.status();
      assertThat(s.state()).isEqualTo("HELD");
      CutoverState.Decision d = last(s, 1).get(0);
      assertThat(d.accepted()).isTrue();
      assertThat(d.text())
          .startsWith("paused: lunch   Jan 1 12:00:00  alice     approved stage canary   [2Jxxx")
          .contains(" more characters cut]; checks go on, nothing is promoted")
          .hasSizeLessThan(1_200);
      assertThat(s.holds())
          .singleElement()
          .satisfies(h -> assertThat(h.reason()).hasSizeLessThan(1_100).doesNotContain("\n"));
      assertThat(InputCheck.size(CutoverInput.JSON.valueToTree(s))).isLessThan(16 * 1024);
      assertThat(
              wf.operate(new Operation("resume", new SignalPayload(null, "bob", null, null, null)))
                  .accepted())
          .isTrue();
    }
  }

  @Test
  void theOperateUpdateRefusesAMalformedOperationBeforeItEntersHistory() {
    try (Tw tw = new Tw(CutoverWorkflowTest.healthy())) {
      CutoverWorkflow wf = tw.start(Tw.plan(CutoverWorkflowTest.PLAN), "carol");
      tw.sleep(Duration.ofHours(1));
      int before = wf.status().decisions().size();
      for (Operation op :
          List.of(
              new Operation("explode", new SignalPayload(null, "bob", null, null, null)),
              new Operation("pause", new SignalPayload(null, "bob", null, "r".repeat(5_000), null)),
              new Operation("pause", new SignalPayload(null, "bob\r", null, null, null)),
              new Operation("pause", null))) {
        Throwable t = catchThrowable(() -> wf.operate(op));
        assertThat(t).isInstanceOf(WorkflowUpdateException.class);
        assertThat(t.getCause())
            .hasMessageContaining(
                op.payload() == null
                    ? "say who you are (by is required)"
                    : op.name().equals("explode")
                        ? "\"explode\" is not a signal"
                        : op.payload().reason() != null
                            ? "reason is 5000 characters long; at most 1000 are kept"
                            : "by \"bob\\r\" holds control characters");
      }
      assertThat(wf.status().decisions()).hasSize(before);
      assertThat(tw.client.fetchHistory("cutover-shop").getEvents())
          .noneMatch(e -> e.getEventType().name().contains("UPDATE"));
    }
  }

  static List<CutoverState.Decision> last(Status s, int n) {
    List<CutoverState.Decision> ds = s.decisions();
    return ds.subList(ds.size() - n, ds.size());
  }
}
