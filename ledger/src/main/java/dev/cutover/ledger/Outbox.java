package dev.cutover.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.workflows.LedgerBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Batches not yet written to the ledger, one file each in a directory on the worker's disk: put
 * durably (written, synced, then renamed into place) before the activity returns, taken oldest
 * first, deleted once written. It survives a worker restart; a batch put twice is harmless (the
 * ledger keeps one row per record).
 */
final class Outbox {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUFFIX = ".json";

  private final Path dir;
  private final AtomicLong counter = new AtomicLong();

  Outbox(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the ledger outbox " + dir, e);
    }
  }

  Path dir() {
    return dir;
  }

  /** Keeps {@code batch} until it is written; returns once it is on disk. */
  void put(LedgerBatch batch) throws IOException {
    String name =
        String.format(
            java.util.Locale.ROOT,
            "%020d-%06d-%s",
            System.currentTimeMillis(),
            counter.incrementAndGet() % 1_000_000,
            java.util.UUID.randomUUID());
    Path tmp = dir.resolve(name + ".tmp");
    byte[] bytes = JSON.writeValueAsBytes(batch);
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
  }

  /** The batches waiting, oldest first. */
  List<Path> waiting() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
  }

  static LedgerBatch read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), LedgerBatch.class);
  }

  static void done(Path file) throws IOException {
    Files.deleteIfExists(file);
  }
}
