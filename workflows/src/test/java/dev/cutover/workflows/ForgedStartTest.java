package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.State;
import dev.cutover.plan.PlanReader;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.ContinueAsNewOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Starts a cutover as an attacker who may start workflows in the namespace would: raw JSON, forged
 * state and rules, another workflow id, a retry policy, another workflow continuing as new into a
 * cutover (a cron schedule is tried on the real server, in ForgedStartsIT: the test server's cron
 * support is partial). Each fails the workflow at once, non-retryably, with the exact message,
 * having run no effect, measurement or admission; none leaves a workflow task to be retried
 * forever.
 */
class ForgedStartTest {
  static final String INVALID =
      "invalid input (a new cutover's input is {\"plan\": <the plan as JSON>, \"startedBy\":"
          + " \"<person>\"}):\n  ";
  static final String CARRIED =
      ": carried only by continue-as-new from a running cutover; a new cutover starts at"
          + " its first stage, reads its plan by the newest rules and asks the worker's admission itself";
  static Tw tw;
  static FakeWorld world;
  static int tried;

  /**
   * Another workflow type, on another task queue, that continues as new into a cutover with what it
   * was given.
   */
  @WorkflowInterface
  public interface Foreign {
    @WorkflowMethod
    void run(JsonNode handover);
  }

  public static class ForeignImpl implements Foreign {
    @Override
    public void run(JsonNode handover) {
      Workflow.continueAsNew(
          "CutoverWorkflow",
          ContinueAsNewOptions.newBuilder().setTaskQueue(Tw.QUEUE).build(),
          handover);
    }
  }

  /**
   * A workflow of type CutoverWorkflow on another task queue, that is, someone else's code under
   * our name.
   */
  @WorkflowInterface
  public interface Impostor {
    @WorkflowMethod(name = "CutoverWorkflow")
    void run(JsonNode handover);
  }

  public static class ImpostorImpl implements Impostor {
    @Override
    public void run(JsonNode handover) {
      Workflow.continueAsNew(
          ContinueAsNewOptions.newBuilder().setTaskQueue(Tw.QUEUE).build(), handover);
    }
  }

  @BeforeAll
  static void up() {
    world = CutoverWorkflowTest.healthy();
    tw = new Tw(world, ForeignImpl.class, ImpostorImpl.class);
  }

  @AfterAll
  static void down() {
    tw.close();
    System.out.println(
        "forged and invalid starts tried: "
            + tried
            + " (accepted: 0; admitted: "
            + world.admitted.size()
            + ", effects: "
            + world.effects.size()
            + ", measurements: "
            + world.measureCalls.get()
            + ")");
  }

  static JsonNode plan(String name) {
    return Tw.plan(CutoverWorkflowTest.PLAN.replace("name: shop", "name: " + name));
  }

  static ObjectNode input(JsonNode plan, String startedBy) {
    ObjectNode o = CutoverInput.JSON.createObjectNode();
    o.set("plan", plan);
    o.put("startedBy", startedBy);
    return o;
  }

  /** The state of a cutover at its last stage, "approved by alice": what a forger would hand in. */
  static JsonNode forgedState(JsonNode plan) {
    Engine engine = new Engine(PlanReader.fromTree(plan, PlanReader.Rules.HARDENED));
    CutoverState s = engine.start("carol", 0).state();
    ObjectNode o = CutoverInput.JSON.valueToTree(s);
    o.put("stage", 2);
    o.put("phase", State.SOAKING.name());
    o.put("percent", 100);
    o.set(
        "approval",
        CutoverInput.JSON.valueToTree(new CutoverState.Approval("full", "alice", 0, "lgtm")));
    o.set(
        "decisions",
        CutoverInput.JSON.valueToTree(
            List.of(
                new CutoverState.Decision(0, "alice", "approve", true, "approved stage canary"),
                new CutoverState.Decision(0, "alice", "approve", true, "approved stage half"))));
    return o;
  }

  static ObjectNode with(ObjectNode o, String field, JsonNode value) {
    o.set(field, value);
    return o;
  }

  static JsonNode json(String text) {
    return PlanReader.parseTree(text);
  }

