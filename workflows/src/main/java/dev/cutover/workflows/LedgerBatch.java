package dev.cutover.workflows;

import java.util.List;

/**
 * Records of one cutover run for the ledger, sent by the workflow without waiting ({@link
 * LedgerActivities#record}).
 *
 * @param workflowId the cutover's workflow id
 * @param firstRunId the first run of its chain (with the workflow id: which cutover)
 * @param runId the run that made these records
 */
public record LedgerBatch(
    String workflowId,
    String firstRunId,
    String runId,
    String plan,
    String startedBy,
    long startedAt,
    List<LedgerEntry> entries) {
  public LedgerBatch {
    entries = List.copyOf(entries);
  }
}
