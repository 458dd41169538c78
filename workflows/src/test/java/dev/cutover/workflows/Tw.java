package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Status;
import dev.cutover.plan.PlanReader;
import dev.cutover.testing.TimeSkippingServer;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A time-skipping test environment with the cutover worker and a fake world registered. */
final class Tw implements AutoCloseable {
  static final String QUEUE = "cutover";

  /**
   * Another task queue, served by workflows of someone else's (see {@link #Tw(FakeWorld,
   * Class[])}).
   */
  static final String ELSEWHERE = "elsewhere";

  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final FakeWorld world;

  Tw(FakeWorld world) {
    this(world, new Class<?>[0]);
  }

  /**
   * As {@link #Tw(FakeWorld)}, with {@code elsewhere} served on the task queue {@link #ELSEWHERE}.
   */
  Tw(FakeWorld world, Class<?>... elsewhere) {
    this(world, null, elsewhere);
  }

  /**
   * As {@link #Tw(FakeWorld)}, with the cutover workflow implemented by {@code impl} (registered
   * with the lineage activity) and no workflow cache: every workflow task replays the history, as
   * after a worker restart.
   */
  Tw(FakeWorld world, Class<? extends CutoverWorkflow> impl) {
    this(world, impl, new Class<?>[0]);
  }

  private Tw(FakeWorld world, Class<? extends CutoverWorkflow> impl, Class<?>... elsewhere) {
    this.world = world;
    env =
        impl == null
            ? TestWorkflowEnvironment.newInstance()
            : TestWorkflowEnvironment.newInstance(
                io.temporal.testing.TestEnvironmentOptions.newBuilder()
                    .setWorkerFactoryOptions(
                        io.temporal.worker.WorkerFactoryOptions.newBuilder()
                            .setWorkflowCacheSize(0)
                            .build())
                    .build());
    TimeSkippingServer.keepUnlocksCheap(env);
    env.registerSearchAttribute("CutoverPlan", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("CutoverStage", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("CutoverState", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("CutoverPercent", IndexedValueType.INDEXED_VALUE_TYPE_INT);
    Worker worker = env.newWorker(QUEUE);
    if (impl == null) {
      CutoverWorkflowImpl.register(worker, env.getWorkflowClient().getWorkflowServiceStubs());
    } else {
      worker.registerWorkflowImplementationTypes(CutoverWorkflowImpl.OPTIONS, impl);
      worker.registerActivitiesImplementations(
          new RunLineageImpl(env.getWorkflowClient().getWorkflowServiceStubs()),
          LedgerActivities.NONE);
    }
    worker.registerActivitiesImplementations(world);
    if (elsewhere.length > 0) {
      env.newWorker(ELSEWHERE).registerWorkflowImplementationTypes(elsewhere);
    }
    client = env.getWorkflowClient();
    env.start();
  }

  static JsonNode plan(String yaml) {
    return PlanReader.parseTree(yaml);
  }

  static String example(String name) {
    try {
      return Files.readString(Path.of("..", "examples", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  CutoverWorkflow start(JsonNode plan, String by) {
    String id = "cutover-" + plan.path("name").asText();
    CutoverWorkflow wf =
        client.newWorkflowStub(
            CutoverWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(wf::run, CutoverInput.start(plan, by));
    return client.newWorkflowStub(CutoverWorkflow.class, id);
  }

  Status status(CutoverWorkflow wf) {
    return wf.status();
  }

  void sleep(Duration d) {
    env.sleep(d);
  }

  /**
   * Runs {@code workflowId} to its end by driving the clock a minute at a time. The in-memory test
   * server (temporal-testing 1.38) holds its clock while an activity is open and never gives the
   * hold back for an activity of a run that continued as new; a cutover whose history is overdue
   * does continue with a measurement in flight, and the server's time would then move at wall-clock
   * pace. So each run that closed with activities open has its holds given back.
   */
  Status resultDrivingTheClock(String workflowId, Duration atMost) {
    var test =
        io.temporal.api.testservice.v1.TestServiceGrpc.newBlockingStub(
            env.getWorkflowServiceStubs().getRawChannel());
    java.util.Set<String> released = new java.util.HashSet<>();
    for (long minute = 0; minute < atMost.toMinutes(); minute++) {
      var described =
          env.getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(env.getNamespace())
                      .setExecution(
                          io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                              .setWorkflowId(workflowId))
                      .build());
      if (described.getWorkflowExecutionInfo().getStatus()
          != io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        break;
      }
      String run = described.getWorkflowExecutionInfo().getExecution().getRunId();
      while (!run.isEmpty() && released.add(run)) {
        String previous =
            client
                .fetchHistory(workflowId, run)
                .getEvents()
                .get(0)
                .getWorkflowExecutionStartedEventAttributes()
                .getContinuedExecutionRunId();
        if (!previous.isEmpty() && !released.contains(previous)) {
          for (int i = 0;
              i
                  < TimeSkippingServer.activitiesOpenAtEnd(
                          client.fetchHistory(workflowId, previous).getEvents())
                      .size();
              i++) {
            test.unlockTimeSkipping(
                io.temporal.api.testservice.v1.UnlockTimeSkippingRequest.getDefaultInstance());
          }
        }
        run = previous;
      }
      env.sleep(Duration.ofMinutes(1));
    }
    return result(client.newWorkflowStub(CutoverWorkflow.class, workflowId));
  }

  Status result(CutoverWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(Status.class);
  }

  @Override
  public void close() {
    env.close();
  }
}
