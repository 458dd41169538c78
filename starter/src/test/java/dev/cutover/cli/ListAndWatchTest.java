package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Status;
import dev.cutover.testing.TestServices;
import dev.cutover.workflows.CutoverInput;
import dev.cutover.workflows.CutoverWorkflow;
import dev.cutover.workflows.Operation;
import dev.cutover.workflows.OperationResult;
import dev.cutover.workflows.SearchAttributeKeys;
import dev.cutover.workflows.SignalPayload;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code cutover list} and {@code cutover status --watch} against the Temporal dev server
 * ./run-tests starts. The cutovers listed are started with the search attributes {@code cutover
 * start} sets and no worker (list reads only those); the one watched is a stand-in whose status
 * moves on a timer.
 */
class ListAndWatchTest {
  static final double[] VALUES = {0.01, 0.02, 0.03, 0.04};

  /** A cutover whose gate reads {@link #VALUES} one after the other, then COMPLETED. */
  public static final class Moving implements CutoverWorkflow {
    private int step;

    @Override
    public Status run(CutoverInput input) {
      while (step < VALUES.length - 1) {
        Workflow.sleep(Duration.ofMillis(2500));
        step++;
      }
      return status();
    }

    @Override
    public Status status() {
      Status s = CliHabitsTest.statusWith(0, VALUES[step], step + 1);
      return step < VALUES.length - 1 ? s : CliHabitsTest.withState(s, "COMPLETED");
    }

    @Override
    public OperationResult operate(Operation op) {
      return null;
    }

    @Override
    public void validateOperate(Operation op) {}

    @Override
    public void approve(SignalPayload p) {}

    @Override
    public void abort(SignalPayload p) {}

    @Override
    public void pause(SignalPayload p) {}

    @Override
    public void resume(SignalPayload p) {}

    @Override
    public void promote(SignalPayload p) {}

    @Override
    public void acknowledge(SignalPayload p) {}

    @Override
    public void retry(SignalPayload p) {}

    @Override
    public void abandon(SignalPayload p) {}

    @Override
    public void confirm(SignalPayload p) {}
  }

  private static WorkflowClient client(String address) {
    return WorkflowClient.newInstance(
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build()));
  }

  @Test
  void listFiltersByPlanAndStateAndShowsStartTimesInTheOperatorsZone() throws Exception {
    String address = TestServices.require("CUTOVER_TEST_TEMPORAL_ADDRESS");
    WorkflowClient client = client(address);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String queue = "nobody-" + run;
    List<String> ids = new ArrayList<>();
    String[][] cutovers = {
      {"a-" + run, "HELD"},
      {"b-" + run, "SOAKING"},
      {"c-" + run, "HELD"},
      {"d-" + run, "ROLLED_BACK"}
    };
    try {
      for (String[] c : cutovers) {
        String id = "cutover-" + c[0];
        ids.add(id);
        client
            .newUntypedWorkflowStub(
                "CutoverWorkflow",
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(queue)
                    .setTypedSearchAttributes(
                        SearchAttributes.newBuilder()
                            .set(SearchAttributeKeys.PLAN, c[0])
                            .set(SearchAttributeKeys.STATE, c[1])
                            .set(SearchAttributeKeys.STAGE, "canary")
                            .set(SearchAttributeKeys.PERCENT, 10L)
                            .build())
                    .build())
            .start(CutoverInput.start(null, "carol"));
      }
      String plans = "a-" + run + ",b-" + run + ",c-" + run + ",d-" + run;
      listUntil(4, address, "--plan", plans, "--zone", "Asia/Tokyo");
      Cli.Result held =
          listUntil(2, address, "--plan", plans, "--state", "HELD", "--zone", "Asia/Tokyo");
      List<String> lines = held.out().lines().toList();
      assertThat(lines.get(0)).startsWith("ID").contains("STATE", "STAGE", "PERCENT", "STARTED");
      assertThat(lines.subList(1, lines.size()))
          .extracting(l -> l.split("\\s+")[0] + " " + l.split("\\s+")[1])
          .containsExactlyInAnyOrder("cutover-a-" + run + " HELD", "cutover-c-" + run + " HELD");
      assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).endsWith(" JST"));

      Cli.Result two =
          listUntil(
              2,
              address,
              "--plan",
              "b-" + run,
              "--plan",
              "d-" + run,
              "--state",
              "SOAKING,ROLLED_BACK");
      assertThat(two.out().lines().skip(1).map(l -> l.split("\\s+")[0]))
          .containsExactlyInAnyOrder("cutover-b-" + run, "cutover-d-" + run);
      Cli.Result none = listUntil(0, address, "--plan", "b-" + run, "--state", "HELD");
      assertThat(none.out().lines()).hasSize(1);
    } finally {
      for (String id : ids) {
        client.newUntypedWorkflowStub(id).terminate("test over");
      }
      client.getWorkflowServiceStubs().shutdownNow();
    }
  }

  /** Lists until {@code rows} cutovers show (visibility lags a start by a moment). */
  private static Cli.Result listUntil(int rows, String address, String... filters)
      throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("list", "--address", address));
    args.addAll(List.of(filters));
    Cli.Result r = null;
    for (int i = 0; i < 40; i++) {
      r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exit()).as(r.err()).isZero();
      if (r.out().lines().count() == rows + 1) {
        return r;
      }
      Thread.sleep(250);
    }
    assertThat(r.out().lines()).as("cutover list %s", args).hasSize(rows + 1);
    return r;
  }

  @Test
  void statusWatchFollowsACutoverToItsEndWithEachGatesRecentValues() throws Exception {
    String address = TestServices.require("CUTOVER_TEST_TEMPORAL_ADDRESS");
    WorkflowClient client = client(address);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String queue = "watch-" + run;
    WorkerFactory factory = WorkerFactory.newInstance(client);
    try {
      factory.newWorker(queue).registerWorkflowImplementationTypes(Moving.class);
      factory.start();
      for (boolean terminal : new boolean[] {false, true}) {
        String id = "cutover-watch-" + run + (terminal ? "-t" : "-p");
        WorkflowClient.start(
            client.newWorkflowStub(
                    CutoverWorkflow.class,
                    WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id).build())
                ::run,
            CutoverInput.start(null, "carol"));
        StatusCommand watch = new StatusCommand();
        watch.terminal = terminal;
        Cli.Result r =
            Cli.run(watch, id, "--watch", "--interval", "1", "--zone", "UTC", "--address", address);
        assertThat(r.exit()).as(r.err()).isZero();
        String last = r.out().substring(r.out().lastIndexOf(terminal ? "\033[H" : "--- "));
        assertThat(last).contains("COMPLETED");
        if (terminal) {
          assertThat(r.out()).startsWith("\033[2J\033[H").doesNotContain("--- ");
          assertThat(last)
              .contains("  stages[0].gates[0]     0.01  0.02  0.03  0.04\033[K\n")
              .endsWith("\033[J");
        } else {
          assertThat(r.out()).doesNotContain("\033").startsWith("--- Jan 1 00:");
          assertThat(r.out().lines().filter(l -> l.startsWith("--- ")).count())
              .isGreaterThanOrEqualTo(4);
          assertThat(last).endsWith("  stages[0].gates[0]     0.01  0.02  0.03  0.04\n");
        }
      }
    } finally {
      factory.shutdownNow();
      client.getWorkflowServiceStubs().shutdownNow();
    }
  }
}
