package dev.cutover.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Problem;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The start of a run: checks its input, verifies a continued run's lineage with the service, reads
 * the plan, has the worker admit a new cutover, and writes the memo; or, for cutovers that started
 * before {@link Versions#CHECKED_INPUT}, the released start path. What it reads stays here for the
 * whole run: handlers read it while the start is still under way ({@link #planProblems} is set once
 * the plan has been judged), so every field is set at the same point as it always was.
 */
final class WorkflowStart {
  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);

  private final CutoverInput input;
  private final ActivityStubs stubs;
  private JsonNode planJson;
  private String startedBy;
  private PlanReader.Rules planRules;

  /**
   * Whether this worker requires approvals and other promoting signals to be signed: what admission
   * answered on the cutover's first run, carried across continue-as-new, and handed to the engine.
   */
  private boolean signaturesRequired;

  /** The state a continued run carries; null for a new cutover. */
  private CutoverState carried;

  private Plan plan;
  private List<Problem> planProblems;
  private Engine engine;

  /**
   * The plan's fragments as written, for cutovers started before {@link Versions#TYPED_REQUESTS}.
   */
  private PlanFragments fragments;

  private PlanRequests requests;

  WorkflowStart(CutoverInput input, ActivityStubs stubs) {
    this.input = input;
    this.stubs = stubs;
  }

  /**
   * Checks the input and gets the cutover ready to run, failing the workflow at once and
   * non-retryably on anything wrong, before any effect: a continued run is verified with the
   * service and takes what it carries; a new cutover is exactly {@code {plan, startedBy}}, runs
   * under its own id, reads its plan by the newest rules and is admitted by the worker.
   *
   * @return whether this run continues a cutover
   */
  boolean begin(PlanReader.Rules newPlanRules) {
    WorkflowInfo info = Workflow.getInfo();
    JsonNode raw = input.json();
    boolean continued =
        InputCheck.carriesState(raw) && info.getContinuedExecutionRunId().isPresent();
    InputCheck.Checked in;
    if (continued) {
      verifyLineage(info);
      in = InputCheck.checkContinued(raw);
    } else {
      in = InputCheck.checkNew(raw);
      if (info.getCronSchedule() != null && !info.getCronSchedule().isBlank()) {
        throw invalidInput(
            "a cutover cannot run on a cron schedule (started with "
                + UntrustedText.quoted(info.getCronSchedule(), 40)
                + "): start it once, without one");
      }
    }
    planJson = in.plan();
    startedBy = in.startedBy();
    carried = in.state();
    planRules = continued ? in.planRules() : newPlanRules;
    signaturesRequired = in.signaturesRequired();
    readCheckedPlan();
    if (!continued) {
      if (!info.getWorkflowId().equals(plan.workflowId())) {
        throw invalidInput(
            "the workflow id must be "
                + plan.workflowId()
                + " (cutover-<plan name>), not "
                + UntrustedText.quoted(info.getWorkflowId(), 80)
                + ": one cutover per plan, so that two never drive"
                + " one switch");
      }
      signaturesRequired = admit(info.getWorkflowId()).signaturesRequired();
      engine = new Engine(plan, engineOptions());
    }
    planProblems = List.of();
    return continued;
  }

  /** A new cutover's first transition: its memo written, then the engine started. */
  Engine.Transition startNew() {
    writeMemo();
    return engine.start(startedBy, Workflow.currentTimeMillis());
  }

  /**
   * How the released code started (and continued) a cutover, before {@link Versions#CHECKED_INPUT};
   * kept for the cutovers that started on it. It reads the input as the data converter used to.
   *
   * @return the run's first transition
   */
  Engine.Transition legacyStart() {
    planJson = input.plan();
    startedBy = input.startedBy();
    planRules = input.planRules();
    carried = input.state();
    readPlan();
    if (plan == null) {
      throw invalidPlan(planProblems);
    }
    if (startedBy == null || startedBy.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "startedBy is required: say who starts the cutover ({\"plan\": ..., \"startedBy\": \"<person>\"})",
          FailureTypes.INVALID_INPUT);
    }
    if (carried == null) {
      if (Versions.takesChange(Versions.MEMO_AT_START)) {
        writeMemo();
      }
      return engine.start(startedBy, Workflow.currentTimeMillis());
    }
    log.info("continuing {} as new in state {}", plan.workflowId(), carried.displayState());
    return engine.on(carried, new Event.Tick(Workflow.currentTimeMillis()));
  }

  /**
   * Reads the plan by the rules this cutover started under: decided by a version marker on its
   * first run, then carried in the input across continue-as-new (a new run has no marker of its
   * own).
   */
  private void readPlan() {
    if (planRules == null) {
      planRules =
          Versions.takesChange(Versions.UNDO_REQUIRED)
              ? PlanReader.Rules.CURRENT
              : PlanReader.Rules.FIRST_RELEASE;
    }
    if (planJson == null) {
      planProblems =
          List.of(
              new Problem(
                  "plan",
                  "required: the input is {\"plan\": <the plan as JSON>, \"startedBy\": \"<person>\"}"));
      return;
    }
    try {
      load();
      planProblems = List.of();
    } catch (PlanException e) {
      planProblems = e.problems();
    }
  }

  /**
   * Reads the plan by {@link #planRules}. Anything the reader throws fails the workflow with the
   * plan's problems: never the workflow task, which would be retried forever.
   */
  private void readCheckedPlan() {
    try {
      load();
    } catch (PlanException e) {
      throw invalidPlan(e.problems());
    } catch (RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "invalid plan: it could not be read ("
              + e.getClass().getSimpleName()
              + ": "
              + UntrustedText.quoted(String.valueOf(e.getMessage()), 200)
              + ")",
          FailureTypes.INVALID_PLAN);
    }
  }

  /**
   * The plan, its engine and what goes to the worker, read from {@link #planJson} by {@link
   * #planRules}.
   */
  private void load() {
    plan = PlanReader.fromTree(planJson, planRules);
    engine = new Engine(plan, engineOptions());
    fragments = new PlanFragments(plan, planJson);
    requests = new PlanRequests(plan);
  }

  private static ApplicationFailure invalidPlan(List<Problem> problems) {
    return ApplicationFailure.newNonRetryableFailure(
        "invalid plan:\n" + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")),
        FailureTypes.INVALID_PLAN);
  }

  private static ApplicationFailure invalidInput(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_INPUT);
  }

  /**
   * Old cutovers keep exact name comparison; new ones normalise names and honour the worker's
   * signing rule.
   */
  private Engine.Options engineOptions() {
    return planRules.compareTo(PlanReader.Rules.HARDENED) >= 0
        ? Engine.Options.of(signaturesRequired)
        : Engine.Options.LEGACY;
  }

  /**
   * What the cutover is and who started it, so the Temporal UI shows it without a worker answering
   * a query.
   */
  private void writeMemo() {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("plan", plan.name());
    memo.put("description", plan.description() == null ? "" : plan.description());
    memo.put("startedBy", startedBy);
    memo.put("stages", plan.stages().stream().map(s -> s.name()).toList());
    Workflow.upsertMemo(memo);
  }

  /** Only a run that continue-as-new made from a cutover on this task queue may carry a state. */
  private void verifyLineage(WorkflowInfo info) {
    String previous = info.getContinuedExecutionRunId().orElseThrow();
    RunLineage.PreviousRun run =
        stubs.lineage().describe(new RunLineage.PreviousRunRequest(info.getWorkflowId(), previous));
    if (!run.continuedAsNewFrom(info.getWorkflowType(), info.getTaskQueue())) {
      throw invalidInput(
          "state, planRules and signaturesRequired are carried only by continue-as-new from a"
              + " cutover; this run follows run "
              + previous
              + ", "
              + described(run)
              + "; "
              + InputCheck.SHAPE);
    }
  }

  private static String described(RunLineage.PreviousRun run) {
    if (RunLineage.PreviousRun.NOT_FOUND.equals(run.status())) {
      return "which the service no longer has (past the namespace's retention?), so what it carried cannot be trusted";
    }
    return "a "
        + UntrustedText.quoted(run.workflowType(), 60)
        + " run on task queue "
        + UntrustedText.quoted(run.taskQueue(), 60)
        + " that ended "
        + run.status();
  }

  /**
   * Holds a new plan against the worker's configuration before anything runs. A worker that does
   * not answer is asked again a few times; a refusal is final and lists every reason.
   */
  private Admission admit(String workflowId) {
    Admission a;
    try {
      a = stubs.admission().admit(new AdmitRequest(workflowId, planJson, planRules));
    } catch (ActivityFailure e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the worker did not answer the admission check ("
              + InFlight.rootMessage(e)
              + "); nothing was changed: start the cutover again",
          FailureTypes.ADMISSION_UNAVAILABLE);
    }
    if (!a.admitted()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "plan refused by the worker's configuration; nothing was"
              + " changed:\n"
              + a.refusals().stream().map(r -> "  " + r).collect(Collectors.joining("\n")),
          FailureTypes.PLAN_REFUSED);
    }
    return a;
  }

  JsonNode planJson() {
    return planJson;
  }

  String startedBy() {
    return startedBy;
  }

  PlanReader.Rules planRules() {
    return planRules;
  }

  boolean signaturesRequired() {
    return signaturesRequired;
  }

  /** The state a continued run carries; null for a new cutover. */
  CutoverState carried() {
    return carried;
  }

  /** The plan; null until read, and for good if it is invalid. */
  Plan plan() {
    return plan;
  }

  /** Null until the plan has been judged; then its problems (none when it reads). */
  List<Problem> planProblems() {
    return planProblems;
  }

  Engine engine() {
    return engine;
  }

  PlanFragments fragments() {
    return fragments;
  }

  PlanRequests requests() {
    return requests;
  }
}
