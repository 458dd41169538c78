package dev.cutover.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.cutover.engine.CutoverState.Approval;
import dev.cutover.engine.CutoverState.Decision;
import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.InFlightEffect;
import dev.cutover.engine.CutoverState.Incident;
import dev.cutover.engine.CutoverState.RollbackInfo;
import dev.cutover.engine.CutoverState.SignatureUse;
import dev.cutover.engine.CutoverState.Soak;
import dev.cutover.engine.RuleState.Role;
import dev.cutover.plan.Action;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Names;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rollback;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import dev.cutover.plan.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cutover as a pure state machine: {@code (state, event) -> (state, commands)}, implementing
 * PLAN.md §2. No I/O and no clock of its own: every event carries its time. The workflow feeds
 * events in, carries the commands out, and sleeps until {@link #nextWakeAt}.
 *
 * <p>Counters and clocks, stated once:
 * <ul>
 *   <li>Soak clock: accumulates while every gate's latest measurement is PASS, no rule holds the
 *       stage and nothing is held. A non-PASS gate measurement freezes it; a breach (any severity
 *       but low) or a hold resets it to zero. The soak is met when the clock reaches {@code soak}
 *       and every gate has been measured, passing, at or after that moment.
 *   <li>Error streak: consecutive ERROR/NO_DATA outcomes of one rule; reset by a conclusive
 *       outcome or by {@code resume}. At {@code errorLimit} the rule is inconclusive (latched
 *       until {@code resume}).
 *   <li>Breach deadlines: {@code grace} (high) and {@code escalateAfter} (medium, or high once
 *       acknowledged) count from the moment the breach began; a passing measurement ends the
 *       breach and its deadline.
 * </ul>
 *
 * <p>Thread-safe: immutable; every call works on its own copy of the state.
 */
public final class Engine {
  static final int MAX_DECISIONS = 50;
  static final int MAX_INCIDENTS = 30;
  static final String ENGINE = "cutover";
  private static final long FIRST_BACKOFF_MS = 5_000;
  private static final long MAX_BACKOFF_MS = 300_000;
  private static final int PAGE_EVERY_FAILURES = 10;

  /**
   * How long a verified signature is remembered so it cannot be used twice: longer than any
   * signature stays fresh for the worker (its age limit plus the clock skew it allows), with margin
   * for the workflow's clock and the worker's to differ.
   */
  public static final Duration SIGNATURE_MEMORY = Duration.ofMinutes(20);
  /** At most this many remembered signatures; only holders of keyring keys can add to them. */
  static final int MAX_SIGNATURES_USED = 100;
  /** A signature made this long before the cutover started may still be for it (clock skew). */
  static final Duration SIGNED_BEFORE_START = Duration.ofMinutes(2);

  private final Plan plan;
  private final Options options;

  /**
   * How this engine treats who sent a signal.
   *
   * @param workerRequiresSignatures the worker refuses unsigned promoting signals for every
   *     cutover ({@code Admission.signaturesRequired}), whatever the plan says
   * @param normaliseNames compare approvers and the starter as {@link Names#same} does, and refuse
   *     promoting signals from names {@link Names#problem} refuses; false only for cutovers started
   *     before names were normalised, which keep comparing them exactly
   */
  public record Options(boolean workerRequiresSignatures, boolean normaliseNames) {
    /** Names normalised; signatures required only where the plan says {@code approvals.signed}. */
    public static final Options DEFAULT = new Options(false, true);
    /** As cutovers started before signed signals decided: names compared exactly. */
    public static final Options LEGACY = new Options(false, false);

    /** {@link #DEFAULT}, with the worker's requirement of signed signals. */
    public static Options of(boolean workerRequiresSignatures) {
      return new Options(workerRequiresSignatures, true);
    }
  }

  public Engine(Plan plan) {
    this(plan, Options.DEFAULT);
  }

  public Engine(Plan plan, Options options) {
    this.plan = plan;
    this.options = options == null ? Options.DEFAULT : options;
  }

  public Plan plan() {
    return plan;
  }

  /** The result of one event: the new state and what to carry out, in order. */
  public record Transition(CutoverState state, List<Command> commands) {
    public Transition {
      commands = List.copyOf(commands);
    }
  }

  /** A new cutover, started by {@code startedBy} at {@code now}. */
  public Transition start(String startedBy, long now) {
    W w = W.initial(plan.name(), startedBy, now);
    decide(w, now, startedBy, "start", true, "started the cutover of " + plan.stages().size()
        + " stage" + (plan.stages().size() == 1 ? "" : "s"));
    beginAttempt(w, now);
    advance(w, now);
    return w.transition();
  }

  /** Feeds one event in. Events for a finished cutover change nothing but a signal's rejection. */
  public Transition on(CutoverState state, Event event) {
    W w = W.of(state);
    long now = event.at();
    w.at = Math.max(w.at, now);
    if (event instanceof Event.SignalReceived s) {
      onSignal(w, s.signal(), now);
    } else if (w.phase.terminal()) {
      return w.transition();
    } else if (event instanceof Event.Measured m) {
      onMeasured(w, m, now);
    } else if (event instanceof Event.EffectDone d) {
      onEffectDone(w, d, now);
    }
    if (!w.phase.terminal()) {
      advance(w, now);
    }
    return w.transition();
  }

  /**
   * Records a signal the workflow refused to hand over (a field too long, or holding control
   * characters) as a rejected decision with {@code why}; nothing else changes, not even the time of
   * the last event, so nothing that has come due is skipped.
   */
  public Transition refuse(CutoverState state, long at, String by, String action, String why) {
    W w = W.of(state);
    decide(w, at, by, action, false, "rejected: " + why);
    return w.transition();
  }

  /**
   * The earliest time after the last event at which something comes due (a measurement, a soak, a
   * deadline, a window), or MAX_VALUE when only a signal can move the cutover on. Times at or
   * before the last event have already been acted on, or wait for something else (a measurement in
   * flight, a resume), so they never count: a caller sleeping until this time always makes progress.
   */
  public long nextWakeAt(CutoverState s) {
    return dueTimes(s).stream().filter(t -> t > s.at()).min(Long::compare).orElse(Long.MAX_VALUE);
  }

  private List<Long> dueTimes(CutoverState s) {
    List<Long> times = new ArrayList<>();
    if (s.phase().terminal() || s.phase() == State.ROLLED_BACK) {
      return times;
    }
    for (RuleState r : s.rules().values()) {
      if (r.inFlight() == null) {
        times.add(r.nextDueAt());
      }
      if (r.breachedSince() != null && (r.role() == Role.GATE || r.role() == Role.WATCH)) {
        Rule rule = rule(r);
        Rule.Severity sev = effectiveSeverity(r, rule, s.acknowledged());
        if (sev == Rule.Severity.HIGH) {
          times.add(r.breachedSince() + rule.grace().toMillis());
        } else if (sev == Rule.Severity.MEDIUM) {
          times.add(r.breachedSince() + rule.escalateAfter().toMillis());
        }
      }
    }
    if ((s.phase() == State.SOAKING || s.phase() == State.AWAITING_APPROVAL) && s.soak().runningSince() != null) {
      long soak = stageOf(s.stage()).soak().toMillis();
      times.add(s.soak().runningSince() + Math.max(0, soak - s.soak().accumulated()));
    }
    if (s.waitUntil() != null) {
      times.add(s.waitUntil());
    }
    if (s.retryAt() != null) {
      times.add(s.retryAt());
    }
    if (s.stepIndex() < s.steps().size()) {
      Optional<Duration> timeout = waitTimeout(s.steps().get(s.stepIndex()));
      if (timeout.isPresent()) {
        times.add(s.stepStartedAt() + timeout.get().toMillis());
      }
    }
    if (s.nextStatusAt() != null) {
      times.add(s.nextStatusAt());
    }
    return times;
  }

  // ------------------------------------------------------------------ the main loop

  private void advance(W w, long now) {
    for (int guard = 0; guard < 100; guard++) {
      evaluateRules(w, now);
      boolean progressed = switch (w.phase) {
        case CHECKING_PREREQUISITES -> checkPrerequisites(w, now);
        case WAITING_WINDOW -> waitForWindow(w, now);
        case APPLYING -> runSteps(w, now);
        case SOAKING -> soakAndApprove(w, now);
        case AWAITING_APPROVAL -> w.pendingStage != null ? approvedToStart(w, now) : soakAndApprove(w, now);
        case ROLLING_BACK -> runSteps(w, now);
        default -> false;
      };
      if (!progressed) {
        break;
      }
    }
    scheduleMeasurements(w, now);
    statusLine(w, now);
  }

  private void beginAttempt(W w, long now) {
    w.setPhase(State.CHECKING_PREREQUISITES, now);
    w.stage = -1;
    w.pendingStage = null;
    w.waitUntil = null;
    w.stageStartedAt = null;
    w.entered.clear();
    w.actionsDone.clear();
    w.rules.clear();
    w.holds.clear();
    w.approval = null;
    w.acknowledged.clear();
    w.steps.clear();
    w.stepIndex = 0;
    w.retryAt = null;
    w.stepError = null;
    w.promoteAt = null;
    w.promoteBy = null;
    w.soak = new Soak(0, null, false);
    for (int i = 0; i < plan.prerequisites().size(); i++) {
      Rule r = plan.prerequisites().get(i);
      addRule(w, "prerequisites[" + i + "]", Role.PREREQUISITE, -1, i, r.check(), r.severity(), now);
    }
  }

  private boolean checkPrerequisites(W w, long now) {
    if (!w.holds.isEmpty()) {
      return false;
    }
    for (RuleState r : w.rules.values()) {
      if (r.role() == Role.PREREQUISITE && (r.latest() == null || r.latest().outcome() != Outcome.PASS)) {
        return false;
      }
    }
    if (!plan.prerequisites().isEmpty()) {
      decide(w, now, ENGINE, "prerequisites", true, "all " + plan.prerequisites().size() + " prerequisites passed");
    }
    w.rules.values().removeIf(r -> r.role() == Role.PREREQUISITE);
    goToStage(w, 0, now);
    return true;
  }

  private boolean approvedToStart(W w, long now) {
    Stage pending = plan.stages().get(w.pendingStage);
    if (!w.holds.isEmpty() || w.approval == null || !w.approval.stage().equals(pending.name())) {
      return false;
    }
    goToStage(w, w.pendingStage, now);
    return true;
  }

  private boolean waitForWindow(W w, long now) {
    if (!w.holds.isEmpty() || w.waitUntil == null || now < w.waitUntil) {
      return false;
    }
    goToStage(w, w.pendingStage, now);
    return true;
  }

  private void goToStage(W w, int index, long now) {
    Stage stage = plan.stages().get(index);
    if (needsApprovalToStart(stage) && (w.approval == null || !w.approval.stage().equals(stage.name()))) {
      boolean already = w.phase == State.AWAITING_APPROVAL && w.pendingStage != null && w.pendingStage == index;
      w.setPhase(State.AWAITING_APPROVAL, now);
      w.pendingStage = index;
      w.waitUntil = null;
      w.rules.values().removeIf(r -> r.role() == Role.GATE);
      if (!already) {
        String who = plan.approvals().approvers().isEmpty() ? "anyone" : String.join(" or ", plan.approvals().approvers());
        String text = "stage " + stage.name() + " has an action that cannot be undone; it starts after an approval from "
            + who + (plan.approvals().fourEyes() ? " (not " + w.startedBy + ")" : "");
        decide(w, now, ENGINE, "await-approval", true, text);
        notify(w, Command.Notify.Level.INFO, text);
      }
      return;
    }
    Optional<Window> window = plan.windowFor(stage);
    if (window.isPresent() && !window.get().isOpen(Instant.ofEpochMilli(now))) {
      long opens = window.get().nextOpening(Instant.ofEpochMilli(now)).toEpochMilli();
      boolean already = w.phase == State.WAITING_WINDOW && w.pendingStage != null && w.pendingStage == index;
      w.setPhase(State.WAITING_WINDOW, now);
      w.pendingStage = index;
      w.waitUntil = opens;
      w.rules.values().removeIf(r -> r.role() == Role.GATE);
      if (!already) {
        String text = "stage " + stage.name() + " waits for its window " + window.get() + " (opens "
            + Instant.ofEpochMilli(opens) + ")";
        decide(w, now, ENGINE, "window", true, text);
        notify(w, Command.Notify.Level.INFO, text);
      }
      return;
    }
    enterStage(w, index, now);
  }

  private void enterStage(W w, int index, long now) {
    Stage stage = plan.stages().get(index);
    w.setPhase(State.APPLYING, now);
    w.stage = index;
    w.pendingStage = null;
    w.waitUntil = null;
    w.stageStartedAt = now;
    if (!w.entered.contains(index)) {
      w.entered.add(index);
    }
    w.approval = null;
    w.acknowledged.clear();
    w.promoteAt = null;
    w.promoteBy = null;
    w.soak = new Soak(0, null, false);
    w.rules.values().removeIf(r -> r.role() == Role.GATE || r.role() == Role.WAIT);
    for (int i = 0; i < plan.watch().size(); i++) {
      String id = "watch[" + i + "]";
      if (!w.rules.containsKey(id)) {
        Rule r = plan.watch().get(i);
        addRule(w, id, Role.WATCH, -1, i, r.check(), r.severity(), now);
      }
    }
    w.steps.clear();
    w.steps.addAll(forwardSteps(w, index));
    w.stepIndex = 0;
    w.stepAttempt = 0;
    w.stepStartedAt = now;
    w.retryAt = null;
    w.stepError = null;
    w.nextStatusAt = plan.notifyValue().map(n -> n.every()).map(e -> now + e.toMillis()).orElse(null);
    String text = "stage " + (index + 1) + "/" + plan.stages().size() + " " + stage.name() + " starts: "
        + describeStage(stage);
    decide(w, now, ENGINE, "enter", true, text);
    notify(w, Command.Notify.Level.INFO, text);
  }

  private List<Step> forwardSteps(W w, int index) {
    Stage s = plan.stages().get(index);
    List<Step> out = new ArrayList<>();
    // A stage entered again (after a rollback) must not look like a retried delivery of its first
    // entry to an API that honours Idempotency-Key.
    String again = w.rollbacks > 0 ? "/after-rollback-" + w.rollbacks : "";
    if (s.percent() != null) {
      out.add(new Step(Step.Kind.TRAFFIC, index, -1, s.percent(), null, s.name() + "/traffic" + again));
    }
    if (!s.flags().isEmpty()) {
      out.add(new Step(Step.Kind.FLAGS, index, -1, null, s.flags(), s.name() + "/flags" + again));
    }
    for (int i = 0; i < s.actions().size(); i++) {
      Action a = s.actions().get(i);
      String key = s.name() + "/actions/" + i + again;
      out.add(new Step(a instanceof Action.Wait ? Step.Kind.WAIT
          : Step.Kind.ACTION, index, i, null, null, key));
    }
    return out;
  }

  /** Undoes every entered stage, newest first; then the rollback's actions; then the drain. */
  private List<Step> undoAll(W w) {
    List<Step> out = new ArrayList<>();
    boolean trafficReset = false;
    for (int i = w.entered.size() - 1; i >= 0; i--) {
      int index = w.entered.get(i);
      Stage s = plan.stages().get(index);
      String undo = "rollback-" + w.rollbacks + "/" + s.name();
      if (s.percent() != null && !trafficReset) {
        out.add(new Step(Step.Kind.TRAFFIC, index, -1, plan.rollback().percent(), null, undo + "/traffic"));
        trafficReset = true;
      }
      if (!s.flags().isEmpty()) {
        out.add(new Step(Step.Kind.FLAGS, index, -1, null, revertOf(s), undo + "/flags"));
      }
      out.addAll(undoActions(w, index, undo));
    }
    if (w.entered.isEmpty()) {
      return out;
    }
    List<Action> actions = plan.rollback().actions();
    for (int i = 0; i < actions.size(); i++) {
      String key = "rollback-" + w.rollbacks + "/actions/" + i;
      out.add(new Step(actions.get(i) instanceof Action.Wait ? Step.Kind.WAIT
          : Step.Kind.ROLLBACK_ACTION, -1, i, null, null, key));
    }
    if (plan.rollback().drain() != null) {
      out.add(new Step(Step.Kind.DRAIN, -1, -1, null, null, null));
    }
    return out;
  }

  /** Undoes only the current stage: traffic back to the percent before it, its flags reverted. */
  private List<Step> undoStage(W w) {
    Stage s = plan.stages().get(w.stage);
    List<Step> out = new ArrayList<>();
    String undo = "rollback-" + w.rollbacks + "/" + s.name();
    if (s.percent() != null) {
      int before = plan.rollback().percent();
      for (int index : w.entered) {
        Stage earlier = plan.stages().get(index);
        if (index < w.stage && earlier.percent() != null) {
          before = earlier.percent();
        }
      }
      out.add(new Step(Step.Kind.TRAFFIC, w.stage, -1, before, null, undo + "/traffic"));
    }
    if (!s.flags().isEmpty()) {
      out.add(new Step(Step.Kind.FLAGS, w.stage, -1, null, revertOf(s), undo + "/flags"));
    }
    out.addAll(undoActions(w, w.stage, undo));
    return out;
  }

  /** The undos of a stage's actions that ran, newest first. */
  private List<Step> undoActions(W w, int stage, String keyPrefix) {
    List<Step> out = new ArrayList<>();
    List<Action> actions = plan.stages().get(stage).actions();
    for (int i = actions.size() - 1; i >= 0; i--) {
      if (actions.get(i).undo() != null && w.actionsDone.contains(stage + ":" + i)) {
        out.add(new Step(Step.Kind.UNDO_ACTION, stage, i, null, null, keyPrefix + "/actions/" + i + "/undo"));
      }
    }
    return out;
  }

  /** A stage with an action that cannot be undone starts only after an approval for it. */
  static boolean needsApprovalToStart(Stage s) {
    return s.actions().stream().anyMatch(Action::irreversible);
  }

  /** A stage's undo: its {@code revert}, else its boolean flags negated (the reader ensures that suffices). */
  static Map<String, JsonNode> revertOf(Stage s) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : s.flags().entrySet()) {
      JsonNode r = s.revert().get(e.getKey());
      if (r == null && e.getValue().isBoolean()) {
        r = BooleanNode.valueOf(!e.getValue().booleanValue());
      }
      if (r != null) {
        out.put(e.getKey(), r);
      }
    }
    s.revert().forEach(out::putIfAbsent);
    return out;
  }

  // ------------------------------------------------------------------ steps (apply and undo)

  private boolean runSteps(W w, long now) {
    if (w.effect != null) {
      return false;
    }
    boolean forward = w.phase == State.APPLYING;
    if (forward && w.hasHold(Hold.Kind.APPLY_FAILED)) {
      return false;
    }
    if (w.retryAt != null && now < w.retryAt) {
      return false;
    }
    if (w.stepIndex >= w.steps.size()) {
      if (forward) {
        startSoaking(w, now);
      } else {
        finishRollback(w, now);
      }
      return true;
    }
    Step step = w.steps.get(w.stepIndex);
    if (step.carriedOutByWorker()) {
      w.seq++;
      w.effect = new InFlightEffect(w.seq, step, false);
      w.retryAt = null;
      w.commands.add(new Command.Apply(w.seq, step));
      return false;
    }
    // WAIT and DRAIN: measure the check until it passes or the timeout runs out.
    String id = waitRuleId(step);
    String check = waitCheck(step);
    RuleState r = w.rules.get(id);
    if (r == null) {
      addRule(w, id, step.kind() == Step.Kind.DRAIN ? Role.DRAIN : Role.WAIT,
          step.stage(), step.index(), check, Rule.Severity.LOW, now);
      return false;
    }
    Measurement latest = r.latest();
    if (latest != null && latest.at() >= w.stepStartedAt && latest.outcome() == Outcome.PASS) {
      w.rules.remove(id);
      decide(w, now, ENGINE, step.kind() == Step.Kind.DRAIN ? "drain" : "wait", true,
          "check " + check + " passed: " + latest.reason());
      nextStep(w, now);
      return true;
    }
    Duration timeout = waitTimeout(step).orElseThrow();
    if (now >= w.stepStartedAt + timeout.toMillis()) {
      w.rules.remove(id);
      String last = latest == null ? "never measured" : latest.outcome() + " " + latest.reason();
      String text = "check " + check + " did not pass within " + Durations.format(timeout) + " (last: " + last + ")";
      if (forward) {
        w.stepError = text;
        addHold(w, Hold.Kind.APPLY_FAILED, stageOf(w.stage).name(), ENGINE, text, now);
        notify(w, Command.Notify.Level.WARN, "stage " + stageOf(w.stage).name() + " is held: " + text
            + "; resume to wait again, abort to roll back");
      } else {
        w.rollbackNote(text + "; rollback went on without it");
        notify(w, Command.Notify.Level.WARN, "rollback: " + text);
        nextStep(w, now);
        return true;
      }
    }
    return false;
  }

  private String waitRuleId(Step step) {
    return switch (step.kind()) {
      case DRAIN -> "rollback.drain";
      default -> (step.stage() >= 0 ? "stages[" + step.stage() + "]" : "rollback") + ".actions[" + step.index() + "]";
    };
  }

  private String waitCheck(Step step) {
    if (step.kind() == Step.Kind.DRAIN) {
      return plan.rollback().drain().check();
    }
    return ((Action.Wait) actionOf(step)).check();
  }

  private Optional<Duration> waitTimeout(Step step) {
    if (step.kind() == Step.Kind.DRAIN) {
      return Optional.of(plan.rollback().drain().timeout());
    }
    if (step.kind() == Step.Kind.WAIT) {
      return Optional.of(((Action.Wait) actionOf(step)).timeout());
    }
    return Optional.empty();
  }

  private Duration waitEvery(RuleState r) {
    if (r.role() == Role.DRAIN) {
      return plan.rollback().drain().every();
    }
    List<Action> actions = r.stage() >= 0 ? plan.stages().get(r.stage()).actions() : plan.rollback().actions();
    return ((Action.Wait) actions.get(r.index())).every();
  }

  /** The plan's action behind an ACTION, ROLLBACK_ACTION or WAIT step. */
  public Action actionOf(Step step) {
    if (step.kind() == Step.Kind.UNDO_ACTION) {
      return plan.stages().get(step.stage()).actions().get(step.index()).undo();
    }
    if (step.stage() >= 0) {
      return plan.stages().get(step.stage()).actions().get(step.index());
    }
    return plan.rollback().actions().get(step.index());
  }

  private void nextStep(W w, long now) {
    w.stepIndex++;
    w.stepAttempt = 0;
    w.stepStartedAt = now;
    w.retryAt = null;
    w.stepError = null;
  }

  private void onEffectDone(W w, Event.EffectDone d, long now) {
    if (w.effect == null || w.effect.seq() != d.seq()) {
      return; // an answer to something no longer awaited
    }
    InFlightEffect done = w.effect;
    w.effect = null;
    Step step = done.step();
    if (d.ok()) {
      if (step.kind() == Step.Kind.TRAFFIC) {
        w.percent = step.percent();
      } else if (step.kind() == Step.Kind.FLAGS) {
        w.flags.putAll(step.flags());
      } else if (step.kind() == Step.Kind.ACTION && !w.actionsDone.contains(step.stage() + ":" + step.index())) {
        w.actionsDone.add(step.stage() + ":" + step.index());
      } else if (step.kind() == Step.Kind.UNDO_ACTION) {
        w.actionsDone.remove(step.stage() + ":" + step.index());
      }
      decide(w, now, ENGINE, "applied", true, describeStep(step) + (d.detail() == null || d.detail().isEmpty() ? "" : ": " + d.detail()));
    }
    if (done.orphaned()) {
      return; // a rollback began meanwhile; its own steps undo whatever this did
    }
    if (d.ok()) {
      if (w.phase == State.ROLLING_BACK && w.stepError != null) {
        notify(w, Command.Notify.Level.PAGE, "rollback recovered: " + describeStep(step) + " succeeded after "
            + w.stepAttempt + " failed attempt" + (w.stepAttempt == 1 ? "" : "s"));
      }
      nextStep(w, now);
      return;
    }
    w.stepAttempt++;
    w.stepError = describeStep(step) + " failed: " + d.detail();
    long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(16, w.stepAttempt - 1));
    if (w.phase == State.ROLLING_BACK) {
      w.retryAt = now + backoff;
      w.rollbackFailure(w.stepError);
      if (w.stepAttempt == 1 || w.stepAttempt % PAGE_EVERY_FAILURES == 0) {
        notify(w, Command.Notify.Level.PAGE, "ROLLBACK FAILING (attempt " + w.stepAttempt + "): " + w.stepError
            + "; retrying every " + Durations.formatMillis(backoff) + " until it succeeds");
      }
    } else if (d.retryable()) {
      w.retryAt = now + backoff;
      if (w.stepAttempt == 1) {
        notify(w, Command.Notify.Level.WARN, "applying stage " + stageOf(w.stage).name() + ": " + w.stepError
            + "; retrying with backoff");
      }
    } else {
      addHold(w, Hold.Kind.APPLY_FAILED, stageOf(w.stage).name(), ENGINE, w.stepError, now);
      notify(w, Command.Notify.Level.WARN, "stage " + stageOf(w.stage).name() + " is held: " + w.stepError
          + "; resume to try again, abort to roll back");
    }
  }

  // ------------------------------------------------------------------ soak and approval

  private void startSoaking(W w, long now) {
    Stage stage = stageOf(w.stage);
    w.setPhase(State.SOAKING, now);
    w.steps.clear();
    w.stepIndex = 0;
    w.stepError = null;
    w.soak = new Soak(0, null, false);
    for (int i = 0; i < stage.gates().size(); i++) {
      Rule r = stage.gates().get(i);
      addRule(w, "stages[" + w.stage + "].gates[" + i + "]", Role.GATE, w.stage, i, r.check(), r.severity(), now);
    }
    decide(w, now, ENGINE, "soak", true, "stage " + stage.name() + " applied; soaking "
        + Durations.format(stage.soak()) + (stage.gates().isEmpty() ? "" : ", gates every " + Durations.format(stage.every())));
  }

  private boolean soakAndApprove(W w, long now) {
    Stage stage = stageOf(w.stage);
    updateSoakClock(w, now);
    if (w.promoteAt != null) {
      settlePromote(w, now);
    }
    boolean met = soakMet(w, now);
    boolean blocked = !w.holds.isEmpty() || w.blockingBreach();
    if (w.phase == State.AWAITING_APPROVAL) {
      if (blocked || !met) {
        w.setPhase(State.SOAKING, now);
        return true;
      }
      if (w.approval != null) {
        stageDone(w, now);
        return true;
      }
      return false;
    }
    if (!met || blocked) {
      return false;
    }
    if (stage.approval() && w.approval == null) {
      w.setPhase(State.AWAITING_APPROVAL, now);
      String who = plan.approvals().approvers().isEmpty() ? "anyone" : String.join(" or ", plan.approvals().approvers());
      String text = "stage " + stage.name() + " has soaked; waiting for approval from " + who
          + (plan.approvals().fourEyes() ? " (not " + w.startedBy + ")" : "");
      decide(w, now, ENGINE, "await-approval", true, text);
      notify(w, Command.Notify.Level.INFO, text);
      return true;
    }
    stageDone(w, now);
    return true;
  }

  private void updateSoakClock(W w, long now) {
    boolean canRun = w.holds.isEmpty() && !w.blockingBreach() && w.effect == null && gatesAllPass(w);
    Soak s = w.soak;
    if (s.runningSince() != null && !canRun) {
      w.soak = new Soak(s.accumulated() + (now - s.runningSince()), null, s.promoted());
    } else if (s.runningSince() == null && canRun) {
      w.soak = new Soak(s.accumulated(), now, s.promoted());
    }
  }

  private boolean gatesAllPass(W w) {
    for (RuleState r : w.rules.values()) {
      if (r.role() == Role.GATE && (r.latest() == null || r.latest().outcome() != Outcome.PASS)) {
        return false;
      }
    }
    return true;
  }

  private boolean soakMet(W w, long now) {
    if (w.soak.promoted()) {
      return w.holds.isEmpty() && !w.blockingBreach();
    }
    Soak s = w.soak;
    if (s.runningSince() == null) {
      return false;
    }
    long soak = stageOf(w.stage).soak().toMillis();
    long clock = s.accumulated() + (now - s.runningSince());
    if (clock < soak) {
      return false;
    }
    // The soak ends on evidence, not on a clock alone: every gate measured at or after the moment
    // the clock reached the soak.
    long reachedAt = s.runningSince() + Math.max(0, soak - s.accumulated());
    boolean fresh = true;
    for (RuleState r : List.copyOf(w.rules.values())) {
      if (r.role() == Role.GATE && r.latest().at() < reachedAt) {
        fresh = false;
        if (r.inFlight() == null && r.nextDueAt() > now) {
          w.rules.put(r.id(), withDue(r, now));
        }
      }
    }
    return fresh;
  }

  private void settlePromote(W w, long now) {
    List<String> failing = new ArrayList<>();
    for (RuleState r : w.rules.values()) {
      if (r.role() != Role.GATE) {
        continue;
      }
      Measurement m = r.latest();
      if (m == null || m.at() < w.promoteAt) {
        return; // fresh measurements still to come
      }
      if (m.outcome() != Outcome.PASS) {
        failing.add(r.check() + " " + m.outcome() + (m.reason().isEmpty() ? "" : " (" + m.reason() + ")"));
      }
    }
    String by = w.promoteBy;
    w.promoteAt = null;
    w.promoteBy = null;
    if (failing.isEmpty()) {
      w.soak = new Soak(w.soak.accumulated(), w.soak.runningSince(), true);
      decide(w, now, by, "promote", true, "soak of " + stageOf(w.stage).name() + " ended early: fresh gate measurements passed");
    } else {
      decide(w, now, by, "promote", false, "fresh gate measurements did not pass: " + String.join("; ", failing));
    }
  }

  private void stageDone(W w, long now) {
    Stage stage = stageOf(w.stage);
    decide(w, now, ENGINE, "stage-done", true, "stage " + stage.name() + " complete"
        + (w.approval != null ? " (approved by " + w.approval.by() + ")" : ""));
    w.approval = null;
    if (w.stage == plan.stages().size() - 1) {
      w.setPhase(State.COMPLETED, now);
      w.rules.clear();
      w.nextStatusAt = null;
      notify(w, Command.Notify.Level.INFO, "cutover complete: all " + plan.stages().size() + " stages done");
      return;
    }
    goToStage(w, w.stage + 1, now);
  }

  // ------------------------------------------------------------------ measurements and rules

  private void addRule(W w, String id, Role role, int stage, int index, String check, Rule.Severity severity, long now) {
    w.rules.put(id, new RuleState(id, role, stage, index, check, severity, List.of(), now, null, null, 0, false, now));
  }

  private static RuleState withDue(RuleState r, long due) {
    return new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(), r.recent(), due,
        r.inFlight(), r.breachedSince(), r.errorStreak(), r.inconclusive(), r.since());
  }

  /** The plan's rule behind a rule state (WAIT and DRAIN get a plain one). */
  public Rule rule(RuleState r) {
    return switch (r.role()) {
      case PREREQUISITE -> plan.prerequisites().get(r.index());
      case GATE -> plan.stages().get(r.stage()).gates().get(r.index());
      case WATCH -> plan.watch().get(r.index());
      case WAIT, DRAIN -> new Rule(r.check(), waitEvery(r), null, null, Rule.Severity.LOW, Duration.ZERO,
          Duration.ZERO, Rule.Scope.ALL, null, Integer.MAX_VALUE, Rule.OnInconclusive.HOLD);
    };
  }

  /** The pass condition a rule judges by: its own, else its check's. */
  public Comparison passOf(RuleState r) {
    return rule(r).passOverride().orElse(plan.check(r.check()).pass());
  }

  private void scheduleMeasurements(W w, long now) {
    List<String> ids = new ArrayList<>();
    List<String> checks = new ArrayList<>();
    long seq = w.seq + 1;
    for (RuleState r : List.copyOf(w.rules.values())) {
      if (r.inFlight() != null || r.nextDueAt() > now) {
        continue;
      }
      long every = rule(r).every().toMillis();
      long next = r.nextDueAt() + every;
      if (next <= now) {
        next = now + every; // missed slots (a worker was down): measure now, then on a fresh grid
      }
      w.rules.put(r.id(), new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(),
          r.recent(), next, seq, r.breachedSince(), r.errorStreak(), r.inconclusive(), r.since()));
      ids.add(r.id());
      if (!checks.contains(r.check())) {
        checks.add(r.check());
      }
    }
    if (!ids.isEmpty()) {
      w.seq = seq;
      w.commands.add(new Command.Measure(seq, checks, ids));
    }
  }

  private void onMeasured(W w, Event.Measured m, long now) {
    for (RuleState r : List.copyOf(w.rules.values())) {
      if (r.inFlight() == null || r.inFlight() != m.seq()) {
        continue;
      }
      Reading reading = m.readings().stream().filter(x -> x.check().equals(r.check())).findFirst()
          .orElse(Reading.error(r.check(), "no reading returned for this check"));
      Rule rule = rule(r);
      Measurement measured = plan.check(r.check()).source() instanceof dev.cutover.plan.Check.Compare cmp
          ? ProportionTest.judge(cmp, reading, now) : Judge.judge(reading, passOf(r), now);
      List<Measurement> recent = new ArrayList<>(r.recent());
      recent.add(measured);
      int keep = Breach.keep(rule, Math.min(rule.errorLimit(), 50));
      while (recent.size() > keep) {
        recent.remove(0);
      }
      int streak = measured.outcome().conclusive() ? 0 : r.errorStreak() + 1;
      w.rules.put(r.id(), new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(), recent,
          r.nextDueAt(), null, r.breachedSince(), streak, r.inconclusive(), r.since()));
      if (r.role() == Role.PREREQUISITE && measured.outcome() != Outcome.PASS
          && (r.latest() == null || r.latest().outcome() == Outcome.PASS)) {
        notify(w, Command.Notify.Level.WARN, "prerequisite " + r.check() + " is " + measured.outcome()
            + ": " + measured.reason() + "; the first stage waits until it passes");
      }
    }
  }

  private void evaluateRules(W w, long now) {
    for (RuleState r : List.copyOf(w.rules.values())) {
      if (!w.phase.active()) {
        return; // a rollback began: nothing more to judge
      }
      if (!w.rules.containsKey(r.id())) {
        continue;
      }
      Rule rule = rule(r);
      if (r.role() == Role.WAIT || r.role() == Role.DRAIN) {
        continue;
      }
      if (!r.inconclusive() && r.errorStreak() >= rule.errorLimit()) {
        onInconclusive(w, r, rule, now);
        continue;
      }
      if (r.role() == Role.PREREQUISITE) {
        continue;
      }
      boolean breached = Breach.breached(rule, r.recent());
      if (breached && r.breachedSince() == null) {
        RuleState b = withBreach(r, now);
        w.rules.put(r.id(), b);
        onBreach(w, b, rule, now);
      } else if (!breached && r.breachedSince() != null) {
        w.rules.put(r.id(), withBreach(r, null));
        decide(w, now, ENGINE, "breach-cleared", true, "check " + r.check() + " (" + r.id() + ") passes again: "
            + r.latest().reason());
        notify(w, Command.Notify.Level.INFO, "check " + r.check() + " passes again");
      } else if (breached) {
        Rule.Severity sev = effectiveSeverity(r, rule, w.acknowledged);
        long since = r.breachedSince();
        if (sev == Rule.Severity.HIGH && now >= since + rule.grace().toMillis()) {
          startRollback(w, now, "check " + r.check() + " stayed breached for its grace of "
              + Durations.format(rule.grace()) + " without acknowledgement", ENGINE, rule.rollback());
        } else if (sev == Rule.Severity.MEDIUM && now >= since + rule.escalateAfter().toMillis()) {
          startRollback(w, now, "check " + r.check() + " stayed breached past escalateAfter "
              + Durations.format(rule.escalateAfter()), ENGINE, rule.rollback());
        }
      }
    }
  }

  private static RuleState withBreach(RuleState r, Long since) {
    return new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(), r.recent(), r.nextDueAt(),
        r.inFlight(), since, r.errorStreak(), r.inconclusive(), r.since());
  }

  private static Rule.Severity effectiveSeverity(RuleState r, Rule rule, List<String> acknowledged) {
    if (rule.severity() == Rule.Severity.HIGH && acknowledged.contains(r.check())) {
      return Rule.Severity.MEDIUM;
    }
    return rule.severity();
  }

  private void onBreach(W w, RuleState r, Rule rule, long now) {
    Measurement m = r.latest();
    String what = "check " + r.check() + " (" + r.id() + ") breached: " + m.reason()
        + (rule.forDuration() != null ? " for " + Durations.format(rule.forDuration()) : "")
        + (rule.failures() != null ? " in " + rule.failures() + " measurements" : "");
    incident(w, now, "breach", r.id(), what + " [" + rule.severity().name().toLowerCase() + "]");
    Rule.Severity sev = effectiveSeverity(r, rule, w.acknowledged);
    if (sev != Rule.Severity.LOW) {
      resetSoak(w);
      if (w.approval != null) {
        decide(w, now, ENGINE, "approval-voided", true, "approval of " + w.approval.stage() + " by "
            + w.approval.by() + " voided by the breach of " + r.check());
        w.approval = null;
      }
    }
    switch (sev) {
      case CRITICAL -> startRollback(w, now, what, ENGINE, rule.rollback());
      case HIGH -> notify(w, Command.Notify.Level.PAGE, what + "; rolling back in " + Durations.format(rule.grace())
          + " unless someone acknowledges " + r.check());
      case MEDIUM -> notify(w, Command.Notify.Level.WARN, what + "; the stage holds, and rolls back if still breached after "
          + Durations.format(rule.escalateAfter()));
      case LOW -> notify(w, Command.Notify.Level.INFO, what);
    }
  }

  private void onInconclusive(W w, RuleState r, Rule rule, long now) {
    w.rules.put(r.id(), new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(), r.recent(),
        r.nextDueAt(), r.inFlight(), r.breachedSince(), r.errorStreak(), true, r.since()));
    Measurement m = r.latest();
    String text = "check " + r.check() + " (" + r.id() + ") is inconclusive: its last " + rule.errorLimit()
        + " measurements were ERROR or NO_DATA (latest: " + m.outcome() + " " + m.reason() + ")";
    incident(w, now, "inconclusive", r.id(), text);
    if (rule.onInconclusive() == Rule.OnInconclusive.ROLLBACK && r.role() != Role.PREREQUISITE) {
      startRollback(w, now, text, ENGINE, rule.rollback());
      return;
    }
    addHold(w, Hold.Kind.INCONCLUSIVE, r.id(), ENGINE, text, now);
    notify(w, Command.Notify.Level.WARN, text + "; holding until someone sends resume (to measure again) or abort");
  }

  // ------------------------------------------------------------------ rollback

  private void startRollback(W w, long now, String reason, String by, Rule.Scope scope) {
    if (!w.phase.active()) {
      return;
    }
    boolean partial = scope == Rule.Scope.STAGE && w.stage >= 1 && w.phase != State.CHECKING_PREREQUISITES;
    w.rollbacks++;
    if (w.effect != null) {
      w.effect = new InFlightEffect(w.effect.seq(), w.effect.step(), true);
    }
    List<Step> steps = partial ? undoStage(w) : undoAll(w);
    w.setPhase(State.ROLLING_BACK, now);
    w.steps.clear();
    w.steps.addAll(steps);
    w.stepIndex = 0;
    w.stepAttempt = 0;
    w.stepStartedAt = now;
    w.retryAt = null;
    w.stepError = null;
    w.holds.clear();
    w.approval = null;
    if (w.promoteAt != null) {
      decide(w, now, w.promoteBy, "promote", false, "rejected: rolling back before the fresh measurements settled");
    }
    w.promoteAt = null;
    w.promoteBy = null;
    w.pendingStage = null;
    w.waitUntil = null;
    w.rules.clear();
    w.nextStatusAt = null;
    w.rollback = new RollbackInfo(reason, by, now, partial ? Rule.Scope.STAGE : Rule.Scope.ALL, 0, null, null, null);
    String what = partial ? "rolling back stage " + stageOf(w.stage).name() + " only" : "rolling back";
    incident(w, now, "rollback", partial ? stageOf(w.stage).name() : "all", what + ": " + reason);
    decide(w, now, by, "rollback", true, what + ": " + reason);
    notify(w, Command.Notify.Level.PAGE, what.toUpperCase().charAt(0) + what.substring(1) + ": " + reason);
  }

  private void finishRollback(W w, long now) {
    RollbackInfo rb = w.rollback;
    w.rollback = new RollbackInfo(rb.reason(), rb.by(), rb.startedAt(), rb.scope(), rb.failures(), rb.lastError(), now, rb.note());
    w.steps.clear();
    w.stepIndex = 0;
    if (rb.scope() == Rule.Scope.STAGE) {
      Stage undone = stageOf(w.stage);
      w.entered.remove(Integer.valueOf(w.stage));
      int back = w.stage - 1;
      w.stage = back;
      w.stageStartedAt = now;
      w.setPhase(State.SOAKING, now);
      w.soak = new Soak(0, null, false);
      for (int i = 0; i < plan.watch().size(); i++) {
        Rule r = plan.watch().get(i);
        addRule(w, "watch[" + i + "]", Role.WATCH, -1, i, r.check(), r.severity(), now);
      }
      Stage stage = stageOf(back);
      for (int i = 0; i < stage.gates().size(); i++) {
        Rule r = stage.gates().get(i);
        addRule(w, "stages[" + back + "].gates[" + i + "]", Role.GATE, back, i, r.check(), r.severity(), now);
      }
      String text = "stage " + undone.name() + " rolled back; holding at stage " + stage.name()
          + " (resume to soak it again, abort to roll back everything)";
      addHold(w, Hold.Kind.STAGE_ROLLED_BACK, undone.name(), ENGINE, rb.reason(), now);
      w.nextStatusAt = plan.notifyValue().map(n -> n.every()).map(e -> now + e.toMillis()).orElse(null);
      decide(w, now, ENGINE, "rolled-back", true, text);
      notify(w, Command.Notify.Level.WARN, text);
      return;
    }
    boolean end = plan.rollback().then() == Rollback.Then.END;
    String text = "rolled back" + (w.percent != null ? ": traffic at " + w.percent + "%" : "")
        + (rb.note() != null ? " (" + rb.note() + ")" : "")
        + (end ? "; the cutover ends (then: end)" : "; holding: send retry to start over or abandon to end");
    decide(w, now, ENGINE, "rolled-back", true, text);
    notify(w, Command.Notify.Level.PAGE, text);
    w.setPhase(end ? State.ABANDONED : State.ROLLED_BACK, now);
  }

  private void resetSoak(W w) {
    w.soak = new Soak(0, null, false);
  }

  // ------------------------------------------------------------------ signals

  private void onSignal(W w, Signal s, long now) {
    String by = s.by() == null ? "" : s.by().trim();
    String name = s.name() == null ? "" : s.name();
    if (by.isEmpty()) {
      decide(w, now, "?", name, false, "rejected: say who you are (by is required)");
      return;
    }
    if (w.phase.terminal()) {
      decide(w, now, by, name, false, "rejected: the cutover has ended (" + w.phase + ")");
      return;
    }
    if (s.promoting()) {
      String refused = signatureRefusal(w, s, by, name, now);
      if (refused != null) {
        decide(w, now, by, name, false, "rejected: " + refused);
        return;
      }
    }
    String reason = s.reason() == null || s.reason().isBlank() ? "" : ": " + s.reason().trim();
    switch (name) {
      case "approve" -> approve(w, s, by, now);
      case "abort" -> {
        if (w.phase == State.ROLLING_BACK) {
          decide(w, now, by, name, false, "rejected: already rolling back (" + w.rollback.reason() + ")");
        } else if (w.phase == State.ROLLED_BACK) {
          decide(w, now, by, name, false, "rejected: already rolled back; send abandon to end the cutover");
        } else {
          startRollback(w, now, "aborted by " + by + reason, by, Rule.Scope.ALL);
        }
      }
      case "pause" -> {
        if (!w.phase.active()) {
          decide(w, now, by, name, false, "rejected: nothing to pause while " + w.displayState());
        } else if (w.hasHold(Hold.Kind.PAUSED)) {
          decide(w, now, by, name, false, "rejected: already paused");
        } else {
          addHold(w, Hold.Kind.PAUSED, "cutover", by, s.reason(), now);
          resetSoak(w);
          decide(w, now, by, name, true, "paused" + reason + "; checks go on, nothing is promoted");
          notify(w, Command.Notify.Level.INFO, "paused by " + by + reason);
        }
      }
      case "resume" -> resume(w, by, reason, now);
      case "promote" -> {
        if (w.phase != State.SOAKING) {
          decide(w, now, by, name, false, "rejected: promote ends a soak, and the cutover is " + w.displayState());
        } else if (!w.holds.isEmpty() || w.blockingBreach()) {
          decide(w, now, by, name, false, "rejected: the stage is held (" + holdSummary(w) + ")");
        } else if (w.promoteAt != null) {
          decide(w, now, by, name, false, "rejected: a promote by " + w.promoteBy + " is already measuring");
        } else {
          w.promoteAt = now;
          w.promoteBy = by;
          boolean anyGate = false;
          for (RuleState r : List.copyOf(w.rules.values())) {
            if (r.role() == Role.GATE) {
              anyGate = true;
              if (r.inFlight() == null) {
                w.rules.put(r.id(), withDue(r, now));
              }
            }
          }
          if (!anyGate) {
            settlePromote(w, now);
          } else {
            decide(w, now, by, name, true, "measuring the gates once more before ending the soak" + reason);
          }
        }
      }
      case "acknowledge" -> acknowledge(w, s, by, now);
      case "retry" -> {
        if (w.phase != State.ROLLED_BACK) {
          decide(w, now, by, name, false, "rejected: retry starts over after a rollback, and the cutover is " + w.displayState());
        } else {
          w.attempt++;
          decide(w, now, by, name, true, "starting over from the first stage (attempt " + w.attempt + ")" + reason);
          notify(w, Command.Notify.Level.INFO, "retry by " + by + ": starting over (attempt " + w.attempt + ")");
          beginAttempt(w, now);
        }
      }
      case "abandon" -> {
        if (w.phase != State.ROLLED_BACK) {
          decide(w, now, by, name, false, "rejected: abandon ends a rolled-back cutover, and the cutover is "
              + w.displayState() + (w.phase.active() ? "; abort first" : ""));
        } else {
          decide(w, now, by, name, true, "abandoned" + reason);
          notify(w, Command.Notify.Level.INFO, "abandoned by " + by + reason);
          w.setPhase(State.ABANDONED, now);
        }
      }
      default -> decide(w, now, by, name, false, "rejected: unknown signal \"" + name
          + "\" (approve, abort, pause, resume, promote, acknowledge, retry, abandon)");
    }
  }

  /**
   * Why a promoting signal is refused for who sent it, or null when it may go on: a name that
   * cannot stand for a person; a signature that did not verify, that verified for someone else, that
   * was made before this cutover started or that was used already; or no signature where the plan
   * ({@code approvals.signed}) or the worker requires one. A verified signature is remembered
   * whatever the signal's outcome, so that copying it from history never makes it count again.
   */
  private String signatureRefusal(W w, Signal s, String by, String name, long now) {
    if (options.normaliseNames()) {
      String problem = Names.problem(by);
      if (problem != null) {
        return "the name \"" + Names.display(by) + "\" " + problem + " (names are compared after Unicode normalisation)";
      }
    }
    Signal.Signature sig = s.signature();
    String what = switch (name) {
      case "approve" -> "stage " + Names.display(s.stage() == null ? currentStageName(w) : s.stage()) + ": approval";
      case "acknowledge" -> "acknowledgement of " + (s.check() == null ? "(no check)" : Names.display(s.check()));
      default -> name;
    } + " by " + Names.display(by);
    switch (sig.status()) {
      case INVALID -> {
        return what + " has a signature that does not verify: " + sig.problem();
      }
      case VERIFIED -> {
        if (!Names.same(sig.signer(), by)) {
          return what + " carries a signature by " + Names.display(sig.signer());
        }
        if (sig.id() == null || sig.signedAt() == null) {
          return what + " has a signature without its fingerprint or time";
        }
        if (sig.signedAt() < w.startedAt - SIGNED_BEFORE_START.toMillis()) {
          return what + " was signed at " + Instant.ofEpochMilli(sig.signedAt()) + ", before this cutover started"
              + " (a signature is good for one cutover; sign again)";
        }
        w.signaturesUsed.removeIf(u -> u.signedAt() < now - SIGNATURE_MEMORY.toMillis());
        if (w.signaturesUsed.stream().anyMatch(u -> u.id().equals(sig.id()))) {
          return what + " repeats a signature already used (a signature is good for one signal; sign again)";
        }
        w.signaturesUsed.add(new SignatureUse(sig.id(), sig.signedAt()));
        while (w.signaturesUsed.size() > MAX_SIGNATURES_USED) {
          w.signaturesUsed.remove(0);
        }
        return null;
      }
      default -> {
        String who = plan.approvals().signed() ? "this plan requires" + " signed " + signedKinds(name) + " (approvals.signed)"
            : options.workerRequiresSignatures()
            ? "this worker requires signed " + signedKinds(name) + " (CUTOVER_REQUIRE_SIGNED_SIGNALS)" : null;
        if (who == null) {
          return null;
        }
        String args = switch (name) {
          case "approve" -> " --stage " + Names.display(s.stage() == null ? currentStageName(w) : s.stage());
          case "acknowledge" -> " --check " + (s.check() == null ? "CHECK" : Names.display(s.check()));
          default -> "";
        };
        return what + " is not signed; " + who + ": cutover " + name + " " + plan.name() + args + " --key FILE";
      }
    }
  }

  private static String signedKinds(String name) {
    return name.equals("approve") ? "approvals" : "approve, promote, acknowledge, resume and retry";
  }

  private String currentStageName(W w) {
    Integer index = w.phase == State.AWAITING_APPROVAL && w.pendingStage != null ? w.pendingStage
        : w.stage >= 0 ? w.stage : null;
    return index == null ? "(none)" : stageOf(index).name();
  }

  private void approve(W w, Signal s, String by, long now) {
    if (w.phase != State.APPLYING && w.phase != State.SOAKING && w.phase != State.AWAITING_APPROVAL) {
      decide(w, now, by, "approve", false, "rejected: no stage is active (" + w.displayState() + ")");
      return;
    }
    boolean toStart = w.phase == State.AWAITING_APPROVAL && w.pendingStage != null;
    Stage current = stageOf(toStart ? w.pendingStage : w.stage);
    if (s.stage() == null || !s.stage().equals(current.name())) {
      decide(w, now, by, "approve", false, "rejected: stage " + (s.stage() == null ? "(none given)" : "\"" + s.stage() + "\"")
          + " is not the current stage (" + current.name() + ")");
      return;
    }
    if (!toStart && !current.approval()) {
      decide(w, now, by, "approve", false, "rejected: stage " + current.name() + " needs no approval");
      return;
    }
    List<String> approvers = plan.approvals().approvers();
    if (options.normaliseNames() ? !plan.approvals().mayApprove(by) : !approvers.isEmpty() && !approvers.contains(by)) {
      decide(w, now, by, "approve", false, "rejected: " + Names.display(by) + " is not an approver ("
          + String.join(", ", approvers) + ")");
      return;
    }
    if (plan.approvals().fourEyes() && (options.normaliseNames() ? Names.same(by, w.startedBy) : by.equals(w.startedBy))) {
      decide(w, now, by, "approve", false, "rejected: four eyes: " + Names.display(by)
          + (by.equals(w.startedBy) ? "" : " (the same person as " + Names.display(w.startedBy) + ")")
          + " started this cutover and may not approve it");
      return;
    }
    if (w.approval != null) {
      decide(w, now, by, "approve", false, "rejected: stage " + current.name() + " is already approved by " + w.approval.by());
      return;
    }
    w.approval = new Approval(current.name(), by, now, s.comment());
    boolean early = w.phase != State.AWAITING_APPROVAL;
    decide(w, now, by, "approve", true, (toStart ? "approved the start of stage " : "approved stage ") + current.name()
        + (s.comment() == null || s.comment().isBlank() ? "" : ": " + s.comment())
        + (early ? " (before the soak is met: kept, acts when it is, voided by a breach)" : "")
        + (s.signature().status() == Signal.Signature.Status.VERIFIED ? " (signed)" : ""));
  }

  private void resume(W w, String by, String reason, long now) {
    if (w.holds.isEmpty()) {
      decide(w, now, by, "resume", false, "rejected: nothing is held");
      return;
    }
    String released = holdSummary(w);
    for (Hold h : w.holds) {
      if (h.kind() == Hold.Kind.INCONCLUSIVE) {
        RuleState r = w.rules.get(h.subject());
        if (r != null) {
          w.rules.put(r.id(), new RuleState(r.id(), r.role(), r.stage(), r.index(), r.check(), r.severity(), r.recent(),
              r.inFlight() == null ? now : r.nextDueAt(), r.inFlight(), r.breachedSince(), 0, false, r.since()));
        }
      } else if (h.kind() == Hold.Kind.APPLY_FAILED) {
        w.stepAttempt = 0;
        w.retryAt = null;
        w.stepError = null;
        w.stepStartedAt = now;
      }
    }
    w.holds.clear();
    resetSoak(w);
    decide(w, now, by, "resume", true, "released " + released + reason);
    notify(w, Command.Notify.Level.INFO, "resumed by " + by + ": released " + released);
  }

  private void acknowledge(W w, Signal s, String by, long now) {
    if (!w.phase.active()) {
      decide(w, now, by, "acknowledge", false, "rejected: no stage is active (" + w.displayState() + ")");
      return;
    }
    String check = s.check();
    boolean highBreach = false;
    for (RuleState r : w.rules.values()) {
      if (r.check().equals(check) && r.breachedSince() != null && rule(r).severity() == Rule.Severity.HIGH) {
        highBreach = true;
      }
    }
    if (check == null || !highBreach) {
      decide(w, now, by, "acknowledge", false, "rejected: " + (check == null ? "no check named" :
          "check " + check + " has no high-severity breach to acknowledge"));
      return;
    }
    if (w.acknowledged.contains(check)) {
      decide(w, now, by, "acknowledge", false, "rejected: " + check + " is already acknowledged for this stage");
      return;
    }
    w.acknowledged.add(check);
    String reason = s.reason() == null || s.reason().isBlank() ? "" : ": " + s.reason().trim();
    decide(w, now, by, "acknowledge", true, "acknowledged " + check + " for this stage: now medium (holds; rolls back after escalateAfter)" + reason);
    notify(w, Command.Notify.Level.INFO, by + " acknowledged " + check + reason);
  }

  // ------------------------------------------------------------------ bookkeeping

  private void addHold(W w, Hold.Kind kind, String subject, String by, String reason, long now) {
    for (Hold h : w.holds) {
      if (h.kind() == kind && h.subject().equals(subject)) {
        return;
      }
    }
    w.holds.add(new Hold(kind, subject, by, reason, now));
    resetSoak(w);
  }

  private static String holdSummary(W w) {
    List<String> parts = new ArrayList<>();
    for (Hold h : w.holds) {
      parts.add(h.kind().name().toLowerCase() + (h.kind() == Hold.Kind.PAUSED ? " by " + h.by() : " " + h.subject()));
    }
    for (RuleState r : w.rules.values()) {
      if (r.holdsStage()) {
        parts.add("breach of " + r.check());
      }
    }
    return String.join(", ", parts);
  }

  private void statusLine(W w, long now) {
    if (w.nextStatusAt == null || now < w.nextStatusAt || !w.phase.active()) {
      return;
    }
    w.nextStatusAt = now + plan.notifyValue().map(n -> n.every().toMillis()).orElse(Long.MAX_VALUE / 2);
    Stage stage = w.stage >= 0 ? stageOf(w.stage) : null;
    notify(w, Command.Notify.Level.INFO, "status: " + w.displayState()
        + (stage == null ? "" : ", stage " + (w.stage + 1) + "/" + plan.stages().size() + " " + stage.name())
        + (w.percent == null ? "" : ", traffic " + w.percent + "%"));
  }

  private static void decide(W w, long now, String by, String action, boolean accepted, String text) {
    w.decisions.add(new Decision(now, by, action, accepted, text));
    while (w.decisions.size() > MAX_DECISIONS) {
      w.decisions.remove(0);
    }
  }

  private void incident(W w, long now, String kind, String subject, String text) {
    w.incidents.add(new Incident(now, w.stage >= 0 ? stageOf(w.stage).name() : null, kind, subject, text));
    while (w.incidents.size() > MAX_INCIDENTS) {
      w.incidents.remove(0);
    }
  }

  private void notify(W w, Command.Notify.Level level, String text) {
    w.commands.add(new Command.Notify(level, "[" + plan.name() + "] " + text));
  }

  private Stage stageOf(int index) {
    return plan.stages().get(index);
  }

  static String describeStage(Stage s) {
    List<String> parts = new ArrayList<>();
    if (s.percent() != null) {
      parts.add(s.percent() + "% of traffic");
    }
    if (!s.flags().isEmpty()) {
      List<String> f = new ArrayList<>();
      s.flags().forEach((k, v) -> f.add(k + "=" + v));
      parts.add("flags " + String.join(", ", f));
    }
    if (!s.actions().isEmpty()) {
      parts.add(s.actions().size() + " action" + (s.actions().size() == 1 ? "" : "s"));
    }
    parts.add("soak " + Durations.format(s.soak()));
    return String.join(", ", parts);
  }

  public String describeStep(Step step) {
    return switch (step.kind()) {
      case TRAFFIC -> "traffic set to " + step.percent() + "%";
      case FLAGS -> {
        List<String> f = new ArrayList<>();
        step.flags().forEach((k, v) -> f.add(k + "=" + v));
        yield "flags set: " + String.join(", ", f);
      }
      case ACTION -> "action " + step.index() + " of stage " + stageOf(step.stage()).name() + " ("
          + describeAction(actionOf(step)) + ")";
      case ROLLBACK_ACTION -> "rollback action " + step.index() + " (" + describeAction(actionOf(step)) + ")";
      case UNDO_ACTION -> "undo of action " + step.index() + " of stage " + stageOf(step.stage()).name() + " ("
          + describeAction(actionOf(step)) + ")";
      case WAIT -> "wait for " + waitCheck(step);
      case DRAIN -> "drain (" + plan.rollback().drain().check() + ")";
    };
  }

  static String describeAction(Action a) {
    if (a instanceof Action.Http h) {
      return h.call().toString();
    }
    if (a instanceof Action.Command c) {
      return String.join(" ", c.argv());
    }
    return "wait for " + ((Action.Wait) a).check();
  }

  /** The mutable working copy of a state, used inside one call only. */
  static final class W {
    String plan;
    String startedBy;
    long startedAt;
    long at;
    int attempt;
    int rollbacks;
    State phase;
    long phaseSince;
    int stage;
    Integer pendingStage;
    Long waitUntil;
    Long stageStartedAt;
    Integer percent;
    Map<String, JsonNode> flags;
    List<Integer> entered;
    List<String> actionsDone;
    List<Step> steps;
    int stepIndex;
    int stepAttempt;
    long stepStartedAt;
    Long retryAt;
    String stepError;
    InFlightEffect effect;
    long seq;
    Soak soak;
    Long promoteAt;
    String promoteBy;
    Map<String, RuleState> rules;
    Approval approval;
    List<String> acknowledged;
    List<Hold> holds;
    RollbackInfo rollback;
    Long nextStatusAt;
    List<Incident> incidents;
    List<Decision> decisions;
    List<SignatureUse> signaturesUsed;
    final List<Command> commands = new ArrayList<>();

    static W initial(String plan, String startedBy, long now) {
      return of(new CutoverState(plan, startedBy, now, now, 1, 0, State.CHECKING_PREREQUISITES, now, -1, null, null, null,
          null, Map.of(), List.of(), List.of(), List.of(), 0, 0, now, null, null, null, 0, new Soak(0, null, false), null, null,
          Map.of(), null, List.of(), List.of(), null, null, List.of(), List.of(), List.of()));
    }

    static W of(CutoverState s) {
      W w = new W();
      w.plan = s.plan();
      w.startedBy = s.startedBy();
      w.startedAt = s.startedAt();
      w.at = s.at();
      w.attempt = s.attempt();
      w.rollbacks = s.rollbacks();
      w.phase = s.phase();
      w.phaseSince = s.phaseSince();
      w.stage = s.stage();
      w.pendingStage = s.pendingStage();
      w.waitUntil = s.waitUntil();
      w.stageStartedAt = s.stageStartedAt();
      w.percent = s.percent();
      w.flags = new LinkedHashMap<>(s.flags());
      w.entered = new ArrayList<>(s.entered());
      w.actionsDone = new ArrayList<>(s.actionsDone() == null ? List.of() : s.actionsDone());
      w.steps = new ArrayList<>(s.steps());
      w.stepIndex = s.stepIndex();
      w.stepAttempt = s.stepAttempt();
      w.stepStartedAt = s.stepStartedAt();
      w.retryAt = s.retryAt();
      w.stepError = s.stepError();
      w.effect = s.effect();
      w.seq = s.seq();
      w.soak = s.soak();
      w.promoteAt = s.promoteAt();
      w.promoteBy = s.promoteBy();
      w.rules = new LinkedHashMap<>(s.rules());
      w.approval = s.approval();
      w.acknowledged = new ArrayList<>(s.acknowledged());
      w.holds = new ArrayList<>(s.holds());
      w.rollback = s.rollback();
      w.nextStatusAt = s.nextStatusAt();
      w.incidents = new ArrayList<>(s.incidents());
      w.decisions = new ArrayList<>(s.decisions());
      w.signaturesUsed = new ArrayList<>(s.signaturesUsed() == null ? List.of() : s.signaturesUsed());
      return w;
    }

    CutoverState freeze() {
      return new CutoverState(plan, startedBy, startedAt, at, attempt, rollbacks, phase, phaseSince, stage, pendingStage,
          waitUntil, stageStartedAt, percent, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(flags)),
          List.copyOf(entered), List.copyOf(actionsDone), List.copyOf(steps), stepIndex, stepAttempt, stepStartedAt, retryAt, stepError, effect,
          seq, soak, promoteAt, promoteBy, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rules)), approval,
          List.copyOf(acknowledged), List.copyOf(holds), rollback, nextStatusAt, List.copyOf(incidents),
          List.copyOf(decisions), List.copyOf(signaturesUsed));
    }

    Transition transition() {
      return new Transition(freeze(), commands);
    }

    void setPhase(State p, long now) {
      if (p != phase) {
        phase = p;
        phaseSince = now;
      }
    }

    boolean hasHold(Hold.Kind kind) {
      return holds.stream().anyMatch(h -> h.kind() == kind);
    }

    boolean blockingBreach() {
      return rules.values().stream().anyMatch(RuleState::holdsStage);
    }

    State displayState() {
      return freeze().displayState();
    }

    void rollbackFailure(String error) {
      RollbackInfo r = rollback;
      rollback = new RollbackInfo(r.reason(), r.by(), r.startedAt(), r.scope(), r.failures() + 1, error, r.completedAt(), r.note());
    }

    void rollbackNote(String note) {
      RollbackInfo r = rollback;
      rollback = new RollbackInfo(r.reason(), r.by(), r.startedAt(), r.scope(), r.failures(), r.lastError(), r.completedAt(),
          r.note() == null ? note : r.note() + "; " + note);
    }
  }
}
