package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Signal;
import dev.cutover.engine.State;
import dev.cutover.engine.Status;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Problem;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.common.converter.DataConverterException;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The deterministic shell around {@link Engine}: it checks its input, has the worker admit a new
 * plan, turns signals (held to {@link SignalLimits}), timers and activity results into events,
 * carries the engine's commands out as activities, keeps the search attributes current, and
 * continues as new before history grows past {@link #HISTORY_LIMIT} events or {@link
 * #HISTORY_BYTES_LIMIT} bytes. It makes no decision of its own.
 *
 * <p>Register it with {@link #register}, which sets {@link #OPTIONS} and the {@link RunLineage}
 * activity it needs.
 */
public final class CutoverWorkflowImpl implements CutoverWorkflow {
  /** Continue as new well before the 2,000-event bar of DESIGN.md §7. */
  static final int HISTORY_LIMIT = 1_500;
  /** Continue as new once history holds this many bytes (Temporal warns at 10 MB and stops a run at 50 MB). */
  static final long HISTORY_BYTES_LIMIT = 2L * 1024 * 1024;
  /**
   * Past these, continuing as new waits only for an effect in flight, not for measurements (the
   * continued run asks for them again) or notifications (best effort): under load or a flood of
   * signals, one of those is nearly always in flight.
   */
  static final int HISTORY_LIMIT_OVERDUE = HISTORY_LIMIT + 100;
  static final long HISTORY_BYTES_OVERDUE = HISTORY_BYTES_LIMIT + 1024 * 1024;
  /**
   * Version 1 (after the first release): a new cutover records what it is and who started it as
   * its memo, so the Temporal UI shows it without a worker answering a query. Cutovers started
   * before keep the original path (no memo) for their whole life.
   */
  static final String MEMO_AT_START = "memo-at-start";
  /** Version 1: plans are read by {@link PlanReader.Rules#CURRENT} (stage actions declare undo). */
  static final String UNDO_REQUIRED = "undo-required";
  /**
   * Version 1 (issue 9): the input is checked before anything reads it (a new cutover's is exactly
   * {@code {plan, startedBy}}; state, plan rules and admission are honoured only on a run that
   * continue-as-new made from a cutover, verified with the service); the workflow id must be {@code
   * cutover-<plan name>}; new plans are read by {@link PlanReader.Rules#HARDENED} and admitted by
   * the worker before anything runs. Every failure is at once and non-retryable.
   */
  static final String CHECKED_INPUT = "checked-input";
  /** Version 1 (issue 9): signals are held to {@link SignalLimits} before the engine reads them. */
  static final String BOUNDED_SIGNALS = "bounded-signals";
  /**
   * Version 1 (issue 9): continue as new on history bytes too; once overdue, continue with
   * measurements and notifications in flight (a continued run asks again for the measurements its
   * state has in flight); and drain update handlers without the deadlock of an update arriving
   * during the drain.
   */
  static final String CONTINUE_AS_NEW_ON_SIZE = "continue-as-new-on-size";
  /**
   * Version 1 (issue 9): search attributes are upserted once per workflow task, not after every
   * event; and at most {@link #NOTIFY_IN_FLIGHT_MAX} notifications are in flight, the rest held and
   * sent as one. A flood of accepted signals (pause, resume, pause...) otherwise adds two or three
   * events of ours for each signal.
   */
  static final String COALESCED_COMMANDS = "coalesced-commands";
  static final int NOTIFY_IN_FLIGHT_MAX = 4;
  /** The most texts one combined notification quotes. */
  static final int NOTIFY_COMBINED_MAX = 5;
  /**
   * Version 1 (issue 10): checks and effects go to the worker typed, as this workflow read them from
   * its plan ({@link PlanRequests}), through the activities {@code measureChecks} and {@code
   * applyEffect}; the worker no longer reads pieces of the plan again. Cutovers started before keep
   * sending the plan's fragments ({@link PlanFragments}) to {@code measure} and {@code apply}.
   */
  static final String TYPED_REQUESTS = "typed-requests";
  /**
   * A payload the data converter cannot read at all (not JSON, another encoding) fails the workflow
   * instead of its workflow task, which Temporal would retry forever. Any JSON is read: the
   * workflow checks it itself ({@link CutoverInput}).
   */
  public static final WorkflowImplementationOptions OPTIONS = WorkflowImplementationOptions.newBuilder()
      .setFailWorkflowExceptionTypes(DataConverterException.class).build();
  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);

  private final CutoverInput input;
  private JsonNode planJson;
  private String startedBy;
  private PlanReader.Rules planRules;
  /**
   * Whether this worker requires approvals and other promoting signals to be signed: what admission
   * answered on the cutover's first run, carried across continue-as-new, and handed to the engine.
   */
  private boolean signaturesRequired;
  private boolean checkedInput;
  private boolean coalesced;
  private boolean typedRequests;
  private final List<Command.Notify> heldNotes = new ArrayList<>();
  /** Versions asked once each (getVersion yields to other handlers: asking again would reorder commands). */
  private Integer boundedSignals;
  private Integer canOnSize;
  private Plan plan;
  private List<Problem> planProblems;
  private Engine engine;
  /** The plan's fragments as written, for cutovers started before {@link #TYPED_REQUESTS}. */
  private PlanFragments fragments;
  private PlanRequests requests;
  private final RetryOptions activityRetry;
  private final CutoverActivities effectActivities;
  private final CutoverActivities notifyActivities;
  /** A local activity: the keyring is on this worker, and the answer is needed before the signal is judged. */
  private final CutoverActivities signatureStub;

  private CutoverState state;
  private final Deque<Pending> inbox = new ArrayDeque<>();
  private final Map<String, OperationResult> answered = new HashMap<>();
  private final List<InFlight<List<Reading>>> measuring = new ArrayList<>();
  private InFlight<String> effect;
  private final List<Promise<Void>> notifying = new ArrayList<>();
  private String lastSearchAttributes = "";

  private record Pending(String name, SignalPayload payload, String requestId) {}

  private record InFlight<T>(long seq, Promise<T> promise, List<String> checks) {}

  @WorkflowInit
  public CutoverWorkflowImpl(CutoverInput input) {
    // Nothing is read here: a constructor that throws fails the workflow task, not the workflow.
    this.input = input == null ? new CutoverInput(null) : input;
    this.activityRetry = RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1))
        .setBackoffCoefficient(2).setMaximumAttempts(3)
        .setDoNotRetry(FailureTypes.NOT_RETRIED_BY_ACTIVITY.toArray(String[]::new)).build();
    // Each HTTP call of an effect is bounded by its own timeout; a worker that dies mid-effect is
    // noticed after a minute, and the engine's own backoff takes over after five.
    this.effectActivities = Workflow.newActivityStub(CutoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1)).setScheduleToCloseTimeout(Duration.ofMinutes(5))
        .setRetryOptions(activityRetry).build());
    this.notifyActivities = Workflow.newActivityStub(CutoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(20)).setRetryOptions(RetryOptions.newBuilder()
            .setMaximumAttempts(3).build()).build());
    this.signatureStub = Workflow.newLocalActivityStub(CutoverActivities.class, LocalActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(5))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build()).build());
  }

  /**
   * Registers the workflow on a worker the way every worker must: with {@link #OPTIONS}, and with
   * the {@link RunLineage} activity a continued run verifies itself by, on {@code service}.
   */
  public static void register(Worker worker, WorkflowServiceStubs service) {
    worker.registerWorkflowImplementationTypes(OPTIONS, CutoverWorkflowImpl.class);
    worker.registerActivitiesImplementations(new RunLineageImpl(service));
  }

  /**
   * The released path (before {@link #CHECKED_INPUT}), for cutovers that started on it: reads the
   * input as the data converter used to.
   */
  private void readLegacyInput() {
    this.planJson = input.plan();
    this.startedBy = input.startedBy();
    this.planRules = input.planRules();
    this.state = input.state();
  }

  /**
   * Reads the plan by the rules this cutover started under: decided by a version marker on its
   * first run, then carried in the input across continue-as-new (a new run has no marker of its own).
   */
  private void readPlan() {
    if (planRules == null) {
      planRules = Workflow.getVersion(UNDO_REQUIRED, Workflow.DEFAULT_VERSION, 1) >= 1
          ? PlanReader.Rules.CURRENT : PlanReader.Rules.FIRST_RELEASE;
    }
    if (planJson == null) {
      planProblems = List.of(new Problem("plan", "required: the input is {\"plan\": <the plan as JSON>, \"startedBy\": \"<person>\"}"));
      return;
    }
    try {
      plan = PlanReader.fromTree(planJson, planRules);
      engine = new Engine(plan, engineOptions());
      fragments = new PlanFragments(plan, planJson);
      requests = new PlanRequests(plan);
      planProblems = List.of();
    } catch (PlanException e) {
      planProblems = e.problems();
    }
  }

  @Override
  public Status run(CutoverInput ignored) {
    checkedInput = Workflow.getVersion(CHECKED_INPUT, Workflow.DEFAULT_VERSION, 1) >= 1;
    coalesced = checkedInput && Workflow.getVersion(COALESCED_COMMANDS, Workflow.DEFAULT_VERSION, 1) >= 1;
    typedRequests = checkedInput && Workflow.getVersion(TYPED_REQUESTS, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (!checkedInput) {
      readLegacyInput();
      runLegacyStart();
    } else if (begin()) {
      log.info("continuing {} as new in state {}", plan.workflowId(), state.displayState());
      if (canOnSize()) {
        remeasure();
      }
      carryOut(engine.on(state, new Event.Tick(now())));
    } else {
      Map<String, Object> memo = new java.util.LinkedHashMap<>();
      memo.put("plan", plan.name());
      memo.put("description", plan.description() == null ? "" : plan.description());
      memo.put("startedBy", startedBy);
      memo.put("stages", plan.stages().stream().map(st -> st.name()).toList());
      Workflow.upsertMemo(memo);
      carryOut(engine.start(startedBy, now()));
    }
    return loop();
  }

  /** How the released code started (and continued) a cutover; kept for the cutovers that started on it. */
  private void runLegacyStart() {
    readPlan();
    if (plan == null) {
      throw ApplicationFailure.newNonRetryableFailure("invalid plan:\n" + planProblems.stream()
          .map(p -> "  " + p).collect(Collectors.joining("\n")), FailureTypes.INVALID_PLAN);
    }
    if (startedBy == null || startedBy.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "startedBy is required: say who starts the cutover ({\"plan\": ..., \"startedBy\": \"<person>\"})",
          FailureTypes.INVALID_INPUT);
    }
    if (state == null) {
      if (Workflow.getVersion(MEMO_AT_START, Workflow.DEFAULT_VERSION, 1) >= 1) {
        Map<String, Object> memo = new java.util.LinkedHashMap<>();
        memo.put("plan", plan.name());
        memo.put("description", plan.description() == null ? "" : plan.description());
        memo.put("startedBy", startedBy);
        memo.put("stages", plan.stages().stream().map(s -> s.name()).toList());
        Workflow.upsertMemo(memo);
      }
      carryOut(engine.start(startedBy, now()));
    } else {
      log.info("continuing {} as new in state {}", plan.workflowId(), state.displayState());
      carryOut(engine.on(state, new Event.Tick(now())));
    }
  }

  /**
   * Checks the input and gets the cutover ready to run, failing the workflow at once and
   * non-retryably on anything wrong, before any effect: a continued run is verified with the
   * service and takes what it carries; a new cutover is exactly {@code {plan, startedBy}}, runs
   * under its own id, reads its plan by the newest rules and is admitted by the worker.
   *
   * @return whether this run continues a cutover
   */
  private boolean begin() {
    WorkflowInfo info = Workflow.getInfo();
    JsonNode raw = input.json();
    boolean continued = InputCheck.carriesState(raw) && info.getContinuedExecutionRunId().isPresent();
    InputCheck.Checked in;
    if (continued) {
      verifyLineage(info);
      in = InputCheck.checkContinued(raw);
    } else {
      in = InputCheck.checkNew(raw);
      if (info.getCronSchedule() != null && !info.getCronSchedule().isBlank()) {
        throw invalidInput("a cutover cannot run on a cron schedule (started with "
            + UntrustedText.quoted(info.getCronSchedule(), 40) + "): start it once, without one");
      }
    }
    planJson = in.plan();
    startedBy = in.startedBy();
    state = in.state();
    planRules = continued ? in.planRules() : PlanReader.Rules.HARDENED;
    signaturesRequired = in.signaturesRequired();
    readCheckedPlan();
    if (!continued) {
      if (!info.getWorkflowId().equals(plan.workflowId())) {
        throw invalidInput("the workflow id must be " + plan.workflowId() + " (cutover-<plan name>), not "
            + UntrustedText.quoted(info.getWorkflowId(), 80) + ": one cutover per plan, so that two never drive"
            + " one switch");
      }
      signaturesRequired = admit(info.getWorkflowId()).signaturesRequired();
      engine = new Engine(plan, engineOptions());
    }
    planProblems = List.of();
    return continued;
  }

  private static ApplicationFailure invalidInput(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_INPUT);
  }

  /** Only a run that continue-as-new made from a cutover on this task queue may carry a state. */
  private void verifyLineage(WorkflowInfo info) {
    String previous = info.getContinuedExecutionRunId().orElseThrow();
    RunLineage lineage = Workflow.newActivityStub(RunLineage.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(15))
        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1)).setBackoffCoefficient(2)
            .setMaximumInterval(Duration.ofMinutes(1)).setDoNotRetry(FailureTypes.LINEAGE_FORBIDDEN).build()).build());
    RunLineage.PreviousRun run = lineage.describe(new RunLineage.PreviousRunRequest(info.getWorkflowId(), previous));
    if (!run.continuedAsNewFrom(info.getWorkflowType(), info.getTaskQueue())) {
      throw invalidInput("state, planRules and signaturesRequired are carried only by continue-as-new from a"
          + " cutover; this run follows run " + previous + ", " + described(run) + "; " + InputCheck.SHAPE);
    }
  }

  private static String described(RunLineage.PreviousRun run) {
    if (RunLineage.PreviousRun.NOT_FOUND.equals(run.status())) {
      return "which the service no longer has (past the namespace's retention?), so what it carried cannot be trusted";
    }
    return "a " + UntrustedText.quoted(run.workflowType(), 60) + " run on task queue "
        + UntrustedText.quoted(run.taskQueue(), 60) + " that ended " + run.status();
  }

  /**
   * Reads the plan by {@link #planRules}. Anything the reader throws fails the workflow with the
   * plan's problems: never the workflow task, which would be retried forever.
   */
  private void readCheckedPlan() {
    try {
      plan = PlanReader.fromTree(planJson, planRules);
      engine = new Engine(plan, engineOptions());
      fragments = new PlanFragments(plan, planJson);
      requests = new PlanRequests(plan);
    } catch (PlanException e) {
      throw ApplicationFailure.newNonRetryableFailure("invalid plan:\n" + e.problems().stream()
          .map(p -> "  " + p).collect(Collectors.joining("\n")), FailureTypes.INVALID_PLAN);
    } catch (RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure("invalid plan: it could not be read ("
          + e.getClass().getSimpleName() + ": " + UntrustedText.quoted(String.valueOf(e.getMessage()), 200) + ")",
          FailureTypes.INVALID_PLAN);
    }
  }

  /**
   * Holds a new plan against the worker's configuration before anything runs. A worker that does
   * not answer is asked again a few times; a refusal is final and lists every reason.
   */
  private Admission admit(String workflowId) {
    CutoverActivities admission = Workflow.newActivityStub(CutoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30)).setScheduleToCloseTimeout(Duration.ofMinutes(2))
        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1)).setBackoffCoefficient(2)
            .setMaximumAttempts(5).build()).build());
    Admission a;
    try {
      a = admission.admit(new AdmitRequest(workflowId, planJson, planRules));
    } catch (ActivityFailure e) {
      throw ApplicationFailure.newNonRetryableFailure("the worker did not answer the admission check ("
          + rootMessage(e) + "); nothing was changed: start the cutover again", FailureTypes.ADMISSION_UNAVAILABLE);
    }
    if (!a.admitted()) {
      throw ApplicationFailure.newNonRetryableFailure("plan refused by the worker's configuration; nothing was"
          + " changed:\n" + a.refusals().stream().map(r -> "  " + r).collect(Collectors.joining("\n")),
          FailureTypes.PLAN_REFUSED);
    }
    return a;
  }

  private Status loop() {
    while (true) {
      processArrivals();
      if (coalesced) {
        sendHeldNotes();
      }
      if (state.phase().terminal() && nothingInFlight() && heldNotes.isEmpty()) {
        break;
      }
      if (canOnSize()) {
        if (continueAsNewDue() && quietEnoughToContinue() && inbox.isEmpty()) {
          beforeBlocking();
          // An update arriving now puts its request in the inbox: handled on the next pass, then we drain again.
          Workflow.await(() -> Workflow.isEveryHandlerFinished() || !inbox.isEmpty());
          if (inbox.isEmpty()) {
            if (!heldNotes.isEmpty()) {
              log.warn("continuing as new with {} notifications held back by a flood; they are dropped", heldNotes.size());
            }
            Workflow.continueAsNew(checkedInput
                ? CutoverInput.continued(planJson, startedBy, state, planRules, signaturesRequired)
                : new CutoverInput(planJson, startedBy, state, planRules));
          }
          continue;
        }
      } else if (continueAsNewDue() && nothingInFlight() && inbox.isEmpty()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (inbox.isEmpty()) {
          Workflow.continueAsNew(new CutoverInput(planJson, startedBy, state, planRules));
        }
        continue;
      }
      long wake = engine.nextWakeAt(state);
      long wait = wake == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, wake - now());
      beforeBlocking();
      boolean arrived;
      if (wait == Long.MAX_VALUE) {
        Workflow.await(() -> !inbox.isEmpty() || anyCompleted());
        arrived = true;
      } else {
        arrived = wait == 0 || Workflow.await(Duration.ofMillis(wait), () -> !inbox.isEmpty() || anyCompleted());
      }
      if (!arrived || now() >= wake) {
        carryOut(engine.on(state, new Event.Tick(now())));
      }
    }
    beforeBlocking();
    Workflow.await(Workflow::isEveryHandlerFinished);
    return Status.of(engine, state, now());
  }

  /** What is coalesced per workflow task goes out before the workflow waits (and so before its task ends). */
  private void beforeBlocking() {
    if (coalesced) {
      upsertSearchAttributes();
    }
  }

  private long notificationsInFlight() {
    return notifying.stream().filter(p -> !p.isCompleted()).count();
  }

  private void notifyPeople(Command.Notify n) {
    notifying.add(Async.procedure(notifyActivities::notifyPeople,
        new NotifyRequest(Workflow.getInfo().getWorkflowId(), requests.webhook(), n.level().name(), n.text())));
  }

  /** Held notifications, once a slot is free: one message, at the most urgent level among them. */
  private void sendHeldNotes() {
    if (heldNotes.isEmpty() || notificationsInFlight() >= NOTIFY_IN_FLIGHT_MAX) {
      return;
    }
    Command.Notify.Level level = heldNotes.stream().map(Command.Notify::level).max(Enum::compareTo).orElseThrow();
    StringBuilder text = new StringBuilder("[" + plan.name() + "] " + heldNotes.size() + " notifications in a burst:");
    heldNotes.stream().limit(NOTIFY_COMBINED_MAX).forEach(n -> text.append("\n").append(n.text()));
    if (heldNotes.size() > NOTIFY_COMBINED_MAX) {
      text.append("\n... and ").append(heldNotes.size() - NOTIFY_COMBINED_MAX).append(" more (see cutover status)");
    }
    heldNotes.clear();
    notifyPeople(new Command.Notify(level, text.toString()));
  }

  /**
   * Asks again for the measurements the previous run had in flight when it continued as new (a
   * measurement is a read: asking twice is harmless), under the same sequence numbers, so the
   * engine gets the readings it waits for. Continuing as new need not wait for measurements.
   */
  private void remeasure() {
    Map<Long, List<String>> bySeq = new java.util.TreeMap<>();
    for (dev.cutover.engine.RuleState r : state.rules().values()) {
      if (r.inFlight() != null) {
        List<String> checks = bySeq.computeIfAbsent(r.inFlight(), k -> new ArrayList<>());
        if (!checks.contains(r.check())) {
          checks.add(r.check());
        }
      }
    }
    String workflowId = Workflow.getInfo().getWorkflowId();
    bySeq.forEach((seq, checks) -> measuring.add(new InFlight<>(seq, measure(workflowId, checks), checks)));
  }

  /** Feeds every signal and every finished activity into the engine. */
  private void processArrivals() {
    while (!inbox.isEmpty()) {
      Pending p = inbox.poll();
      List<CutoverState.Decision> before = state.decisions();
      if (boundedSignals()) {
        SignalLimits.Checked c = SignalLimits.check(p.payload());
        if (c.refusal() != null) {
          carryOut(engine.refuse(state, now(), c.by(), p.name(), c.refusal()));
        } else {
          Signal signal = signal(p.name(), c.payload()).withSignature(signature(p.name(), p.payload()));
          carryOut(engine.on(state, new Event.SignalReceived(now(), signal)));
        }
      } else {
        SignalPayload s = p.payload() == null ? new SignalPayload(null, null, null, null, null) : p.payload();
        carryOut(engine.on(state, new Event.SignalReceived(now(), signal(p.name(), s))));
      }
      if (p.requestId() != null) {
        CutoverState.Decision d = decisionOn(before, state.decisions());
        answered.put(p.requestId(), new OperationResult(d.accepted(), d.text(), state.displayState().name()));
      }
    }
    // Snapshot first: carrying out the engine's answer may start new measurements.
    List<InFlight<List<Reading>>> measured = measuring.stream().filter(m -> m.promise().isCompleted()).toList();
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

  /**
   * What the worker's approver keyring says of a signed promoting signal, checked over the payload
   * exactly as it arrived (what was signed). Only cutovers read by the {@code HARDENED} rules ask:
   * the ones started before signed signals existed never call the activity, so their histories
   * replay unchanged. A worker that cannot answer makes the signature invalid, never valid.
   */
  private Signal.Signature signature(String name, SignalPayload raw) {
    if (planRules != PlanReader.Rules.HARDENED || !SignedSignals.needsVerification(name, raw)) {
      return Signal.Signature.UNSIGNED;
    }
    String workflowId = Workflow.getInfo().getWorkflowId();
    String shape = SignedSignals.shapeProblem(raw, Instant.ofEpochMilli(now()));
    if (shape != null) {
      return Signal.Signature.invalid(shape); // garbage costs no call to the worker
    }
    SignatureVerdict verdict;
    try {
      verdict = signatureStub.verifySignature(new SignatureRequest(workflowId, name, raw));
    } catch (ActivityFailure e) {
      verdict = new SignatureVerdict(false, "the worker could not check the signature");
    }
    return SignedSignals.toSignature(workflowId, name, raw, verdict);
  }

  /** Old cutovers keep exact name comparison; new ones normalise names and honour the worker's signing rule. */
  private Engine.Options engineOptions() {
    return planRules == PlanReader.Rules.HARDENED ? Engine.Options.of(signaturesRequired) : Engine.Options.LEGACY;
  }

  /**
   * The decision a signal itself produced: the first one recorded after {@code before}, not what
   * followed from it (an approval that completes a stage is answered "approved stage canary", not
   * "stage half starts"). The journal keeps only its latest entries, so the old newest entry is
   * looked for rather than counted from the start.
   */
  private static CutoverState.Decision decisionOn(List<CutoverState.Decision> before, List<CutoverState.Decision> after) {
    int first = before.isEmpty() ? 0 : after.lastIndexOf(before.get(before.size() - 1)) + 1;
    return after.get(first < after.size() ? first : after.size() - 1);
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
      String type = e.getCause() instanceof ApplicationFailure af && af.getType() != null ? af.getType()
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
        measuring.add(new InFlight<>(m.seq(), measure(workflowId, m.checks()), m.checks()));
      } else if (c instanceof Command.Apply a) {
        dev.cutover.plan.Action action = a.step().kind() == dev.cutover.engine.Step.Kind.TRAFFIC
            || a.step().kind() == dev.cutover.engine.Step.Kind.FLAGS ? null : engine.actionOf(a.step());
        Promise<String> applied = typedRequests
            ? Async.function(effectStub(action)::applyEffect, requests.effect(workflowId, a.step(), action))
            : Async.function(effectStub(action)::apply, fragments.effect(workflowId, a.step(), action));
        effect = new InFlight<>(a.seq(), applied, List.of());
      } else if (c instanceof Command.Notify n) {
        log.info("{}", n.text());
        if (coalesced && (notificationsInFlight() >= NOTIFY_IN_FLIGHT_MAX || !heldNotes.isEmpty())) {
          heldNotes.add(n);
        } else {
          notifyPeople(n);
        }
      }
    }
    if (!coalesced) {
      upsertSearchAttributes();
    }
  }

  /** Starts measuring {@code checks}: typed for new cutovers, as the plan's fragments for older ones. */
  private Promise<List<Reading>> measure(String workflowId, List<String> checks) {
    return typedRequests
        ? Async.function(measureStub(checks)::measureChecks, requests.measure(workflowId, checks))
        : Async.function(measureStub(checks)::measure, fragments.measure(workflowId, checks));
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
    Duration slowest = checks.stream().map(c -> plan.check(c).timeout()).max(Duration::compareTo).orElse(Duration.ofSeconds(10));
    return Workflow.newActivityStub(CutoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(slowest.plusSeconds(10)).setRetryOptions(activityRetry).build());
  }

  /** A command runs as long as its own timeout allows; every other effect is a few HTTP calls. */
  private CutoverActivities effectStub(dev.cutover.plan.Action action) {
    if (!(action instanceof dev.cutover.plan.Action.Command command)) {
      return effectActivities;
    }
    Duration attempt = command.timeout().plusSeconds(30);
    return Workflow.newActivityStub(CutoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(attempt).setScheduleToCloseTimeout(attempt.multipliedBy(3))
        .setRetryOptions(activityRetry).build());
  }

  private boolean anyCompleted() {
    return (effect != null && effect.promise().isCompleted())
        || measuring.stream().anyMatch(m -> m.promise().isCompleted())
        || notifying.stream().anyMatch(Promise::isCompleted);
  }

  private boolean nothingInFlight() {
    return effect == null && measuring.isEmpty() && notifying.stream().allMatch(Promise::isCompleted);
  }

  private boolean continueAsNewDue() {
    WorkflowInfo info = Workflow.getInfo();
    return info.getHistoryLength() > HISTORY_LIMIT || info.isContinueAsNewSuggested()
        || (canOnSize() && info.getHistorySize() > HISTORY_BYTES_LIMIT);
  }

  /**
   * Nothing in flight; or, once overdue, no effect in flight (its result is state, and an effect is
   * not asked twice). Measurements in flight are asked again by the continued run ({@link
   * #remeasure}); notifications are best effort. Under load a short watch always has one in
   * flight, and a flood of signals keeps notifications coming: neither may hold continue-as-new back.
   */
  private boolean quietEnoughToContinue() {
    if (nothingInFlight()) {
      return true;
    }
    WorkflowInfo info = Workflow.getInfo();
    boolean overdue = info.getHistoryLength() > HISTORY_LIMIT_OVERDUE || info.getHistorySize() > HISTORY_BYTES_OVERDUE;
    return overdue && effect == null;
  }

  private boolean boundedSignals() {
    if (boundedSignals == null) {
      boundedSignals = Workflow.getVersion(BOUNDED_SIGNALS, Workflow.DEFAULT_VERSION, 1);
    }
    return boundedSignals >= 1;
  }

  private boolean canOnSize() {
    if (canOnSize == null) {
      canOnSize = Workflow.getVersion(CONTINUE_AS_NEW_ON_SIZE, Workflow.DEFAULT_VERSION, 1);
    }
    return canOnSize >= 1;
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  // ------------------------------------------------------------------ signals, update, query

  private void receive(String name, SignalPayload p, String requestId) {
    inbox.add(new Pending(name, p, requestId));
  }

  private static Signal signal(String name, SignalPayload s) {
    return new Signal(name, s.by(), s.reason(), s.stage(), s.check(), s.comment());
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

  @Override
  public void validateOperate(Operation op) {
    SignalLimits.validate(op);
  }

  @Override
  public OperationResult operate(Operation op) {
    Workflow.await(() -> planProblems != null);
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
