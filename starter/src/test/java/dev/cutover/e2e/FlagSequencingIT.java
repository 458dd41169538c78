package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 004 end to end: two stages of flags, each with several flags and a {@code revert}, applied
 * through the demo target's flag API by a real worker process on the Temporal dev server. The
 * target records every flag write, so the exact sequence of what was set, and in which order it was
 * undone, is asserted as the target saw it.
 */
class FlagSequencingIT {
  @TempDir Path dir;

  static String plan(String name) {
    return """
        version: 1
        name: %s
        connections:
          ops: { http: "${env:DEMO_TARGET_URL}" }
        checks:
          queue_ok:                       # "Any 500 on /operations/queue": full rollback
            http: GET ops:/health
            expect: { status: 200 }
          stale_409_rate:                 # "409 rate > 10%% of writes": undo the write stage only
            http: GET ops:/api/flags/stale-409-rate
            value: "$.value"
            pass: "<= 10"
        flagsApi:
          set: { http: "PUT ops:/api/flags/${flag}", body: '{"value": ${value}}' }
          get: { http: "GET ops:/api/flags/${flag}", value: "$.value" }
        stages:
          - name: read
            flags: { OPS_VIEW_DB_READ: true, OPS_VIEW_QUEUE_SOURCE: db }
            revert: { OPS_VIEW_QUEUE_SOURCE: local }
            soak: 3s
            every: 1s
            gates: [queue_ok]
            approval: true
          - name: write
            flags: { OPS_VIEW_DB_WRITE: true, OPS_VIEW_WRITE_PATH: db }
            revert: { OPS_VIEW_WRITE_PATH: local }
            soak: 20s
            every: 1s
            gates:
              - queue_ok
              - { check: stale_409_rate, rollback: stage }
        watch:
          - { check: queue_ok, every: 1s }
        rollback: { then: hold }
        """
        .formatted(name);
  }

  /** The OPS_VIEW_* writes of this cutover, as the target recorded them: "FLAG=value". */
  static List<String> flagWrites(DemoTarget target) {
    return target.changes().stream()
        .filter(c -> c.kind().equals(Change.FLAG) && c.name().startsWith("OPS_VIEW_"))
        .map(c -> c.name() + "=" + c.value())
        .toList();
  }

