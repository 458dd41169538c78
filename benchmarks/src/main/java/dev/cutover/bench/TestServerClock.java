package dev.cutover.bench;

import dev.cutover.testing.TimeSkippingServer;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.testservice.v1.TestServiceGrpc;
import io.temporal.api.testservice.v1.UnlockTimeSkippingRequest;
import java.util.List;

/**
 * Works around a clock the in-memory test server (temporal-testing 1.38) never gives back: it holds
 * time skipping while an activity is open and releases it when the activity closes, but an activity
 * of a run that continued as new never closes there. One such activity and time no longer skips:
 * the cutover runs on at wall-clock pace (one 1-minute watch a minute), which is the "six-weeks
 * benchmark stopped advancing" of issue 15. A cutover continues as new with measurements,
 * notifications or a ledger batch in flight once its history is overdue (the next run asks again),
 * so a long benchmark meets it. After each continue-as-new, this gives back one hold for each
 * activity the closed run left open. Only for the bench's own in-memory server: the real service
 * has no such hold.
 */
final class TestServerClock {
  private final Server server;
  private final TestServiceGrpc.TestServiceBlockingStub test;
  private String runId;
  private int released;

  TestServerClock(Server server) {
    this.server = server;
    this.test = TestServiceGrpc.newBlockingStub(server.service.getRawChannel());
  }

  /**
   * Called with the current run of {@code workflowId}: for each run closed since the last call,
   * releases one hold per activity it left open. Returns how many it released this time.
   */
  int releaseLeftOpen(String workflowId, String currentRunId) {
    if (runId == null || runId.equals(currentRunId)) {
      runId = currentRunId;
      return 0;
    }
    int n = 0;
    String run = currentRunId;
    // Walk back from the current run to the one seen last; each closed run in between counts.
    for (int guard = 0; guard < 100 && !run.equals(runId); guard++) {
      List<HistoryEvent> h = server.history(workflowId, run);
      String previous =
          h.isEmpty()
              ? ""
              : h.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        break;
      }
      n += TimeSkippingServer.activitiesOpenAtEnd(server.history(workflowId, previous)).size();
      run = previous;
    }
    runId = currentRunId;
    for (int i = 0; i < n; i++) {
      test.unlockTimeSkipping(UnlockTimeSkippingRequest.getDefaultInstance());
    }
    released += n;
    return n;
  }

  /** Holds released so far. */
  int released() {
    return released;
  }
}
