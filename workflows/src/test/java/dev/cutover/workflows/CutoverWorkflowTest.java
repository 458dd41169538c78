package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Status;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CutoverWorkflowTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
        db: { postgres: "jdbc:postgresql://db/app" }
      checks:
        ok_rate: { sql: db, query: "SELECT 1 AS value", pass: ">= 95" }
        errors: { sql: db, query: "SELECT 1 AS value", pass: "< 0.05" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      approvals: { approvers: [alice, bob], fourEyes: true }
      stages:
        - { name: canary, percent: 10, soak: 24h, every: 1h, gates: [ok_rate], approval: true }
        - { name: half, percent: 50, soak: 48h, every: 6h, gates: [ok_rate], approval: true }
        - { name: full, percent: 100, soak: 24h, every: 6h, gates: [ok_rate] }
      watch:
        - { check: errors, every: 10m, for: 30m }
      """;

  static FakeWorld healthy() {
    return new FakeWorld().value("ok_rate", 99).value("errors", 0.01);
  }

  static SignalPayload by(String who) {
    return new SignalPayload(null, who, null, "test", null);
  }

  static SignalPayload approval(String stage, String who) {
    return new SignalPayload(stage, who, "ok", null, null);
  }

  @Test
  void aBreachAtFiftyPercentRollsBackToZeroAndHoldsThenRetryStartsOverAndCompletes() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(24));
      wf.approve(approval("canary", "alice"));
      tw.sleep(Duration.ofHours(5));
      assertThat(wf.status().percent()).isEqualTo(50);
      world.value("errors", 0.3);
      tw.sleep(Duration.ofHours(1));
      Status held = wf.status();
      assertThat(held.state()).isEqualTo("ROLLED_BACK");
      assertThat(held.percent()).isZero();
      assertThat(world.traffic()).containsExactly(10, 50, 0);
      assertThat(held.rollback().reason()).contains("errors");

      world.value("errors", 0.01);
      wf.retry(by("alice"));
      tw.sleep(Duration.ofHours(25));
      wf.approve(approval("canary", "bob"));
      tw.sleep(Duration.ofHours(49));
      wf.approve(approval("half", "bob"));
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
      assertThat(world.traffic()).containsExactly(10, 50, 0, 10, 50, 100);
    }
  }

  @Test
  void aNewCutoverSendsItsChecksAndEffectsTypedAsItReadThemAndNeverThePlansFragments() {
    FakeWorld world = healthy();
    dev.cutover.plan.Plan plan =
        dev.cutover.plan.PlanReader.fromTree(
            Tw.plan(PLAN), dev.cutover.plan.PlanReader.Rules.HARDENED);
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(2));
      wf.abort(by("dave"));
      tw.sleep(Duration.ofSeconds(5));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
      wf.abandon(by("dave"));
      assertThat(tw.result(wf).state()).isEqualTo("ABANDONED");
    }
    assertThat(world.legacyCalls).hasValue(0);
    // As the activities received them, after the trip through history: the plan's own records.
    assertThat(world.measureChecksRequests)
        .isNotEmpty()
        .allSatisfy(
            r ->
                assertThat(r.checks())
                    .allSatisfy(
                        i -> {
                          assertThat(i.check()).isEqualTo(plan.check(i.check().name()));
                          assertThat(i.connection()).isEqualTo(plan.connections().get("db"));
                        }));
    assertThat(world.applyEffectRequests)
        .extracting(r -> r.step().percent())
        .containsExactly(10, 0);
    ApplyEffectRequest canary = world.applyEffectRequests.get(0);
    assertThat(canary)
        .isEqualTo(
            new ApplyEffectRequest(
                "cutover-shop",
                "cutover-shop/" + canary.step().key(),
                "canary",
                canary.step(),
                plan.traffic(),
                null,
                null,
                java.util.Map.of("flags", plan.connections().get("flags"))));
  }

  @Test
  void abortMidSoakRollsBackAtOnce() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(3));
      OperationResult r = wf.operate(new Operation("abort", by("dave")));
      assertThat(r.accepted()).isTrue();
      assertThat(r.state()).isIn("ROLLING_BACK", "ROLLED_BACK");
      tw.sleep(Duration.ofSeconds(5));
      assertThat(wf.status().state()).isEqualTo("ROLLED_BACK");
      assertThat(world.traffic()).containsExactly(10, 0);
      wf.abandon(by("dave"));
      assertThat(tw.result(wf).state()).isEqualTo("ABANDONED");
    }
  }

  @Test
  void anInconclusiveRuleHoldsUntilResume() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(1));
      world.error("ok_rate");
      tw.sleep(Duration.ofHours(3));
      assertThat(wf.status().state()).isEqualTo("HELD");
      world.value("ok_rate", 99);
      tw.sleep(Duration.ofHours(30));
      assertThat(wf.status().state()).isEqualTo("HELD");
      assertThat(world.traffic()).containsExactly(10);
      OperationResult r = wf.operate(new Operation("resume", by("alice")));
      assertThat(r.accepted()).isTrue();
      tw.sleep(Duration.ofHours(25));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
    }
  }

  @Test
  void anAcceptedApprovalIsAnsweredWithItsOwnDecisionNotWhatFollowedIt() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "carol");
      tw.sleep(Duration.ofHours(25));
      assertThat(wf.status().state()).isEqualTo("AWAITING_APPROVAL");
      OperationResult r = wf.operate(new Operation("approve", approval("canary", "alice")));
      assertThat(r.accepted()).isTrue();
      assertThat(r.text()).startsWith("approved stage canary");
      // The approval moved the cutover on: the journal's newest entries are about the next stage.
      List<dev.cutover.engine.CutoverState.Decision> decisions = wf.status().decisions();
      assertThat(decisions.get(decisions.size() - 1).text())
          .doesNotStartWith("approved stage canary");
    }
  }

  @Test
  void rejectedApprovalsLeaveTheCutoverAsItWas() {
    FakeWorld world = healthy();
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(PLAN), "bob");
      tw.sleep(Duration.ofHours(25));
      Status before = wf.status();
      assertThat(before.state()).isEqualTo("AWAITING_APPROVAL");
      List<OperationResult> answers = new ArrayList<>();
      answers.add(wf.operate(new Operation("approve", approval("canary", "mallory"))));
      answers.add(wf.operate(new Operation("approve", approval("half", "alice"))));
      answers.add(wf.operate(new Operation("approve", approval("canary", "bob"))));
      wf.approve(approval("canary", "eve")); // as a plain signal: recorded in status
      tw.sleep(Duration.ofSeconds(1));
      assertThat(answers).extracting(OperationResult::accepted).containsOnly(false);
      assertThat(answers)
          .extracting(OperationResult::text)
          .containsExactly(
              "rejected: mallory is not an approver (alice, bob)",
              "rejected: stage \"half\" is not the current stage (canary)",
              "rejected: four eyes: bob started this cutover and may not approve it");
      Status after = wf.status();
      assertThat(after.state()).isEqualTo("AWAITING_APPROVAL");
      assertThat(after.stage()).isEqualTo(before.stage());
      assertThat(after.decisions().get(after.decisions().size() - 1).text())
          .isEqualTo("rejected: eve is not an approver (alice, bob)");
      assertThat(world.traffic()).containsExactly(10);
    }
  }

  @Test
  void anInvalidPlanFailsTheWorkflowAtOnceNamingEveryProblem() {
    try (Tw tw = new Tw(healthy())) {
      JsonNode bad =
          Tw.plan(
              PLAN.replace("soak: 24h", "soak: forever").replace("percent: 50", "percent: 500"));
      CutoverWorkflow wf = tw.start(bad, "carol");
      assertThatThrownBy(() -> tw.result(wf))
          .isInstanceOf(WorkflowFailedException.class)
          .cause()
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("stages[0].soak: \"forever\" is not a duration")
          .hasMessageContaining("stages[1].percent: 500 is outside 0-100");
    }
  }

  @Test
  void aMultiDayPlanWithAOneMinuteWatchContinuesAsNewAndNeverExceedsTwoThousandEventsPerRun() {
    String longPlan =
        PLAN.replace("soak: 24h, every: 1h", "soak: 2d, every: 1h")
            .replace(
                "{ name: half, percent: 50, soak: 48h, every: 6h, gates: [ok_rate], approval: true }",
                "{ name: half, percent: 50, soak: 1d, every: 6h, gates: [ok_rate] }")
            .replace("approval: true }", "}")
            .replace(
                "{ check: errors, every: 10m, for: 30m }", "{ check: errors, every: 1m, for: 5m }");
    FakeWorld world = healthy();
    world.signaturesRequired = true;
    try (Tw tw = new Tw(world)) {
      CutoverWorkflow wf = tw.start(Tw.plan(longPlan), "carol");
      assertThat(tw.result(wf).state()).isEqualTo("COMPLETED");
      WorkflowStub stub = WorkflowStub.fromTyped(wf);
      List<Integer> runLengths = new ArrayList<>();
      String runId = null;
      // Walk the chain of runs backwards from the last one.
      WorkflowExecution exec = stub.getExecution();
      while (exec != null) {
        var history = tw.client.fetchHistory(exec.getWorkflowId(), exec.getRunId());
        runLengths.add(history.getHistory().getEventsCount());
        var first = history.getHistory().getEvents(0).getWorkflowExecutionStartedEventAttributes();
        runId = first.getContinuedExecutionRunId();
        exec =
            runId.isEmpty()
                ? null
                : WorkflowExecution.newBuilder()
                    .setWorkflowId(exec.getWorkflowId())
                    .setRunId(runId)
                    .build();
      }
      assertThat(runLengths.size()).as("runs (continue-as-new happened)").isGreaterThan(3);
      assertThat(runLengths).allMatch(n -> n <= 2_000);
      System.out.println("runs: " + runLengths.size() + ", events per run: " + runLengths);
      // Each continued run carries what admission said and the rules the plan was read by, in a
      // small input.
      List<com.fasterxml.jackson.databind.JsonNode> inputs = runInputs(tw, stub.getExecution());
      assertThat(world.admitted).hasSize(1);
      assertThat(inputs.subList(1, inputs.size()))
          .allSatisfy(
              in -> {
                assertThat(in.path("signaturesRequired").asBoolean()).isTrue();
                assertThat(in.path("planRules").asText()).isEqualTo("STATISTICS");
                assertThat(InputCheck.size(in)).isLessThan(32 * 1024);
              });
    }
  }

  /**
   * The released code, until {@link #upgraded}: then the current code, which replays what the
   * released code recorded (the worker keeps no workflow cache) and takes over, as a worker
   * upgraded under a running cutover does.
   */
  public static final class Upgradable implements CutoverWorkflow {
    static volatile boolean upgraded;
    private final CutoverWorkflow code;

    @io.temporal.workflow.WorkflowInit
    public Upgradable(CutoverInput input) {
      code = upgraded ? new CutoverWorkflowImpl(input) : new ReleasedV1Workflow(input);
    }

    @Override
    public Status run(CutoverInput input) {
      return code.run(input);
    }

    @Override
    public void approve(SignalPayload p) {
      code.approve(p);
    }

    @Override
    public void abort(SignalPayload p) {
      code.abort(p);
    }

    @Override
    public void pause(SignalPayload p) {
      code.pause(p);
    }

    @Override
    public void resume(SignalPayload p) {
      code.resume(p);
    }

    @Override
    public void promote(SignalPayload p) {
      code.promote(p);
    }

    @Override
    public void acknowledge(SignalPayload p) {
      code.acknowledge(p);
    }

    @Override
    public void retry(SignalPayload p) {
      code.retry(p);
    }

    @Override
    public void abandon(SignalPayload p) {
      code.abandon(p);
    }

    @Override
    public void confirm(SignalPayload p) {
      code.confirm(p);
    }

    @Override
    public OperationResult operate(Operation op) {
      return code.operate(op);
    }

    @Override
    public void validateOperate(Operation op) {
      code.validateOperate(op);
    }

    @Override
    public Status status() {
      return code.status();
    }
  }

  @Test
  void aCutoverStartedOnTheFirstReleaseKeepsItsLooserPlanRulesWhenTheNewCodeContinuesIt() {
    // A stage action without undo: valid under the first release's rules, invalid under today's.
    String oldStyle =
        PLAN.replace(
                "{ name: full, percent: 100, soak: 24h, every: 6h, gates: [ok_rate] }",
                "{ name: full, percent: 100, soak: 24h, every: 6h, gates: [ok_rate], actions: [{ http: \"POST flags:/announce\" }] }")
            .replace("approval: true }", "}")
            .replace(
                "{ check: errors, every: 10m, for: 30m }", "{ check: errors, every: 1m, for: 5m }");
    FakeWorld world = healthy();
    Upgradable.upgraded = false;
    try (Tw tw = new Tw(world, Upgradable.class)) {
      String id = "cutover-shop";
      CutoverWorkflow wf =
          tw.client.newWorkflowStub(
              CutoverWorkflow.class,
              io.temporal.client.WorkflowOptions.newBuilder()
                  .setTaskQueue(Tw.QUEUE)
                  .setWorkflowId(id)
                  .build());
      io.temporal.client.WorkflowClient.start(
          wf::run, new CutoverInput(Tw.plan(oldStyle), "carol", null, null));
      // The released code runs the first hours, continuing the cutover as new once; then the worker
      // is upgraded.
      tw.sleep(Duration.ofHours(5));
      assertThat(tw.status(wf).state()).isEqualTo("SOAKING");
      Upgradable.upgraded = true;
      Status end = tw.resultDrivingTheClock(id, Duration.ofDays(30));
      assertThat(end.state()).isEqualTo("COMPLETED");
      assertThat(world.keys).contains("cutover-shop/full/actions/0");
      List<com.fasterxml.jackson.databind.JsonNode> inputs = runInputs(tw, lastRun(tw, id));
      assertThat(inputs.size()).as("runs").isGreaterThan(3);
      // The first release carried no rules; the current code carries the rules the released code
      // read the plan
      // by, and no admission (the cutover never had one).
      List<String> carried =
          inputs.stream()
              .skip(1)
              .map(i -> i.path("planRules").isNull() ? "null" : i.path("planRules").asText())
              .toList();
      int byReleased = carried.indexOf("FIRST_RELEASE");
      assertThat(byReleased)
          .as("runs continued by the released code, then by the new: " + carried)
          .isPositive();
      assertThat(carried.subList(0, byReleased)).containsOnly("null");
      assertThat(carried.subList(byReleased, carried.size())).containsOnly("FIRST_RELEASE");
      assertThat(inputs.get(inputs.size() - 1).path("signaturesRequired").asBoolean(true))
          .isFalse();
    } finally {
      Upgradable.upgraded = false;
    }
  }

  static WorkflowExecution lastRun(Tw tw, String workflowId) {
    return tw.client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
        .getWorkflowExecutionInfo()
        .getExecution();
  }

  /** The input of every run of a cutover, first run first. */
  static List<com.fasterxml.jackson.databind.JsonNode> runInputs(Tw tw, WorkflowExecution last) {
    List<com.fasterxml.jackson.databind.JsonNode> inputs = new ArrayList<>();
    WorkflowExecution exec = last;
    while (exec != null) {
      var first =
          tw.client
              .fetchHistory(exec.getWorkflowId(), exec.getRunId())
              .getHistory()
              .getEvents(0)
              .getWorkflowExecutionStartedEventAttributes();
      inputs.add(
          0,
          dev.cutover.plan.PlanReader.parseTree(
              first.getInput().getPayloads(0).getData().toStringUtf8()));
      String runId = first.getContinuedExecutionRunId();
      exec =
          runId.isEmpty()
              ? null
              : WorkflowExecution.newBuilder()
                  .setWorkflowId(exec.getWorkflowId())
                  .setRunId(runId)
                  .build();
    }
    return inputs;
  }
}
