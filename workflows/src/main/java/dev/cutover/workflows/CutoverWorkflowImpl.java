package dev.cutover.workflows;

import com.uber.m3.tally.Stopwatch;
import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Status;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.common.converter.DataConverterException;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The deterministic shell around {@link Engine}: it checks its input, has the worker admit a new
 * plan ({@link WorkflowStart}), turns signals (held to {@link SignalLimits}: {@link SignalIntake}),
 * timers and activity results into events, carries the engine's commands out as activities ({@link
 * InFlight}, {@link Notifications}, stubs and timeouts in {@link ActivityStubs}), keeps the search
 * attributes current, and continues as new before history grows too long ({@link ContinueAsNew}).
 * It makes no decision of its own. Its change ids are in {@link Versions}.
 *
 * <p>Register it with {@link #register}, which sets {@link #OPTIONS} and the {@link RunLineage}
 * activity it needs.
 */
public final class CutoverWorkflowImpl implements CutoverWorkflow {
  /**
   * A payload the data converter cannot read at all (not JSON, another encoding) fails the workflow
   * instead of its workflow task, which Temporal would retry forever. Any JSON is read: the
   * workflow checks it itself ({@link CutoverInput}).
   */
  public static final WorkflowImplementationOptions OPTIONS =
      WorkflowImplementationOptions.newBuilder()
          .setFailWorkflowExceptionTypes(DataConverterException.class)
          .build();

  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);

  private final Versions versions = new Versions();
  private final WorkflowStart start;
  private final SignalIntake intake;
  private final InFlight work;
  private final Notifications notes;
  private final ContinueAsNew continuing;
  private final Ledger ledger;
  private final CutoverMetrics metrics;
  private final WakeTimer wakeTimer = new WakeTimer();
  private CutoverState state;
  private String lastSearchAttributes = "";
  private String lastDetails = "";

  @WorkflowInit
  public CutoverWorkflowImpl(CutoverInput input) {
    // Nothing is read here: a constructor that throws fails the workflow task, not the workflow.
    ActivityStubs stubs = new ActivityStubs();
    this.start = new WorkflowStart(input == null ? new CutoverInput(null) : input, stubs);
    this.intake = new SignalIntake(versions, start, stubs);
    this.work = new InFlight(versions, start, stubs);
    this.notes = new Notifications(versions, start, stubs);
    this.continuing = new ContinueAsNew(versions, start);
    this.ledger = new Ledger(versions, start);
    this.metrics = new CutoverMetrics(start);
  }

  /**
   * Registers the workflow on a worker the way every worker must: with {@link #OPTIONS}, and with
   * the {@link RunLineage} activity a continued run verifies itself by, on {@code service}.
   */
  public static void register(Worker worker, WorkflowServiceStubs service) {
    register(worker, service, LedgerActivities.NONE);
  }

  /**
   * As {@link #register(Worker, WorkflowServiceStubs)}, with cutovers' records going to {@code
   * ledger}.
   */
  public static void register(
      Worker worker, WorkflowServiceStubs service, LedgerActivities ledger) {
    worker.registerWorkflowImplementationTypes(OPTIONS, CutoverWorkflowImpl.class);
    worker.registerActivitiesImplementations(new RunLineageImpl(service), ledger);
  }

  @Override
  public Status run(CutoverInput ignored) {
    versions.askAtStart();
    if (!versions.checkedInput()) {
      carryOut(start.legacyStart());
    } else if (start.begin(versions.newPlanRules())) {
      state = start.carried();
      log.info("continuing {} as new in state {}", start.plan().workflowId(), state.displayState());
      if (versions.continueAsNewOnSize()) {
        work.remeasure(state);
      }
      carryOut(start.engine().on(state, new Event.Tick(now())));
    } else {
      carryOut(start.startNew());
    }
    return loop();
  }

  private Status loop() {
    Engine engine = start.engine();
    while (true) {
      processArrivals();
      if (versions.coalesced()) {
        notes.sendHeld();
      }
      if (state.phase().terminal() && nothingInFlight() && notes.held() == 0) {
        break;
      }
      if (versions.continueAsNewOnSize()) {
        if (continuing.due()
            && ContinueAsNew.quietEnough(nothingInFlight(), work.effectInFlight())
            && intake.isEmpty()) {
          beforeBlocking();
          // An update arriving now puts its request in the inbox: handled on the next pass, then we
          // drain again.
          Workflow.await(() -> Workflow.isEveryHandlerFinished() || !intake.isEmpty());
          if (intake.isEmpty() && ledger.drain(() -> !intake.isEmpty()) && intake.isEmpty()) {
            continuing.continueNow(state, notes.held());
          }
          continue;
        }
      } else if (continuing.due() && nothingInFlight() && intake.isEmpty()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (intake.isEmpty()) {
          continuing.continueAsReleased(state);
        }
        continue;
      }
      long wake =
          versions.oneWakeTimer()
              ? engine.nextWakeCountingInFlightAt(state, now())
              : engine.nextWakeAt(state);
      long wait = wake == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, wake - now());
      beforeBlocking();
      boolean arrived;
      if (wait == Long.MAX_VALUE) {
        Workflow.await(() -> !intake.isEmpty() || anyCompleted() || ledger.wantsToSend());
        arrived = true;
      } else if (wait == 0) {
        arrived = true;
      } else {
        // Summaries are not compared on replay: not worth working out again.
        Supplier<String> summary =
            () -> Workflow.isReplaying() ? null : Console.timerSummary(engine, state, wake, now());
        Supplier<Boolean> arrival =
            () -> !intake.isEmpty() || anyCompleted() || ledger.wantsToSend();
        arrived =
            versions.oneWakeTimer()
                ? wakeTimer.await(wake, wait, summary, arrival)
                : Console.await(Duration.ofMillis(wait), summary.get(), arrival);
      }
      if (!arrived || now() >= wake) {
        carryOut(engine.on(state, new Event.Tick(now())));
      }
    }
    beforeBlocking();
    ledger.drain(() -> false);
    Workflow.await(Workflow::isEveryHandlerFinished);
    return Status.of(engine, state, now());
  }

  /** Feeds every signal and every finished activity into the engine. */
  private void processArrivals() {
    while (!intake.isEmpty()) {
      SignalIntake.Pending p = intake.next();
      List<CutoverState.Decision> before = state.decisions();
      Stopwatch deciding = metrics.deciding(p.name());
      carryOut(intake.read(p, state));
      intake.answer(p, before, state);
      deciding.stop();
    }
    for (Event.Measured measured : work.takeMeasured()) {
      CutoverState before = state;
      Engine.Transition t = start.engine().on(state, measured);
      ledger.measured(before, t.state(), measured);
      metrics.measured(before, t.state(), measured);
      carryOut(t);
    }
    Event.EffectDone effectDone = work.takeEffectDone();
    if (effectDone != null) {
      ledger.effectDone(state, effectDone);
      carryOut(start.engine().on(state, effectDone));
    }
    notes.forgetCompleted();
  }

  /** Adopts the engine's new state and starts each command as an activity. */
  private void carryOut(Engine.Transition t) {
    ledger.observe(state, t.state(), t.commands());
    metrics.transition(state, t.state());
    state = t.state();
    String workflowId = Workflow.getInfo().getWorkflowId();
    for (Command c : t.commands()) {
      if (c instanceof Command.Measure m) {
        work.measure(workflowId, m, state);
      } else if (c instanceof Command.Apply a) {
        work.apply(workflowId, a, state);
      } else if (c instanceof Command.Notify n) {
        log.info("{}", n.text());
        notes.send(n);
      }
    }
    if (!versions.coalesced()) {
      upsertSearchAttributes();
    }
  }

  private void upsertSearchAttributes() {
    String stage = state.stage() >= 0 ? start.plan().stages().get(state.stage()).name() : "";
    String shown = state.displayState().name();
    long percent = state.percent() == null ? 0 : state.percent();
    String key = stage + "|" + shown + "|" + percent;
    if (key.equals(lastSearchAttributes)) {
      return;
    }
    lastSearchAttributes = key;
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.PLAN, start.plan().name()),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.STAGE, stage),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.STATE, shown),
        SearchAttributeUpdate.valueSet(SearchAttributeKeys.PERCENT, percent));
  }

  /**
   * What is coalesced per workflow task goes out before the workflow waits (and so before its task
   * ends).
   */
  private void beforeBlocking() {
    if (versions.coalesced()) {
      upsertSearchAttributes();
    }
    updateDetails();
    ledger.flush();
  }

  /**
   * The current details the Temporal UI shows ({@link Console#details}); kept by the SDK, not a
   * command, and answered from the worker with the workflow's metadata query.
   */
  private void updateDetails() {
    if (start.engine() == null || state == null) {
      return;
    }
    String details =
        Console.details(
            Status.of(start.engine(), state, now()),
            start.signaturesRequired() || start.plan().approvals().signed());
    if (!details.equals(lastDetails)) {
      lastDetails = details;
      Workflow.setCurrentDetails(details);
    }
  }

  private boolean anyCompleted() {
    return work.anyCompleted() || notes.anyCompleted();
  }

  private boolean nothingInFlight() {
    return work.isEmpty() && notes.allCompleted();
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  // ------------------------------------------------------------------ signals, update, query

  @Override
  public void approve(SignalPayload p) {
    intake.receive("approve", p, null);
  }

  @Override
  public void abort(SignalPayload p) {
    intake.receive("abort", p, null);
  }

  @Override
  public void pause(SignalPayload p) {
    intake.receive("pause", p, null);
  }

  @Override
  public void resume(SignalPayload p) {
    intake.receive("resume", p, null);
  }

  @Override
  public void promote(SignalPayload p) {
    intake.receive("promote", p, null);
  }

  @Override
  public void acknowledge(SignalPayload p) {
    intake.receive("acknowledge", p, null);
  }

  @Override
  public void retry(SignalPayload p) {
    intake.receive("retry", p, null);
  }

  @Override
  public void abandon(SignalPayload p) {
    intake.receive("abandon", p, null);
  }

  @Override
  public void confirm(SignalPayload p) {
    intake.receive("confirm", p, null);
  }

  @Override
  public void validateOperate(Operation op) {
    SignalLimits.validate(op);
  }

  @Override
  public OperationResult operate(Operation op) {
    return intake.operate(op);
  }

  @Override
  public Status status() {
    return start.engine() == null || state == null ? null : Status.of(start.engine(), state, now());
  }
}