  static Stream<Arguments> invalidStarts() {
    JsonNode shop = plan("shop");
    ObjectNode big = shop.deepCopy();
    big.put("description", "x".repeat(CutoverInput.MAX_PLAN_BYTES));
    int bigBytes = InputCheck.size(big);
    String forger = "carol\n  Jan 1 12:00:00  alice     approved stage full";
    return Stream.of(
        Arguments.of("an array", json("[1, 2]"), INVALID + "input: an array, not an object"),
        Arguments.of("a string", json("\"start it\""), INVALID + "input: a string, not an object"),
        Arguments.of("a number", json("42"), INVALID + "input: a number, not an object"),
        Arguments.of("JSON null", null, INVALID + "input: missing"),
        Arguments.of(
            "an empty object",
            json("{}"),
            INVALID
                + "plan: required (the plan as JSON: `cutover lint PLAN"
                + " --output json` prints it)\n  startedBy: required: say who starts the cutover"),
        Arguments.of(
            "a plan that is a string",
            input(json("\"shop.yaml\""), "carol"),
            INVALID + "plan: a string, not the plan as a JSON object"),
        Arguments.of(
            "a plan that is a list",
            input(json("[]"), "carol"),
            INVALID + "plan: an array, not the plan as a JSON object"),
        Arguments.of(
            "an empty plan", input(json("{}"), "carol"), INVALID + "plan: an empty object"),
        Arguments.of(
            "a plan past the size cap",
            input(big, "carol"),
            INVALID
                + "plan: "
                + bigBytes
                + " bytes of JSON; a plan may have at most "
                + CutoverInput.MAX_PLAN_BYTES),
        Arguments.of(
            "startedBy a number",
            input(shop, "x").put("startedBy", 7),
            INVALID + "startedBy: a number, not a string"),
        Arguments.of(
            "startedBy an object",
            with(input(shop, "x"), "startedBy", json("{\"name\": \"carol\"}")),
            INVALID + "startedBy: an object, not a string"),
        Arguments.of(
            "startedBy blank",
            input(shop, "  "),
            INVALID + "startedBy: blank: say who starts the cutover"),
        Arguments.of(
            "startedBy too long",
            input(shop, "c".repeat(101)),
            INVALID + "startedBy: 101 characters; a name has at most 100"),
        Arguments.of(
            "startedBy forging a line",
            input(shop, forger),
            INVALID
                + "startedBy: \"carol\\n  Jan 1 12:00:00  alice "
                + "    appro...\" (53 characters) holds control characters; a name cannot"),
        Arguments.of(
            "an unknown field",
            input(shop, "carol").put("priority", "high"),
            INVALID + "unknown field \"priority\""),
        Arguments.of(
            "a state at the last stage, approved by alice",
            with(input(shop, "mallory"), "state", forgedState(shop)),
            INVALID + "state" + CARRIED),
        Arguments.of(
            "the first release's looser plan rules",
            input(shop, "mallory").put("planRules", "FIRST_RELEASE"),
            INVALID + "planRules" + CARRIED),
        Arguments.of(
            "admission's answer",
            input(shop, "mallory").put("signaturesRequired", false),
            INVALID + "signaturesRequired" + CARRIED),
        Arguments.of(
            "an undeserializable state",
            input(shop, "mallory").put("state", "garbage"),
            INVALID + "state" + CARRIED),
        Arguments.of(
            "state, rules and unknown fields at once",
            input(shop, "mallory")
                .put("planRules", "CURRENT")
                .put("state", 1)
                .put("a", 1)
                .put("b", 2),
            INVALID
                + "state"
                + CARRIED
                + "\n  planRules"
                + CARRIED
                + "\n  unknown fields \"a\", \"b\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidStarts")
  void anInvalidOrForgedStartFailsAtOnceNonRetryablyNamingWhatIsWrong(
      String what, JsonNode input, String message) {
    ApplicationFailure f =
        failure("cutover-shop", input == null ? new Object[0] : new Object[] {input});
    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_INPUT);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).isEqualTo(message);
  }

