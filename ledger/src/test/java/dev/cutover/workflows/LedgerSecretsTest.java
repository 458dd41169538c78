package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.activities.ActivitySettings;
import dev.cutover.activities.CutoverActivitiesImpl;
import dev.cutover.engine.Status;
import dev.cutover.ledger.LedgerDb;
import dev.cutover.ledger.LedgerWriter;
import io.temporal.client.WorkflowStub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cutover run by the real worker activities with two secrets in play (the database password its
 * SQL checks connect with, and a flag API token that the flag service echoes back in every answer
 * and error): neither is found anywhere in a dump of the ledger.
 */
class LedgerSecretsTest {
  @TempDir Path outbox;

  @Test
  void aKnownSecretIsFoundZeroTimesInADumpOfTheLedger() throws Exception {
    String token = "tok-" + UUID.randomUUID();
    List<String> seen = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean failedOnce =
        new java.util.concurrent.atomic.AtomicBoolean();
    HttpServer flags =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    flags.createContext(
        "/",
        ex -> {
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          seen.add(auth);
          byte[] body =
              ("{\"ok\":true,\"echo\":\"" + auth + "\"}").getBytes(StandardCharsets.UTF_8);
          // The rollback's write fails once, echoing the token in its error.
          boolean rollback =
              new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                  .contains("\"value\": 0}");
          int code = rollback && failedOnce.compareAndSet(false, true) ? 500 : 200;
          ex.sendResponseHeaders(code, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    flags.start();
    // The checks connect as a read-only role (the worker refuses a superuser) whose password is
    // the second secret.
    String reader = "reader_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String password = "pw-" + UUID.randomUUID();
    try (LedgerDb db = new LedgerDb()) {
      db.admin("CREATE ROLE " + reader + " LOGIN PASSWORD '" + password + "'");
      db.jdbi()
          .useHandle(
              h -> {
                // Beside the ledger, in a schema of its own (the ledger's is public).
                h.execute("CREATE SCHEMA app");
                h.execute("CREATE TABLE app.knob (value double precision)");
                h.execute("INSERT INTO app.knob VALUES (0.01)");
                h.execute("GRANT USAGE ON SCHEMA app TO " + reader);
                h.execute("GRANT SELECT ON app.knob TO " + reader);
              });
      String plan =
          """
          version: 1
          name: shop
          connections:
            flags:
              http: "http://127.0.0.1:%d"
              headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" }
            db: { postgres: "%s", user: "%s", password: "${env:DB_PASSWORD}" }
          checks:
            ok_rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
            errors: { sql: db, query: "SELECT value FROM app.knob", pass: "< 0.05" }
          traffic:
            set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
          approvals: { approvers: [alice, bob], fourEyes: true }
          stages:
            - { name: canary, percent: 10, soak: 2h, every: 30m, gates: [ok_rate], approval: true }
            - { name: half, percent: 50, soak: 4h, every: 30m, gates: [ok_rate] }
          watch:
            - { check: errors, every: 10m, for: 20m }
          """
              .formatted(flags.getAddress().getPort(), db.url, reader);
      Map<String, String> env =
          Map.of(
              "CUTOVER_ALLOWED_HOSTS",
              "127.0.0.1",
              "CUTOVER_ALLOWED_SECRETS",
              "FLAG_TOKEN,DB_PASSWORD",
              "FLAG_TOKEN",
              token,
              "DB_PASSWORD",
              password);
      CutoverActivitiesImpl worker =
          new CutoverActivitiesImpl(ActivitySettings.fromEnvironment(env), Duration.ofMinutes(1));
      try (LedgerWriter writer = LedgerWriter.start(db.settings(outbox));
          LedgeredCutoverTest.Env tw = new LedgeredCutoverTest.Env(null, writer, worker)) {
        CutoverWorkflow wf = tw.start(plan, "carol");
        tw.env.sleep(Duration.ofHours(3));
        wf.approve(CutoverWorkflowTest.approval("canary", "alice"));
        tw.env.sleep(Duration.ofHours(1));
        db.jdbi().useHandle(h -> h.execute("UPDATE app.knob SET value = 0.3"));
        tw.env.sleep(Duration.ofHours(1));
        Status rolled = wf.status();
        assertThat(rolled.state()).as("%s", rolled).isEqualTo("ROLLED_BACK");
        wf.abandon(CutoverWorkflowTest.by("dave"));
        assertThat(WorkflowStub.fromTyped(wf).getResult(Status.class).state())
            .isEqualTo("ABANDONED");
        assertThat(writer.awaitDrained(30_000)).isTrue();
      } finally {
        worker.close();
      }
      assertThat(seen).as("the flag service was called with the token").contains("Bearer " + token);

      String dump = dump(db.jdbi());
      assertThat(dump).contains("traffic 10%", "traffic 50%", "traffic 0%", "errors", "alice");
      assertThat(occurrences(dump, token)).isZero();
      assertThat(occurrences(dump, password)).isZero();
      assertThat(occurrences(dump, db.password)).isZero();
    } finally {
      flags.stop(0);
      try (LedgerDb admin = new LedgerDb()) {
        admin.admin("DROP ROLE IF EXISTS " + reader);
      }
    }
  }

  /** Every row of every table of the ledger's schema, as JSON text. */
  static String dump(Jdbi j) {
    return j.withHandle(
        h -> {
          StringBuilder out = new StringBuilder();
          for (String table :
              h.createQuery(
                      "SELECT table_name FROM information_schema.tables WHERE table_schema ="
                          + " 'public' AND table_type = 'BASE TABLE'")
                  .mapTo(String.class)
                  .list()) {
            h.createQuery("SELECT row_to_json(t)::text FROM " + table + " t")
                .mapTo(String.class)
                .forEach(row -> out.append(table).append(' ').append(row).append('\n'));
          }
          return out.toString();
        });
  }

  static int occurrences(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
