package dev.cutover.ledger;

import dev.cutover.workflows.LedgerActivities;
import dev.cutover.workflows.LedgerBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the ledger: {@link #record} puts each batch in the {@link Outbox} and
 * returns (milliseconds, whatever the database does); a background thread migrates the schema once,
 * then writes the outbox's batches oldest first and deletes each once written. While the database
 * is down it keeps them and tries again (backing off to {@link #MAX_BACKOFF_MS}), saying so once in
 * the log; when it is back, it writes them all.
 */
public final class LedgerWriter implements LedgerActivities, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
  static final long MAX_BACKOFF_MS = 10_000;

  private final Outbox outbox;
  private final LedgerStore store;
  private final DataSource dataSource;
  private final Object wake = new Object();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean migrated;
  private volatile long written;

  public LedgerWriter(DataSource dataSource, Path outboxDir) {
    this.dataSource = dataSource;
    this.store = new LedgerStore(dataSource);
    this.outbox = new Outbox(outboxDir);
    this.thread = new Thread(this::drainLoop, "ledger-writer");
    thread.setDaemon(true);
  }

  /** A writer for {@code settings}, started. */
  public static LedgerWriter start(LedgerSettings settings) {
    LedgerWriter w = new LedgerWriter(dataSource(settings), settings.outbox());
    w.start();
    return w;
  }

  /** A data source that gives up within seconds: a slow ledger only delays the writer. */
  public static DataSource dataSource(LedgerSettings settings) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(settings.url());
    ds.setUser(settings.user());
    if (settings.password() != null) {
      ds.setPassword(settings.password());
    }
    ds.setConnectTimeout(5);
    ds.setSocketTimeout(30);
    ds.setApplicationName("cutover-worker-ledger");
    return ds;
  }

  public void start() {
    thread.start();
  }

  @Override
  public void record(LedgerBatch batch) {
    try {
      outbox.put(batch);
    } catch (IOException e) {
      // Temporal retries the activity: the batch waits in the workflow, not lost.
      throw new UncheckedIOException("cannot keep a ledger batch in " + outbox.dir(), e);
    }
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /** Batches written so far (for tests and the bench). */
  public long written() {
    return written;
  }

  /** Batches waiting in the outbox. */
  public int waiting() {
    try {
      return outbox.waiting().size();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits up to {@code millis} for the outbox to empty; true if it did. */
  public boolean awaitDrained(long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      if (migrated && waiting() == 0) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return false;
  }

  private void drainLoop() {
    long backoff = 0;
    boolean down = false;
    while (!stopping) {
      try {
        if (!migrated) {
          int ran = LedgerSchema.migrate(dataSource);
          migrated = true;
          log.info("ledger schema is current ({} migrations applied now)", ran);
        }
        List<Path> files = outbox.waiting();
        for (Path f : files) {
          if (stopping) {
            return;
          }
          store.write(Outbox.read(f));
          Outbox.done(f);
          written++;
        }
        if (down) {
          log.info("ledger is back: {} batches written", files.size());
          down = false;
        }
        backoff = 0;
        pause(files.isEmpty() ? 1000 : 0);
      } catch (RuntimeException | IOException e) {
        if (!down) {
          log.warn(
              "ledger unreachable ({}: {}); batches are kept in {} and written when it is back",
              e.getClass().getSimpleName(),
              firstLine(e.getMessage()),
              outbox.dir());
          down = true;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff == 0 ? 500 : backoff * 2);
        pause(backoff);
      }
    }
  }

  /** The first line of a driver's or Flyway's message (they hold no password), bounded. */
  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  private void pause(long millis) {
    if (millis <= 0) {
      return;
    }
    synchronized (wake) {
      try {
        wake.wait(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
    }
  }

  @Override
  public void close() {
    stopping = true;
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
