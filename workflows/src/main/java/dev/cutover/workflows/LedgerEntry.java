package dev.cutover.workflows;

/**
 * One record for the ledger, numbered by the run that made it ({@code seq}: a replay numbers its
 * records the same way, so the pair run id and seq is the record's natural key). Which fields are
 * set depends on {@code kind}; every text comes from the engine or a redacted reading, never a
 * secret.
 *
 * @param kind STAGE, MEASUREMENT, DECISION, EFFECT, INCIDENT, HOLD, NOTIFICATION
 * @param stage the stage it concerns, if any
 * @param subject STAGE: the phase; MEASUREMENT: the check; DECISION: the action; EFFECT: the step;
 *     INCIDENT: its kind; HOLD: its kind; NOTIFICATION: the level
 * @param detail MEASUREMENT: the rule id; INCIDENT and HOLD: their subject; HOLD: placed or lifted
 * @param by DECISION and HOLD: who; MEASUREMENT: the rule's role (gate, watch, prerequisite...)
 * @param ok DECISION: accepted; EFFECT: done
 * @param value MEASUREMENT: the value; STAGE: the traffic percent
 * @param outcome MEASUREMENT: PASS, FAIL, NO_DATA or ERROR
 * @param threshold MEASUREMENT: the comparison it was judged against; EFFECT: its idempotency key;
 *     HOLD: its subject
 * @param text the reason, result or text
 */
public record LedgerEntry(
    long seq,
    long at,
    String kind,
    String stage,
    String subject,
    String detail,
    String by,
    Boolean ok,
    Double value,
    String outcome,
    String threshold,
    String text) {}
