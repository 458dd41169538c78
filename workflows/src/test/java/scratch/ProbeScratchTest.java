package scratch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.DataConverterException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkflowImplementationOptions;
import io.temporal.workflow.ContinueAsNewOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import io.temporal.workflow.WorkflowInit;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class ProbeScratchTest {
  static final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
  static final ObjectMapper M = new ObjectMapper();

  @WorkflowInterface
  public interface Probe { @WorkflowMethod String run(JsonNode input); }

  @WorkflowInterface
  public interface Target { @WorkflowMethod String run(JsonNode input); }

  public record In(String a, Integer b) {}

  @WorkflowInterface
  public interface Typed { @WorkflowMethod String run(In input); }

  public static class TypedImpl implements Typed {
    @WorkflowInit public TypedImpl(In input) {}
    @Override public String run(In input) { return "ok " + input; }
  }

  static String info(String who) {
    WorkflowInfo i = Workflow.getInfo();
    return who + " run=" + i.getRunId() + " continued=" + i.getContinuedExecutionRunId() + " attempt=" + i.getAttempt()
        + " cron=" + i.getCronSchedule() + " queue=" + i.getTaskQueue() + " first=" + i.getFirstExecutionRunId();
  }

  public static class ProbeImpl implements Probe {
    @Override public String run(JsonNode input) {
      if (!Workflow.isReplaying()) seen.add(info("probe") + " input=" + input);
      if (input.has("fail")) throw ApplicationFailure.newFailure("please retry", "X");
      if (input.has("can")) {
        Workflow.continueAsNew(input.get("can").get("type").asText(),
            ContinueAsNewOptions.newBuilder().setTaskQueue(input.get("can").get("queue").asText()).build(),
            input.get("payload"));
      }
      return "done";
    }
  }

  public static class TargetImpl implements Target {
    @Override public String run(JsonNode input) {
      if (!Workflow.isReplaying()) seen.add(info("target") + " input=" + input);
      return "target";
    }
  }

  void experiments(WorkflowClient client, boolean real) throws Exception {
    String evil = "evil-" + UUID.randomUUID(), good = "good-" + UUID.randomUUID();
    WorkerFactory f = WorkerFactory.newInstance(client);
    f.newWorker(evil).registerWorkflowImplementationTypes(ProbeImpl.class);
    f.newWorker(good).registerWorkflowImplementationTypes(TargetImpl.class);
    f.newWorker(good).registerWorkflowImplementationTypes(
        WorkflowImplementationOptions.newBuilder().setFailWorkflowExceptionTypes(DataConverterException.class).build(), TypedImpl.class);
    f.start();
    // 1 retry
    String id1 = "retry-" + UUID.randomUUID();
    WorkflowStub s1 = client.newUntypedWorkflowStub("Probe", WorkflowOptions.newBuilder().setTaskQueue(evil).setWorkflowId(id1)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(2).setInitialInterval(Duration.ofSeconds(1)).build()).build());
    s1.start(M.readTree("{\"fail\":true,\"state\":\"forged\"}"));
    try { s1.getResult(String.class); } catch (Exception e) { System.out.println("retry result: " + e); }
    // 3 foreign CAN
    String id3 = "cutover-x-" + UUID.randomUUID();
    ObjectNode in = (ObjectNode) M.readTree("{\"can\":{\"type\":\"Target\",\"queue\":\"" + good + "\"},\"payload\":{\"state\":\"forged\"}}");
    WorkflowStub s3 = client.newUntypedWorkflowStub("Probe", WorkflowOptions.newBuilder().setTaskQueue(evil).setWorkflowId(id3).build());
    WorkflowExecution e3 = s3.start(in);
    System.out.println("foreign CAN result: " + client.newUntypedWorkflowStub(id3).getResult(String.class));
    var d = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(e3).build());
    System.out.println("describe previous: type=" + d.getWorkflowExecutionInfo().getType().getName() + " status=" + d.getWorkflowExecutionInfo().getStatus()
        + " queue=" + d.getExecutionConfig().getTaskQueue().getName() + " infoQueue=" + d.getWorkflowExecutionInfo().getTaskQueue());
    // 4 binary payload into typed @WorkflowInit
    String id4 = "typed-" + UUID.randomUUID();
    WorkflowStub s4 = client.newUntypedWorkflowStub("Typed", WorkflowOptions.newBuilder().setTaskQueue(good).setWorkflowId(id4)
        .setWorkflowTaskTimeout(Duration.ofSeconds(2)).build());
    s4.start((Object) new byte[] {1, 2, 3});
    try { System.out.println("typed bytes: " + s4.getResult(10, java.util.concurrent.TimeUnit.SECONDS, String.class)); } catch (Exception e) { System.out.println("typed bytes result: " + e + " / cause " + e.getCause()); }
    String id5 = "typed-" + UUID.randomUUID();
    WorkflowStub s5 = client.newUntypedWorkflowStub("Typed", WorkflowOptions.newBuilder().setTaskQueue(good).setWorkflowId(id5).build());
    s5.start(M.readTree("[1,2]"));
    try { System.out.println("typed array: " + s5.getResult(10, java.util.concurrent.TimeUnit.SECONDS, String.class)); } catch (Exception e) { System.out.println("typed array result: " + e + " / cause " + e.getCause()); }
    if (real && System.getProperty("cron") != null) {
      String id2 = "cron-" + UUID.randomUUID();
      WorkflowStub s2 = client.newUntypedWorkflowStub("Probe", WorkflowOptions.newBuilder().setTaskQueue(evil).setWorkflowId(id2)
          .setCronSchedule("* * * * *").build());
      s2.start(M.readTree("{\"fail\":true,\"state\":\"forged-cron\"}"));
      Thread.sleep(130_000);
      s2.terminate("done");
    }
    f.shutdownNow();
    seen.forEach(System.out::println);
    seen.clear();
  }

  @Test
  void real() throws Exception {
    WorkflowClient client = WorkflowClient.newInstance(WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(System.getenv("CUTOVER_TEST_TEMPORAL_ADDRESS")).build()));
    experiments(client, true);
  }

  @Test
  void timeSkipping() throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      experiments(env.getWorkflowClient(), false);
    }
  }
}
