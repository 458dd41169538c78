package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every released shape of the workflow leaves a history under {@code src/test/resources/histories};
 * the current code must replay each one exactly, or running cutovers would break on upgrade.
 */
class HistoryReplayTest {
  static final Path DIR = Path.of("src", "test", "resources", "histories");

  static Stream<Path> histories() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  /**
   * Replays on a worker whose deadlock detector allows 30 s instead of the SDK's 1 s: on a loaded
   * machine, the first loading of the plan reader's and engine's classes inside a workflow thread
   * can take longer than a second, which says nothing about the workflow's determinism.
   */
  private static TestWorkflowEnvironment env;

  private static Worker replayer;

  @BeforeAll
  static void replayingWorker() {
    env = TestWorkflowEnvironment.newInstance();
    replayer =
        env.newWorker(
            "replay",
            WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
    replayer.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class);
  }

  @AfterAll
  static void closeEnvironment() {
    env.close();
  }

  @Test
  void thereIsAtLeastOneSavedHistory() throws IOException {
    assertThat(histories()).isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void theCurrentWorkflowReplaysEverySavedHistory(Path file) throws Exception {
    // Under its own workflow id: a cutover checks that its id is cutover-<plan name>.
    WorkflowReplayer.replayWorkflowExecution(
        WorkflowExecutionHistory.fromJson(Files.readString(file), "cutover-replayed"), replayer);
  }

  static final String PLAN =
      """
      version: 1
      name: replayed
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
        errors: { sql: db, query: "SELECT 1 AS value", pass: "< 0.05", timeout: 5s }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      flagsApi:
        set: { http: "PUT flags:/flags/${flag}", body: '{"value": ${value}}' }
      approvals: { approvers: [alice] }
      stages:
        - { name: canary, percent: 10, flags: { NEW_UI: true }, soak: 1h, every: 10m, gates: [ok_rate], approval: true }
        - name: full
          percent: 100
          soak: 1h
          every: 20m
          gates: [ok_rate]
          actions: [{ http: "POST flags:/announce", expect: { status: 200 }, undo: { http: "POST flags:/unannounce" } }]
      watch:
        - { check: errors, every: 5m, for: 10m }
      notify: { webhook: "http://hooks.test/x", every: 30m }
      """;

  /**
   * Records the history above: start, pause and resume, a rejected and an accepted approval, a
   * breach, rollback, retry, and completion; from v3 also a signal refused for a control character
   * and one whose reason is cut; from v4 the checks and effects go to the activities typed ({@code
   * MeasureChecks}, {@code ApplyEffect}). Run when a new workflow shape is released: {@code mvn -pl
   * workflows test -Dtest=HistoryReplayTest -Dcutover.recordHistories=v1}.
   */
  @Test
  @EnabledIfSystemProperty(named = "cutover.recordHistories", matches = "v\\d+")
  void recordsTheReferenceHistory() throws IOException {
    FakeWorld world = new FakeWorld().value("ok_rate", 99).value("errors", 0.01);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      String firstRun =
          io.temporal.client.WorkflowStub.fromTyped(wf).describe().getExecution().getRunId();
      tw.sleep(Duration.ofMinutes(20));
      wf.pause(new SignalPayload(null, "bob", null, "lunch", null));
      tw.sleep(Duration.ofMinutes(10));
      wf.operate(new Operation("resume", new SignalPayload(null, "bob", null, null, null)));
      wf.approve(new SignalPayload("canary", "mallory", null, null, null));
      wf.approve(new SignalPayload("canary", "alice\n", null, null, null));
      wf.pause(new SignalPayload(null, "bob", null, "lunch\n" + "x".repeat(2_000), null));
      wf.resume(new SignalPayload(null, "bob", null, null, null));
      tw.sleep(Duration.ofMinutes(70));
      wf.operate(
          new Operation("approve", new SignalPayload("canary", "alice", "fine", null, null)));
      tw.sleep(Duration.ofMinutes(30));
      world.value("errors", 0.5);
      tw.sleep(Duration.ofMinutes(30));
      world.value("errors", 0.01);
      wf.retry(new SignalPayload(null, "alice", null, "fixed", null));
      tw.sleep(Duration.ofMinutes(70));
      wf.approve(new SignalPayload("canary", "alice", null, null, null));
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
      String json = tw.client.fetchHistory("cutover-replayed").toJson(true);
      String version = System.getProperty("cutover.recordHistories");
      Files.writeString(
          DIR.resolve("completed-with-rollback-and-retry-" + version + ".json"), json);
      // From v5 the ledger's activities lengthen the run past the continue-as-new limit: the first
      // run is kept as well, so the start and the continue-as-new itself are replayed too.
      var first = tw.client.fetchHistory("cutover-replayed", firstRun);
      if (!first.getLastEvent().hasWorkflowExecutionCompletedEventAttributes()) {
        Files.writeString(
            DIR.resolve("continued-with-rollback-and-retry-" + version + "-first-run.json"),
            first.toJson(true));
      }
      assertThat(world.traffic()).containsExactly(10, 100, 0, 10, 100);
      assertThat(List.of(json))
          .allMatch(
              j ->
                  j.contains("WorkflowExecutionCompleted")
                      || j.contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"));
    }
  }

  /**
   * Guards the recorder: every saved run ended, completed or continued as new as its name says, so
   * a replay covers the whole of each run.
   */
  @Test
  void savedHistoriesAreWholeRuns() throws Exception {
    for (Path f : histories().toList()) {
      WorkflowExecutionHistory h = WorkflowExecutionHistory.fromJson(Files.readString(f));
      boolean continued = f.getFileName().toString().startsWith("continued-");
      assertThat(
              continued
                  ? h.getLastEvent().hasWorkflowExecutionContinuedAsNewEventAttributes()
                  : h.getLastEvent().hasWorkflowExecutionCompletedEventAttributes())
          .as(f.toString())
          .isTrue();
    }
  }
}
