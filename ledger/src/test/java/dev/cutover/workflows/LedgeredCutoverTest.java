package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import dev.cutover.ledger.LedgerDb;
import dev.cutover.ledger.LedgerSettings;
import dev.cutover.ledger.LedgerWriter;
import dev.cutover.ledger.Outage;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cutovers run by the real workflow (time-skipping test server, a fake world) with their records
 * going through the worker's outbox into a real PostgreSQL ledger.
 */
class LedgeredCutoverTest {
  @TempDir Path outbox;

  /** In the order it happened, across the runs continue-as-new made. */
  static final String IN_ORDER = " JOIN runs USING (run_id) ORDER BY at, first_seen_at, seq";

  /** The time-skipping server with the workflow, {@code world} and {@code ledger} registered. */
  static final class Env implements AutoCloseable {
    final TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    final WorkflowClient client;

    Env(FakeWorld world, LedgerActivities ledger) {
      this(world, ledger, world);
    }

    /** With {@code activities} as the worker's activities ({@code world} may be null then). */
    Env(FakeWorld world, LedgerActivities ledger, CutoverActivities activities) {
      env.registerSearchAttribute("CutoverPlan", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute("CutoverStage", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute("CutoverState", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      env.registerSearchAttribute("CutoverPercent", IndexedValueType.INDEXED_VALUE_TYPE_INT);
      Worker worker = env.newWorker(Tw.QUEUE);
      CutoverWorkflowImpl.register(
          worker, env.getWorkflowClient().getWorkflowServiceStubs(), ledger);
      worker.registerActivitiesImplementations(activities);
      client = env.getWorkflowClient();
      env.start();
    }

    CutoverWorkflow start(String yaml, String by) {
      var plan = Tw.plan(yaml);
      String id = "cutover-" + plan.path("name").asText();
      CutoverWorkflow wf =
          client.newWorkflowStub(
              CutoverWorkflow.class,
              WorkflowOptions.newBuilder().setTaskQueue(Tw.QUEUE).setWorkflowId(id).build());
      WorkflowClient.start(wf::run, CutoverInput.start(plan, by));
      return client.newWorkflowStub(CutoverWorkflow.class, id);
    }

    @Override
    public void close() {
      env.close();
    }
  }

  @Test
  void aCutoverWithARollbackAndApprovalsLeavesTheRowsAPersonWouldExpect() throws Exception {
    FakeWorld world = CutoverWorkflowTest.healthy();
    try (LedgerDb db = new LedgerDb();
        LedgerWriter writer = LedgerWriter.start(db.settings(outbox));
        Env env = new Env(world, writer)) {
      CutoverWorkflow wf = env.start(CutoverWorkflowTest.PLAN, "carol");
      env.env.sleep(Duration.ofHours(2));
      wf.approve(CutoverWorkflowTest.approval("canary", "eve")); // not an approver
      env.env.sleep(Duration.ofHours(22));
      wf.approve(CutoverWorkflowTest.approval("canary", "alice"));
      env.env.sleep(Duration.ofHours(5));
      world.value("errors", 0.3);
      env.env.sleep(Duration.ofHours(1));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
      wf.abandon(CutoverWorkflowTest.by("dave"));
      Status end = WorkflowStub.fromTyped(wf).getResult(Status.class);
      assertThat(end.state()).isEqualTo("ABANDONED");
      assertThat(writer.awaitDrained(30_000)).isTrue();

      Jdbi j = db.jdbi();
      assertThat(rows(j, "SELECT plan || ' by ' || started_by FROM cutovers"))
          .containsExactly("shop by carol");
      assertThat(
              rows(
                  j,
                  "SELECT approver || ' ' || stage || ' ' || accepted FROM approvals_by_person"
                      + " ORDER BY at"))
          .containsExactly("eve canary false", "alice canary true");
      Map<String, Object> rollback =
          j.withHandle(h -> h.createQuery("SELECT * FROM rollbacks_with_cause").mapToMap().one());
      assertThat(rollback)
          .containsEntry("stage", "half")
          .containsEntry("failing_check", "errors")
          .containsEntry("failing_value", 0.3)
          .containsEntry("failing_threshold", "< 0.05");
      assertThat((String) rollback.get("cause")).contains("errors");
      assertThat(rows(j, "SELECT step || ' ' || ok FROM effects" + IN_ORDER))
          .containsExactly("traffic 10% true", "traffic 50% true", "traffic 0% true");
      assertThat(
              rows(
                  j,
                  "SELECT DISTINCT check_name || ' ' || role || ' ' || threshold FROM measurements"
                      + " ORDER BY 1"))
          .containsExactly("errors watch < 0.05", "ok_rate gate >= 95");
      assertThat(
              count(
                  j,
                  "SELECT count(*) FROM measurements WHERE check_name = 'errors'"
                      + " AND outcome = 'FAIL'"))
          .isBetween(1L, 4L);
      assertThat(rows(j, "SELECT phase FROM stage_transitions" + IN_ORDER))
          .containsExactly(
              "APPLYING",
              "SOAKING",
              "APPLYING",
              "SOAKING",
              "ROLLING_BACK",
              "ROLLED_BACK",
              "ABANDONED");
      assertThat(rows(j, "SELECT by_whom || ' ' || action FROM decisions" + IN_ORDER))
          .contains("dave abandon");
      assertNoGapsAndNoDoubles(j);
    }
  }

  @Test
  void theLedgerDatabaseGoneMidSoakLosesNothingDoublesNothingAndTheCutoverNeverWaits()
      throws Exception {
    FakeWorld world = CutoverWorkflowTest.healthy();
    try (LedgerDb db = new LedgerDb()) {
      URI pg = URI.create(db.url.substring("jdbc:".length()));
      try (Outage outage = new Outage(pg.getHost(), pg.getPort());
          LedgerWriter writer =
              LedgerWriter.start(
                  new LedgerSettings(db.urlThrough(outage.port()), db.user, db.password, outbox));
          Env env = new Env(world, writer)) {
        CutoverWorkflow wf = env.start(CutoverWorkflowTest.PLAN, "carol");
        env.env.sleep(Duration.ofHours(3));
        assertThat(writer.awaitDrained(30_000)).isTrue();
        long before = writer.written();

        outage.cut(); // mid-soak of the canary
        env.env.sleep(Duration.ofHours(21));
        long t0 = System.nanoTime();
        wf.approve(CutoverWorkflowTest.approval("canary", "alice"));
        awaitPercent(wf, 50);
        long approveMillis = (System.nanoTime() - t0) / 1_000_000;
        env.env.sleep(Duration.ofHours(2));
        t0 = System.nanoTime();
        wf.abort(CutoverWorkflowTest.by("dave"));
        while (!wf.status().state().equals("ROLLED_BACK")) {
          Thread.sleep(10);
        }
        long abortMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(
            "ledger down: approve -> 50%% in %d ms, abort -> ROLLED_BACK in %d ms (wall clock)%n",
            approveMillis, abortMillis);
        assertThat(approveMillis).as("approval to 50%% with the ledger down").isLessThan(1000);
        assertThat(abortMillis).as("abort to rolled back with the ledger down").isLessThan(1000);
        assertThat(writer.written())
            .as("nothing reached the ledger while it was down")
            .isEqualTo(before);
        assertThat(writer.waiting()).as("batches kept in the outbox").isPositive();

        outage.restore();
        wf.abandon(CutoverWorkflowTest.by("dave"));
        WorkflowStub.fromTyped(wf).getResult(Status.class);
        assertThat(writer.awaitDrained(60_000)).isTrue();
        Jdbi j = db.jdbi();
        assertNoGapsAndNoDoubles(j);
        assertThat(rows(j, "SELECT by_whom || ' ' || action || ' ' || accepted FROM decisions"))
            .contains("alice approve true", "dave rollback true", "dave abandon true");
        assertThat(rows(j, "SELECT step FROM effects" + IN_ORDER))
            .containsExactly("traffic 10%", "traffic 50%", "traffic 0%");
        // Every 10-minute watch measurement of the day, the outage's included.
        assertThat(count(j, "SELECT count(*) FROM measurements WHERE check_name = 'errors'"))
            .isGreaterThanOrEqualTo(26 * 6L);
        assertThat(rows(j, "SELECT phase FROM stage_transitions" + IN_ORDER)).endsWith("ABANDONED");
      }
    }
  }

  private static void awaitPercent(CutoverWorkflow wf, int percent) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!Integer.valueOf(percent).equals(wf.status().percent())
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
  }

  /** Every run's records are numbered 1..n: a gap is a lost record, a key forbids a double. */
  static void assertNoGapsAndNoDoubles(Jdbi j) {
    String all =
        "SELECT run_id, seq FROM stage_transitions UNION ALL SELECT run_id, seq FROM measurements"
            + " UNION ALL SELECT run_id, seq FROM decisions UNION ALL SELECT run_id, seq FROM effects"
            + " UNION ALL SELECT run_id, seq FROM incidents UNION ALL SELECT run_id, seq FROM holds"
            + " UNION ALL SELECT run_id, seq FROM notifications";
    List<Map<String, Object>> runs =
        j.withHandle(
            h ->
                h.createQuery(
                        "SELECT run_id, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo,"
                            + " max(seq) AS hi FROM ("
                            + all
                            + ") x GROUP BY run_id")
                    .mapToMap()
                    .list());
    assertThat(runs).isNotEmpty();
    for (Map<String, Object> r : runs) {
      assertThat(r.get("n")).as("rows of %s", r.get("run_id")).isEqualTo(r.get("d"));
      assertThat(r.get("lo")).isEqualTo(1L);
      assertThat(r.get("hi")).as("highest seq = rows").isEqualTo(r.get("n"));
    }
  }

  static long count(Jdbi j, String sql) {
    return j.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  static List<String> rows(Jdbi j, String sql) {
    return j.withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
  }
}
