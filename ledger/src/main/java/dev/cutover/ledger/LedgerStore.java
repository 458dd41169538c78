package dev.cutover.ledger;

import dev.cutover.workflows.LedgerBatch;
import dev.cutover.workflows.LedgerEntry;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes batches to the ledger, one transaction per batch. Every insert is {@code ON CONFLICT DO
 * NOTHING} on the record's natural key (run id, seq), so writing a batch again, after a retry, a
 * replay or a worker restart, leaves one row per record.
 */
public final class LedgerStore {
  private final Jdbi jdbi;

  public LedgerStore(DataSource dataSource) {
    this.jdbi = Jdbi.create(dataSource);
    // One set of bindings serves every table; each statement uses the ones it names.
    jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setUnusedBindingAllowed(true);
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /** Writes {@code batch} in one transaction; throws if the database cannot be reached. */
  public void write(LedgerBatch batch) {
    jdbi.useTransaction(h -> write(h, batch));
  }

  private static void write(Handle h, LedgerBatch b) {
    h.createUpdate(
            "INSERT INTO cutovers (workflow_id, first_run_id, plan, started_by, started_at)"
                + " VALUES (:w, :f, :plan, :by, :at) ON CONFLICT DO NOTHING")
        .bind("w", b.workflowId())
        .bind("f", b.firstRunId())
        .bind("plan", b.plan())
        .bind("by", b.startedBy())
        .bind("at", ts(b.startedAt()))
        .execute();
    long firstSeen = b.entries().stream().mapToLong(LedgerEntry::at).min().orElse(b.startedAt());
    h.createUpdate(
            "INSERT INTO runs (run_id, workflow_id, first_run_id, first_seen_at)"
                + " VALUES (:r, :w, :f, :at) ON CONFLICT (run_id) DO UPDATE SET first_seen_at ="
                + " LEAST(runs.first_seen_at, EXCLUDED.first_seen_at)")
        .bind("r", b.runId())
        .bind("w", b.workflowId())
        .bind("f", b.firstRunId())
        .bind("at", ts(firstSeen))
        .execute();
    insert(
        h, b, "STAGE", "stage_transitions", "stage, phase, percent", ":stage, :subject, :percent");
    insert(
        h,
        b,
        "MEASUREMENT",
        "measurements",
        "stage, rule_id, role, check_name, value, outcome, threshold, reason",
        ":stage, :detail, :by, :subject, :value, :outcome, :threshold, :text");
    insert(
        h,
        b,
        "DECISION",
        "decisions",
        "stage, by_whom, action, accepted, reason",
        ":stage, :by, :subject, :ok, :text");
    insert(
        h,
        b,
        "EFFECT",
        "effects",
        "stage, step, idempotency_key, ok, result",
        ":stage, :subject, :threshold, :ok, :text");
    insert(
        h,
        b,
        "INCIDENT",
        "incidents",
        "stage, kind, subject, text",
        ":stage, :subject, :detail, :text");
    insert(
        h,
        b,
        "HOLD",
        "holds",
        "event, kind, subject, by_whom, reason",
        ":detail, :subject, :threshold, :by, :text");
    insert(h, b, "NOTIFICATION", "notifications", "level, text", ":subject, :text");
  }

  private static void insert(
      Handle h, LedgerBatch b, String kind, String table, String columns, String values) {
    List<LedgerEntry> entries = b.entries().stream().filter(e -> kind.equals(e.kind())).toList();
    if (entries.isEmpty()) {
      return;
    }
    PreparedBatch batch =
        h.prepareBatch(
            "INSERT INTO "
                + table
                + " (run_id, seq, at, "
                + columns
                + ") VALUES (:run, :seq, :at, "
                + values
                + ") ON CONFLICT DO NOTHING");
    for (LedgerEntry e : entries) {
      batch
          .bind("run", b.runId())
          .bind("seq", e.seq())
          .bind("at", ts(e.at()))
          .bind("stage", e.stage())
          .bind("subject", e.subject())
          .bind("detail", e.detail())
          .bind("by", e.by())
          .bind("ok", e.ok() == null ? Boolean.TRUE : e.ok())
          .bind("value", e.value())
          .bind("percent", e.value() == null ? null : (Integer) e.value().intValue())
          .bind("outcome", e.outcome())
          .bind("threshold", e.threshold())
          .bind("text", e.text() == null ? "" : e.text())
          .add();
    }
    batch.execute();
  }

  private static Timestamp ts(long millis) {
    return Timestamp.from(Instant.ofEpochMilli(millis));
  }
}
