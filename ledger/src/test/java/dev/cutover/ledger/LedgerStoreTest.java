package dev.cutover.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.workflows.LedgerBatch;
import dev.cutover.workflows.LedgerEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LedgerStoreTest {
  static final long T0 = 1_700_000_000_000L;
  static final long HOUR = 3_600_000L;

  static LedgerEntry stage(long seq, long at, String stage, String phase, Integer percent) {
    return new LedgerEntry(
        seq,
        at,
        "STAGE",
        stage,
        phase,
        null,
        null,
        null,
        percent == null ? null : percent.doubleValue(),
        null,
        null,
        null);
  }

  static LedgerEntry measured(
      long seq, long at, String stage, String check, double value, String outcome, String pass) {
    return new LedgerEntry(
        seq,
        at,
        "MEASUREMENT",
        stage,
        check,
        "stages[0].gates[0]",
        "gate",
        null,
        value,
        outcome,
        pass,
        "");
  }

  static LedgerEntry decided(
      long seq, long at, String stage, String by, String action, boolean ok, String why) {
    return new LedgerEntry(seq, at, "DECISION", stage, action, null, by, ok, null, null, null, why);
  }

  static LedgerEntry incident(long seq, long at, String stage, String kind, String text) {
    return new LedgerEntry(
        seq, at, "INCIDENT", stage, kind, "all", null, null, null, null, null, text);
  }

  static LedgerEntry effect(long seq, long at, String stage, String step, String key) {
    return new LedgerEntry(
        seq, at, "EFFECT", stage, step, null, null, true, null, null, key, "done");
  }

  static LedgerBatch batch(String run, List<LedgerEntry> entries) {
    return new LedgerBatch("cutover-shop", "first-1", run, "shop", "carol", T0, entries);
  }

  /**
   * A cutover: canary approved by alice, half rolled back on errors, a rejected approval by eve.
   */
  static final List<LedgerEntry> STORY =
      List.of(
          stage(1, T0, "canary", "APPLYING", 10),
          effect(2, T0 + 1000, "canary", "traffic 10%", null),
          stage(3, T0 + 1000, "canary", "SOAKING", 10),
          measured(4, T0 + HOUR, "canary", "ok_rate", 99, "PASS", ">= 95"),
          decided(5, T0 + 2 * HOUR, "canary", "eve", "approve", false, "eve is not an approver"),
          decided(6, T0 + 24 * HOUR, "canary", "alice", "approve", true, "approved canary"),
          stage(7, T0 + 24 * HOUR, "half", "APPLYING", 50),
          measured(8, T0 + 25 * HOUR, "half", "errors", 0.3, "FAIL", "< 0.05"),
          incident(9, T0 + 26 * HOUR, "half", "rollback", "errors breached: 0.3 is not < 0.05"),
          decided(10, T0 + 26 * HOUR, "half", "engine", "rollback", true, "errors breached"),
          stage(11, T0 + 26 * HOUR, "half", "ROLLED_BACK", 0));

  @Test
  void migratingTwiceAppliesTheSchemaOnceAndChangesNothingTheSecondTime() {
    try (LedgerDb db = new LedgerDb()) {
      var ds = LedgerWriter.dataSource(db.settings(null));
      assertThat(LedgerSchema.migrate(ds)).isEqualTo(1);
      assertThat(LedgerSchema.migrate(ds)).isZero();
      assertThat(db.count("SELECT count(*) FROM ledger_schema_history WHERE success")).isEqualTo(1);
    }
  }

  @Test
  void aBatchWrittenTwiceOrInPiecesAgainLeavesExactlyOneRowPerRecord() {
    try (LedgerDb db = new LedgerDb()) {
      var ds = LedgerWriter.dataSource(db.settings(null));
      LedgerSchema.migrate(ds);
      LedgerStore store = new LedgerStore(ds);
      store.write(batch("run-1", STORY));
      store.write(batch("run-1", STORY)); // a retried activity
      store.write(batch("run-1", STORY.subList(3, 8))); // a replayed part
      Map<String, Long> expected =
          Map.of(
              "stage_transitions", 4L,
              "measurements", 2L,
              "decisions", 3L,
              "incidents", 1L,
              "effects", 1L,
              "cutovers", 1L,
              "runs", 1L);
      expected.forEach(
          (table, rows) ->
              assertThat(db.count("SELECT count(*) FROM " + table)).as(table).isEqualTo(rows));
    }
  }

  @Test
  void theAuditViewsAnswerWhoApprovedWhatWhyItRolledBackAndTheTimeSpentPerStage() {
    try (LedgerDb db = new LedgerDb()) {
      var ds = LedgerWriter.dataSource(db.settings(null));
      LedgerSchema.migrate(ds);
      new LedgerStore(ds).write(batch("run-1", STORY));
      var jdbi = db.jdbi();
      List<String> approvals =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "SELECT approver || ' ' || stage || ' ' || accepted FROM"
                              + " approvals_by_person ORDER BY at")
                      .mapTo(String.class)
                      .list());
      assertThat(approvals).containsExactly("eve canary false", "alice canary true");
      Map<String, Object> rollback =
          jdbi.withHandle(
              h -> h.createQuery("SELECT * FROM rollbacks_with_cause").mapToMap().one());
      assertThat(rollback)
          .containsEntry("plan", "shop")
          .containsEntry("stage", "half")
          .containsEntry("started_by", "engine")
          .containsEntry("failing_check", "errors")
          .containsEntry("failing_value", 0.3)
          .containsEntry("failing_threshold", "< 0.05");
      assertThat((String) rollback.get("cause")).contains("errors breached");
      List<String> spent =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "SELECT stage || ' ' || phase || ' ' ||"
                              + " coalesce(extract(epoch FROM spent)::bigint::text, 'open')"
                              + " FROM time_per_stage ORDER BY entered_at, phase")
                      .mapTo(String.class)
                      .list());
      assertThat(spent)
          .containsExactly(
              "canary APPLYING 1",
              "canary SOAKING 86399",
              "half APPLYING 7200",
              "half ROLLED_BACK open");
    }
  }
}
