package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Signal;
import dev.cutover.engine.Status;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Problem;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * FROZEN: the workflow code as first released (before the {@code memo-at-start} change), kept only
 * so a test can run a cutover on it and finish it on the current code. Never edit it.
 *
 * <p>The deterministic shell around {@link Engine}: it turns signals, timers and activity results
 * into events, carries the engine's commands out as activities, keeps the search attributes
 * current, and continues as new before history grows past {@link #HISTORY_LIMIT} events. It makes
 * no decision of its own.
 */
public final class ReleasedV1Workflow implements CutoverWorkflow {
  /** Continue as new well before a 2,000-event history. */
  static final int HISTORY_LIMIT = 1_500;

  private static final Logger log = Workflow.getLogger(ReleasedV1Workflow.class);

  private final JsonNode planJson;
  private final String startedBy;
  private final Plan plan;
  private final List<Problem> planProblems;
  private final Engine engine;
  private final PlanFragments fragments;
  private final RetryOptions activityRetry;
  private final CutoverActivities effectActivities;
  private final CutoverActivities notifyActivities;

  private CutoverState state;
  private final Deque<Pending> inbox = new ArrayDeque<>();
  private final Map<String, OperationResult> answered = new HashMap<>();
  private final List<InFlight<List<Reading>>> measuring = new ArrayList<>();
  private InFlight<String> effect;
  private final List<Promise<Void>> notifying = new ArrayList<>();
  private String lastSearchAttributes = "";

  private record Pending(Signal signal, String requestId) {}

  private record InFlight<T>(long seq, Promise<T> promise, List<String> checks) {}

  @WorkflowInit
  public ReleasedV1Workflow(CutoverInput input) {
    this.planJson = input.plan();
    this.startedBy = input.startedBy();
    Plan parsed = null;
    List<Problem> problems = List.of();
    try {
      // The reader's rules as they were at this release (it has since become stricter).
      parsed =
          PlanReader.fromTree(
              Objects.requireNonNull(input.plan(), "input.plan"), PlanReader.Rules.FIRST_RELEASE);
    } catch (PlanException e) {
      problems = e.problems();
    } catch (NullPointerException e) {
      problems =
          List.of(
              new Problem(
                  "plan",
                  "required: the input is {\"plan\": <the plan as JSON>, \"startedBy\": \"<person>\"}"));
    }
    this.plan = parsed;
    this.planProblems = problems;
    this.engine = parsed == null ? null : new Engine(parsed);
    this.fragments = parsed == null ? null : new PlanFragments(parsed, planJson);
    this.state = input.state();
    this.activityRetry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setBackoffCoefficient(2)
            .setMaximumAttempts(3)
            .setDoNotRetry(FailureTypes.NOT_RETRIED_BY_ACTIVITY.toArray(String[]::new))
            .build();
    // Each HTTP call of an effect is bounded by its own timeout; a worker that dies mid-effect is
    // noticed after a minute, and the engine's own backoff takes over after five.
    this.effectActivities =
        Workflow.newActivityStub(
            CutoverActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setScheduleToCloseTimeout(Duration.ofMinutes(5))
                .setRetryOptions(activityRetry)
                .build());
    this.notifyActivities =
        Workflow.newActivityStub(
            CutoverActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(20))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
                .build());
  }

  /** The first release had no validator: every operation entered history. */
  @Override
  public void validateOperate(Operation operation) {}

  @Override
  public Status run(CutoverInput input) {
    if (plan == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "invalid plan:\n"
              + planProblems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")),
          "InvalidPlan");
    }
    if (startedBy == null || startedBy.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "startedBy is required: say who starts the cutover ({\"plan\": ..., \"startedBy\": \"<person>\"})",
          "InvalidInput");
    }
    if (state == null) {
      carryOut(engine.start(startedBy, now()));
    } else {
      log.info("continuing {} as new in state {}", plan.workflowId(), state.displayState());
      carryOut(engine.on(state, new Event.Tick(now())));
    }
    while (true) {
      processArrivals();
      if (state.phase().terminal() && nothingInFlight()) {
        break;
      }
      if (continueAsNewDue() && nothingInFlight() && inbox.isEmpty()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (inbox.isEmpty()) {
          Workflow.continueAsNew(new CutoverInput(planJson, startedBy, state, null));
        }
        continue;
      }
      long wake = engine.nextWakeAt(state);
      long wait = wake == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, wake - now());
      boolean arrived;
      if (wait == Long.MAX_VALUE) {
        Workflow.await(() -> !inbox.isEmpty() || anyCompleted());
        arrived = true;
      } else {
        arrived =
            wait == 0
                || Workflow.await(
                    Duration.ofMillis(wait), () -> !inbox.isEmpty() || anyCompleted());
      }
      if (!arrived || now() >= wake) {
        carryOut(engine.on(state, new Event.Tick(now())));
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    return Status.of(engine, state, now());
  }

  /** Feeds every signal and every finished activity into the engine. */
  private void processArrivals() {
    while (!inbox.isEmpty()) {
      Pending p = inbox.poll();
      carryOut(engine.on(state, new Event.SignalReceived(now(), p.signal())));
      if (p.requestId() != null) {
        CutoverState.Decision d = state.decisions().get(state.decisions().size() - 1);
        answered.put(
            p.requestId(),
            new OperationResult(d.accepted(), d.text(), state.displayState().name()));
      }
    }
    // Snapshot first: carrying out the engine's answer may start new measurements.
    List<InFlight<List<Reading>>> measured =
        measuring.stream().filter(m -> m.promise().isCompleted()).toList();
    measuring.removeAll(measured);
    for (InFlight<List<Reading>> m : measured) {
      carryOut(engine.on(state, new Event.Measured(now(), m.seq(), readings(m))));
    }
    if (effect != null && effect.promise().isCompleted()) {
      InFlight<String> done = effect;
      effect = null;
      carryOut(engine.on(state, effectDone(done)));
    }
    notifying.removeIf(Promise::isCompleted);
  }

  private List<Reading> readings(InFlight<List<Reading>> m) {
    try {
      return m.promise().get();
    } catch (ActivityFailure e) {
      String why = "measurement failed: " + rootMessage(e);
      return m.checks().stream().map(c -> Reading.error(c, why)).toList();
    }
  }

  private Event.EffectDone effectDone(InFlight<String> done) {
    try {
      return Event.EffectDone.ok(now(), done.seq(), done.promise().get());
    } catch (ActivityFailure e) {
      // The engine decides from the type whether the failure holds the stage (EffectFailure.holds);
      // a cause that has none (a timeout, a cancellation) goes by its kind, and is retried.
      String type =
          e.getCause() instanceof ApplicationFailure af && af.getType() != null
              ? af.getType()
              : e.getCause() == null ? "ActivityFailure" : e.getCause().getClass().getSimpleName();
      return Event.EffectDone.failed(now(), done.seq(), type, rootMessage(e));
    }
  }

  private static String rootMessage(ActivityFailure e) {
    if (e.getCause() instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
  }

  /** Adopts the engine's new state and starts each command as an activity. */
  private void carryOut(Engine.Transition t) {
    state = t.state();
    String workflowId = Workflow.getInfo().getWorkflowId();
    for (Command c : t.commands()) {
      if (c instanceof Command.Measure m) {
        MeasureRequest req = fragments.measure(workflowId, m.checks());
        measuring.add(
            new InFlight<>(
                m.seq(), Async.function(measureStub(m.checks())::measure, req), m.checks()));
      } else if (c instanceof Command.Apply a) {
        EffectRequest req =
            fragments.effect(
                workflowId,
                a.step(),
                a.step().kind() == dev.cutover.engine.Step.Kind.TRAFFIC
                        || a.step().kind() == dev.cutover.engine.Step.Kind.FLAGS
                    ? null
                    : engine.actionOf(a.step()));
        effect = new InFlight<>(a.seq(), Async.function(effectActivities::apply, req), List.of());
      } else if (c instanceof Command.Notify n) {
        log.info("{}", n.text());
        notifying.add(
            Async.procedure(
                notifyActivities::notifyPeople,
                new NotifyRequest(
                    workflowId, new PlanRequests(plan).webhook(), n.level().name(), n.text())));
      }
    }
    upsertSearchAttributes();
  }

  private void upsertSearchAttributes() {
    String stage = state.stage() >= 0 ? plan.stages().get(state.stage()).name() : "";
    String shown = state.displayState().name();
    long percent = state.percent() == null ? 0 : state.percent();
    String key = stage + "|" + shown + "|" + percent;
    if (key.equals(lastSearchAttributes)) {
      return;
    }
    lastSearchAttributes = key;
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.PLAN, plan.name()),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.STAGE, stage),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.STATE, shown),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.PERCENT, percent));
  }

  /**
   * Checks run concurrently, each bounded by its own timeout, so a batch is bounded by the slowest
   * one plus a margin: a worker that dies mid-measurement delays that rule by seconds, not minutes.
   */
  private CutoverActivities measureStub(List<String> checks) {
    Duration slowest =
        checks.stream()
            .map(c -> plan.check(c).timeout())
            .max(Duration::compareTo)
            .orElse(Duration.ofSeconds(10));
    return Workflow.newActivityStub(
        CutoverActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(slowest.plusSeconds(10))
            .setRetryOptions(activityRetry)
            .build());
  }

  private boolean anyCompleted() {
    return (effect != null && effect.promise().isCompleted())
        || measuring.stream().anyMatch(m -> m.promise().isCompleted())
        || notifying.stream().anyMatch(Promise::isCompleted);
  }

  private boolean nothingInFlight() {
    return effect == null
        && measuring.isEmpty()
        && notifying.stream().allMatch(Promise::isCompleted);
  }

  private boolean continueAsNewDue() {
    return Workflow.getInfo().getHistoryLength() > HISTORY_LIMIT
        || Workflow.getInfo().isContinueAsNewSuggested();
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  // ------------------------------------------------------------------ signals, update, query

  private void receive(String name, SignalPayload p, String requestId) {
    SignalPayload s = p == null ? new SignalPayload(null, null, null, null, null) : p;
    inbox.add(
        new Pending(
            new Signal(name, s.by(), s.reason(), s.stage(), s.check(), s.comment()), requestId));
  }

  @Override
  public void approve(SignalPayload p) {
    receive("approve", p, null);
  }

  @Override
  public void abort(SignalPayload p) {
    receive("abort", p, null);
  }

  @Override
  public void pause(SignalPayload p) {
    receive("pause", p, null);
  }

  @Override
  public void resume(SignalPayload p) {
    receive("resume", p, null);
  }

  @Override
  public void promote(SignalPayload p) {
    receive("promote", p, null);
  }

  @Override
  public void acknowledge(SignalPayload p) {
    receive("acknowledge", p, null);
  }

  @Override
  public void retry(SignalPayload p) {
    receive("retry", p, null);
  }

  @Override
  public void abandon(SignalPayload p) {
    receive("abandon", p, null);
  }

  /** Not in the first release: a signal it had no handler for. */
  @Override
  public void confirm(SignalPayload p) {}

  @Override
  public OperationResult operate(Operation op) {
    if (plan == null) {
      return new OperationResult(false, "rejected: the plan is invalid", "FAILED");
    }
    String requestId = Workflow.randomUUID().toString();
    receive(op.name(), op.payload(), requestId);
    Workflow.await(() -> answered.containsKey(requestId));
    return answered.remove(requestId);
  }

  @Override
  public Status status() {
    return engine == null || state == null ? null : Status.of(engine, state, now());
  }
}
