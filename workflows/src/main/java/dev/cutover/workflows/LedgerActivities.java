package dev.cutover.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Where a cutover's records go (activity type {@code RecordLedger}). The contract: returns within
 * milliseconds whatever the ledger's database is doing (the worker keeps the batch in a durable
 * outbox and writes it when it can), and writing the same batch twice leaves one row per record. A
 * worker without a ledger drops the batch ({@link #NONE}).
 */
@ActivityInterface
public interface LedgerActivities {
  @ActivityMethod(name = "RecordLedger")
  void record(LedgerBatch batch);

  /** No ledger: records are dropped. */
  LedgerActivities NONE = new Dropped();

  /** What {@link #NONE} is. */
  final class Dropped implements LedgerActivities {
    private Dropped() {}

    @Override
    public void record(LedgerBatch batch) {}
  }
}
