package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cutover.engine.Status;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A workflow change behind {@code Workflow.getVersion} on the real dev server: a cutover started on
 * the released code is finished by workers running the new code, keeping its original path, while a
 * cutover started afterwards takes the new one.
 */
class VersionUpgradeTest {
  static final String PLAN =
      """
      version: 1
      name: NAME
      description: upgrade under way
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 6s, every: 2s, gates: [ok_rate] }
        - { name: full, percent: 100, soak: 4s, every: 2s, gates: [ok_rate] }
      """;

  WorkflowClient client;
  final FakeWorld world = new FakeWorld().value("ok_rate", 99);
  final String queue = "upgrade-" + UUID.randomUUID();

  @BeforeEach
  void connect() {
    String address = System.getenv("CUTOVER_TEST_TEMPORAL_ADDRESS");
    if (address == null && "1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
      fail("CUTOVER_TEST_TEMPORAL_ADDRESS is not set; run the tests with ./run-tests");
    }
    assumeTrue(address != null, "needs the Temporal dev server: run ./run-tests");
    client =
        WorkflowClient.newInstance(
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(address).build()));
  }

  @AfterEach
  void disconnect() {
    if (client != null) {
      client.getWorkflowServiceStubs().shutdownNow();
    }
  }

  WorkerFactory worker(Class<? extends CutoverWorkflow> impl) {
    WorkerFactory f = WorkerFactory.newInstance(client);
    if (impl == CutoverWorkflowImpl.class) {
      CutoverWorkflowImpl.register(f.newWorker(queue), client.getWorkflowServiceStubs());
    } else {
      f.newWorker(queue).registerWorkflowImplementationTypes(impl);
    }
    f.getWorker(queue).registerActivitiesImplementations(world);
    f.start();
    return f;
  }

  CutoverWorkflow start(String name) {
    CutoverWorkflow wf =
        client.newWorkflowStub(
            CutoverWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(queue)
                .setWorkflowId("cutover-" + name)
                .build());
    WorkflowClient.start(wf::run, CutoverInput.start(Tw.plan(PLAN.replace("NAME", name)), "carol"));
    return client.newWorkflowStub(CutoverWorkflow.class, "cutover-" + name);
  }

  static Status await(CutoverWorkflow wf, Predicate<Status> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Status s = wf.status();
      if (s != null && done.test(s)) {
        return s;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("condition not met within 60s");
  }

  String memo(String workflowId) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                        .setWorkflowId(workflowId))
                .build())
        .getWorkflowExecutionInfo()
        .getMemo()
        .getFieldsMap()
        .keySet()
        .stream()
        .sorted()
        .toList()
        .toString();
  }

  @Test
  void aCutoverStartedOnTheReleasedCodeFinishesOnTheNewCodeAndKeepsItsOriginalPath()
      throws Exception {
    String old = "old-" + UUID.randomUUID().toString().substring(0, 6);
    WorkerFactory released = worker(ReleasedV1Workflow.class);
    CutoverWorkflow running = start(old);
    await(running, s -> "SOAKING".equals(s.phase()) && s.stage().name().equals("canary"));
    released.shutdownNow();
    released.awaitTermination(10, TimeUnit.SECONDS);

    WorkerFactory upgraded = worker(CutoverWorkflowImpl.class);
    try {
      Status end = WorkflowStub.fromTyped(running).getResult(90, TimeUnit.SECONDS, Status.class);
      assertThat(end.state()).isEqualTo("COMPLETED");
      assertThat(world.traffic()).containsExactly(10, 100);
      assertThat(memo("cutover-" + old)).isEqualTo("[]");

      String fresh = "new-" + UUID.randomUUID().toString().substring(0, 6);
      CutoverWorkflow next = start(fresh);
      await(next, s -> "SOAKING".equals(s.phase()));
      assertThat(memo("cutover-" + fresh)).isEqualTo("[description, plan, stages, startedBy]");
      next.abort(new SignalPayload(null, "carol", null, "test over", null));
      next.abandon(new SignalPayload(null, "carol", null, null, null));
      await(next, s -> "ABANDONED".equals(s.state()) || "ROLLED_BACK".equals(s.state()));
    } finally {
      upgraded.shutdownNow();
      upgraded.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
