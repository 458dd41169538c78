package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Status;
import dev.cutover.plan.PlanReader;
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

  Status result(CutoverWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(Status.class);
  }

  @Override
  public void close() {
    env.close();
  }
}