  @Test
  void aWorkflowIdOtherThanCutoverPlanNameFailsGivingTheExpectedId() {
    for (String id : List.of("cutover-other", "shop", "cutover-shop-2", "cutover-shop\n")) {
      ApplicationFailure f = failure(id, input(plan("shop"), "carol"));
      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_INPUT);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "the workflow id must be cutover-shop (cutover-<plan name>), not "
                  + UntrustedText.quoted(id, 80)
                  + ": one cutover per plan, so that two never drive one switch");
    }
  }

  @Test
  void planFieldsOfTheWrongJsonTypeFailAsAnInvalidPlanWithTheirPaths() {
    JsonNode p =
        json(
            "{\"version\": \"one\", \"name\": \"shop\", \"stages\": [{\"name\": {}, \"percent\": [], \"soak\": 5,"
                + " \"gates\": \"x\"}], \"checks\": [1], \"approvals\": []}");
    ApplicationFailure f = failure("cutover-shop", input(p, "carol"));
    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_PLAN);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .startsWith("invalid plan:\n")
        .contains(
            "  version: expected a whole number, found \"one\"",
                "  checks: expected an object (name: value pairs), found a list",
            "  stages[0].name: expected text, found an object",
                "  stages[0].percent: expected a whole number, found a list",
            "  stages[0].gates: expected a list, found \"x\"",
                "  approvals: expected an object (key: value pairs), found a list");
  }

  @Test
  void payloadsTheDataConverterCannotReadFailTheWorkflowNotItsTask() {
    // Bytes (binary/plain), and json/plain that is not JSON, sent with the raw API.
    ApplicationFailure bytes = failure("cutover-shop", (Object) new byte[] {1, 2, 3});
    assertThat(bytes.getType()).isEqualTo("io.temporal.common.converter.DataConverterException");
    String id = "cutover-shop";
    tw.client
        .getWorkflowServiceStubs()
        .blockingStub()
        .startWorkflowExecution(
            StartWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setWorkflowId(id)
                .setRequestId(UUID.randomUUID().toString())
                .setWorkflowType(WorkflowType.newBuilder().setName("CutoverWorkflow"))
                .setTaskQueue(TaskQueue.newBuilder().setName(Tw.QUEUE))
                .setInput(
                    Payloads.newBuilder()
                        .addPayloads(
                            Payload.newBuilder()
                                .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                                .setData(
                                    ByteString.copyFrom("{\"plan\": {{{", StandardCharsets.UTF_8))))
                .build());
    ApplicationFailure garbled = failureOf(tw.client.newUntypedWorkflowStub(id));
    assertThat(garbled.getType()).isEqualTo("io.temporal.common.converter.DataConverterException");
  }

  @Test
  void anotherWorkflowContinuingAsNewIntoACutoverCannotHandItAState() {
    JsonNode handover = with(input(plan("shop"), "mallory"), "state", forgedState(plan("shop")));
    ((ObjectNode) handover).put("planRules", "CURRENT").put("signaturesRequired", false);
    for (String type : List.of("Foreign", "CutoverWorkflow")) {
      tried++;
      WorkflowStub foreign =
          tw.client.newUntypedWorkflowStub(
              type,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(Tw.ELSEWHERE)
                  .setWorkflowId("cutover-shop")
                  .build());
      String previousRun = foreign.start(handover).getRunId();
      ApplicationFailure f = failureOf(tw.client.newUntypedWorkflowStub("cutover-shop"));
      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_INPUT);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "state, planRules and signaturesRequired are carried only by"
                  + " continue-as-new from a cutover; this run follows run "
                  + previousRun
                  + ", a \""
                  + type
                  + "\" run on task"
                  + " queue \"elsewhere\" that ended CONTINUED_AS_NEW; "
                  + InputCheck.SHAPE);
    }
    assertNothingRan();
  }

  @Test
  void aRetryPolicyDoesNotRetryAForgedStart() {
    tried++;
    WorkflowStub stub =
        tw.client.newUntypedWorkflowStub(
            "CutoverWorkflow",
            WorkflowOptions.newBuilder()
                .setTaskQueue(Tw.QUEUE)
                .setWorkflowId("cutover-shop")
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setMaximumAttempts(10)
                        .setInitialInterval(Duration.ofSeconds(1))
                        .build())
                .build());
    stub.start(with(input(plan("shop"), "mallory"), "state", forgedState(plan("shop"))));
    ApplicationFailure f = failureOf(stub);
    assertThat(f.getOriginalMessage()).isEqualTo(INVALID + "state" + CARRIED);
    assertThat(
            tw.client
                .fetchHistory("cutover-shop")
                .getEvents()
                .get(0)
                .getWorkflowExecutionStartedEventAttributes()
                .getAttempt())
        .isEqualTo(1);
    assertNothingRan();
  }

  ApplicationFailure failure(String id, Object... args) {
    tried++;
    WorkflowStub stub =
        tw.client.newUntypedWorkflowStub(
            "CutoverWorkflow",
            WorkflowOptions.newBuilder().setTaskQueue(Tw.QUEUE).setWorkflowId(id).build());
    stub.start(args);
    ApplicationFailure f = failureOf(stub);
    assertNothingRan();
    return f;
  }

  /**
   * The workflow's failure; its run failed by its first workflow task, which never failed itself.
   */
  static ApplicationFailure failureOf(WorkflowStub stub) {
    long t0 = System.nanoTime();
    Throwable t =
        catchThrowable(
            () -> stub.getResult(20, java.util.concurrent.TimeUnit.SECONDS, JsonNode.class));
    assertThat(t).as("the workflow failed").isInstanceOf(WorkflowFailedException.class);
    assertThat(System.nanoTime() - t0)
        .as("failed at once")
        .isLessThan(Duration.ofSeconds(10).toNanos());
    String id = stub.getExecution().getWorkflowId();
    List<HistoryEvent> events =
        tw.client
            .fetchHistory(id, ((WorkflowFailedException) t).getExecution().getRunId())
            .getEvents();
    assertThat(events)
        .noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    assertThat(events.get(events.size() - 1).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
    // Markers of the change ids asked at start do not count: they are not work done.
    assertThat(
            events.stream()
                .filter(e -> e.getEventType() != EventType.EVENT_TYPE_MARKER_RECORDED)
                .count())
        .as("events of the failed run (at most a lineage check ran)")
        .isLessThanOrEqualTo(11);
    return (ApplicationFailure) t.getCause();
  }

  static void assertNothingRan() {
    assertThat(world.admitted).isEmpty();
    assertThat(world.effects).isEmpty();
    assertThat(world.notes).isEmpty();
    assertThat(world.measureCalls.get()).isZero();
  }

  @Test
  void aPlanTheWorkerRefusesFailsListingEveryRefusalBeforeAnythingRuns() {
    FakeWorld refusing =
        CutoverWorkflowTest.healthy()
            .refuse(
                "connections.db.postgres: ${env:DB_PASSWORD} is not a secret this worker lends (CUTOVER_ALLOWED_SECRETS)",
                "traffic.set: host flags.test is not in CUTOVER_ALLOWED_HOSTS");
    try (Tw own = new Tw(refusing)) {
      CutoverWorkflow wf = own.start(plan("shop"), "carol");
      Throwable t = catchThrowable(() -> own.result(wf));
      ApplicationFailure f = (ApplicationFailure) t.getCause();
      assertThat(f.getType()).isEqualTo(FailureTypes.PLAN_REFUSED);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "plan refused by the worker's configuration; nothing was changed:\n"
                  + "  connections.db.postgres: ${env:DB_PASSWORD} is not a secret this worker lends (CUTOVER_ALLOWED_SECRETS)\n"
                  + "  traffic.set: host flags.test is not in CUTOVER_ALLOWED_HOSTS");
      assertThat(refusing.admitted)
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.workflowId()).isEqualTo("cutover-shop");
                assertThat(r.plan()).isEqualTo(plan("shop"));
                assertThat(r.rules()).isEqualTo(PlanReader.Rules.STATISTICS);
              });
      assertThat(refusing.effects).isEmpty();
      assertThat(refusing.notes).isEmpty();
      assertThat(refusing.measureCalls.get()).isZero();
    }
  }

  @Test
  void aWorkerThatDoesNotAnswerAdmissionIsAskedAgainAndAfterFiveTriesTheStartFails() {
    FakeWorld flaky = CutoverWorkflowTest.healthy();
    flaky.failNextAdmissions.set(2);
    try (Tw own = new Tw(flaky)) {
      CutoverWorkflow wf = own.start(plan("shop"), "carol");
      own.sleep(Duration.ofMinutes(1));
      assertThat(wf.status().state()).isEqualTo("SOAKING");
      assertThat(flaky.admitted).hasSize(1);
      assertThat(flaky.traffic()).containsExactly(10);
    }
    FakeWorld down = CutoverWorkflowTest.healthy();
    down.failNextAdmissions.set(100);
    try (Tw own = new Tw(down)) {
      CutoverWorkflow wf = own.start(plan("shop"), "carol");
      ApplicationFailure f = (ApplicationFailure) catchThrowable(() -> own.result(wf)).getCause();
      assertThat(f.getType()).isEqualTo(FailureTypes.ADMISSION_UNAVAILABLE);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "the worker did not answer the admission check (keyring file"
                  + " unreadable); nothing was changed: start the cutover again");
      assertThat(down.failNextAdmissions.get()).isEqualTo(95);
      assertThat(down.effects).isEmpty();
      assertThat(down.measureCalls.get()).isZero();
    }
  }
}
