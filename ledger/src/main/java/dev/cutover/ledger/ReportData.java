package dev.cutover.ledger;

import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Everything {@code cutover report} shows of one cutover, read from the ledger: the newest cutover
 * with the given workflow id (or plan name), across all its runs.
 */
public record ReportData(
    Map<String, Object> cutover,
    List<Map<String, Object>> transitions,
    List<Map<String, Object>> measurements,
    List<Map<String, Object>> decisions,
    List<Map<String, Object>> effects,
    List<Map<String, Object>> incidents,
    List<Map<String, Object>> holds,
    List<Map<String, Object>> rollbacks) {

  /** The cutover {@code id} names (a workflow id, or a plan name), if the ledger has it. */
  public static Optional<ReportData> load(Jdbi jdbi, String id) {
    return jdbi.withHandle(h -> load(h, id));
  }

  private static Optional<ReportData> load(Handle h, String id) {
    Optional<Map<String, Object>> cutover =
        h.createQuery(
                "SELECT workflow_id, first_run_id, plan, started_by, started_at FROM cutovers"
                    + " WHERE workflow_id = :id OR workflow_id = 'cutover-' || :id OR plan = :id"
                    + " ORDER BY started_at DESC LIMIT 1")
            .bind("id", id)
            .mapToMap()
            .findFirst();
    if (cutover.isEmpty()) {
      return Optional.empty();
    }
    String w = (String) cutover.get().get("workflow_id");
    String f = (String) cutover.get().get("first_run_id");
    return Optional.of(
        new ReportData(
            millis(cutover.get()),
            rows(h, "stage_transitions", "stage, phase, percent", w, f),
            rows(
                h,
                "measurements",
                "stage, rule_id, role, check_name, value, outcome, threshold, reason",
                w,
                f),
            rows(h, "decisions", "stage, by_whom, action, accepted, reason", w, f),
            rows(h, "effects", "stage, step, idempotency_key, ok, result", w, f),
            rows(h, "incidents", "stage, kind, subject, text", w, f),
            rows(h, "holds", "event, kind, subject, by_whom, reason", w, f),
            h.createQuery(
                    "SELECT at, stage, scope, cause, started_by, failing_check, failing_value,"
                        + " failing_threshold FROM rollbacks_with_cause WHERE workflow_id = :w AND"
                        + " first_run_id = :f ORDER BY at")
                .bind("w", w)
                .bind("f", f)
                .mapToMap()
                .map(ReportData::millis)
                .list()));
  }

  private static List<Map<String, Object>> rows(
      Handle h, String table, String columns, String w, String f) {
    return h.createQuery(
            "SELECT t.at, "
                + columns
                + " FROM "
                + table
                + " t JOIN runs r ON r.run_id = t.run_id WHERE r.workflow_id = :w AND"
                + " r.first_run_id = :f ORDER BY t.at, r.first_seen_at, t.seq")
        .bind("w", w)
        .bind("f", f)
        .mapToMap()
        .map(ReportData::millis)
        .list();
  }

  /** Timestamps as epoch milliseconds, as the report's charts take them. */
  private static Map<String, Object> millis(Map<String, Object> row) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    row.forEach((k, v) -> out.put(k, v instanceof Timestamp t ? (Object) t.getTime() : v));
    return out;
  }
}