  static void setFlag(DemoTarget target, String flag, String json)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(target.baseUrl() + "/api/flags/" + flag))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": " + json + "}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private record Run(DemoTarget target, WorkerProcess worker, Cutover cutover)
      implements AutoCloseable {
    void approve(String stage) {
      cutover
          .client
          .newUntypedWorkflowStub(cutover.id)
          .signal("approve", new SignalPayload(stage, "alice", "ok", null, null));
    }

    void signal(String name) {
      cutover
          .client
          .newUntypedWorkflowStub(cutover.id)
          .signal(name, new SignalPayload(null, "alice", null, "fixed", null));
    }

    Status await(String what, String state, String stage) {
      return cutover.await(
          what,
          Duration.ofSeconds(90),
          s -> s.state().equals(state) && s.stage() != null && s.stage().name().equals(stage));
    }

    @Override
    public void close() throws Exception {
      worker.close();
      cutover.close();
      target.close();
    }
  }

  private Run start(String prefix) throws Exception {
    String address = Services.temporalAddress();
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    DemoTarget target = DemoTarget.start(0);
    WorkerProcess worker = null;
    try {
      setFlag(target, "stale-409-rate", "0");
      worker =
          Workers.start(address, "e2e-" + name, Map.of("DEMO_TARGET_URL", target.baseUrl()), dir);
      Path plan = Plans.write(dir, name, plan(name));
      assertThat(
              Main.execute(
                  "start",
                  plan.toString(),
                  "--by",
                  "carol",
                  "--address",
                  address,
                  "--task-queue",
                  "e2e-" + name))
          .isZero();
      return new Run(target, worker, new Cutover(address, "cutover-" + name));
    } catch (Exception | AssertionError e) {
      if (worker != null) {
        worker.close(); // no worker process outlives a test that failed to start its cutover
      }
      target.close();
      throw e;
    }
  }

  @Test
  void aBreachInTheWriteStageRevertsTheWriteFlagsBeforeTheReadFlags() throws Exception {
    try (Run run = start("flags-all")) {
      run.await("read to await approval", "AWAITING_APPROVAL", "read");
      assertThat(flagWrites(run.target()))
          .containsExactly("OPS_VIEW_DB_READ=true", "OPS_VIEW_QUEUE_SOURCE=\"db\"");
      run.approve("read");
      run.await("write to soak", "SOAKING", "write");

      run.target()
          .setHealthy(false); // a 500 on the queue endpoint: the watch rule rolls everything back
      Status rolledBack = run.cutover().awaitState("ROLLED_BACK", Duration.ofSeconds(60));

      assertThat(flagWrites(run.target()))
          .containsExactly(
              "OPS_VIEW_DB_READ=true", "OPS_VIEW_QUEUE_SOURCE=\"db\"",
              "OPS_VIEW_DB_WRITE=true", "OPS_VIEW_WRITE_PATH=\"db\"",
              "OPS_VIEW_DB_WRITE=false", "OPS_VIEW_WRITE_PATH=\"local\"",
              "OPS_VIEW_DB_READ=false", "OPS_VIEW_QUEUE_SOURCE=\"local\"");
      assertThat(run.target().flags())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "stale-409-rate",
                  "0",
                  "OPS_VIEW_DB_READ",
                  "false",
                  "OPS_VIEW_QUEUE_SOURCE",
                  "\"local\"",
                  "OPS_VIEW_DB_WRITE",
                  "false",
                  "OPS_VIEW_WRITE_PATH",
                  "\"local\""));
      assertThat(rolledBack.rollback().scope().name()).isEqualTo("ALL");
    }
  }

  @Test
  void aStageRollbackUndoesOnlyTheWriteStageHoldsAtReadAndResumeAppliesWriteAgain()
      throws Exception {
    try (Run run = start("flags-stage")) {
      run.await("read to await approval", "AWAITING_APPROVAL", "read");
      run.approve("read");
      run.await("write to soak", "SOAKING", "write");

      setFlag(
          run.target(), "stale-409-rate", "25"); // over 10%: this gate undoes the write stage only
      Status held = run.await("the write stage to be undone", "HELD", "read");

      assertThat(held.holds())
          .extracting(h -> h.kind().name())
          .containsExactly("STAGE_ROLLED_BACK");
      assertThat(flagWrites(run.target()))
          .containsExactly(
              "OPS_VIEW_DB_READ=true", "OPS_VIEW_QUEUE_SOURCE=\"db\"",
              "OPS_VIEW_DB_WRITE=true", "OPS_VIEW_WRITE_PATH=\"db\"",
              "OPS_VIEW_DB_WRITE=false", "OPS_VIEW_WRITE_PATH=\"local\"");
      assertThat(run.target().flags())
          .containsEntry("OPS_VIEW_DB_READ", "true")
          .containsEntry("OPS_VIEW_QUEUE_SOURCE", "\"db\"");

      setFlag(run.target(), "stale-409-rate", "0");
      run.signal("resume"); // soaks read again from zero, and asks for its approval again
      run.await("read to await approval again", "AWAITING_APPROVAL", "read");
      run.approve("read");
      Status done = run.cutover().awaitState("COMPLETED", Duration.ofSeconds(90));

      assertThat(done.stage().name()).isEqualTo("write");
      assertThat(flagWrites(run.target()))
          .containsExactly(
              "OPS_VIEW_DB_READ=true", "OPS_VIEW_QUEUE_SOURCE=\"db\"",
              "OPS_VIEW_DB_WRITE=true", "OPS_VIEW_WRITE_PATH=\"db\"",
              "OPS_VIEW_DB_WRITE=false", "OPS_VIEW_WRITE_PATH=\"local\"",
              "OPS_VIEW_DB_WRITE=true", "OPS_VIEW_WRITE_PATH=\"db\"");
    }
  }
}
