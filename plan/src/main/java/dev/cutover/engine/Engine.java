package dev.cutover.engine;

import dev.cutover.plan.Action;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Names;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The cutover as a pure state machine: {@code (state, event) -> (state, commands)}, implementing
 * docs/semantics.md. No I/O and no clock of its own: every event carries its time. The workflow
 * feeds events in, carries the commands out, and sleeps until {@link #nextWakeAt}.
 *
 * <p>Counters and clocks, stated once:
 *
 * <ul>
 *   <li>Soak clock: accumulates while every gate's latest measurement is PASS, no rule holds the
 *       stage and nothing is held. A non-PASS gate measurement freezes it; a breach (any severity
 *       but low) or a hold resets it to zero. The soak is met when the clock reaches {@code soak}
 *       and every gate has been measured, passing, at or after that moment.
 *   <li>Error streak: consecutive ERROR/NO_DATA outcomes of one rule; reset by a conclusive outcome
 *       or by {@code resume}. At {@code errorLimit} the rule is inconclusive (latched until {@code
 *       resume}).
 *   <li>Breach deadlines: {@code grace} (high) and {@code escalateAfter} (medium, or high once
 *       acknowledged) count from the moment the breach began; a passing measurement ends the breach
 *       and its deadline.
 * </ul>
 *
 * <p>This class is the facade and the main loop; each concern is a package-private part: the stages
 * forward and back ({@link Stages}), carrying out their steps ({@link StepRunner}), the rules and
 * breaches ({@link RuleBook}), the soak clock and approvals ({@link SoakClock}), rollback ({@link
 * Rollbacks}), operator signals ({@link Signals}, who may send them: {@link Signatures}), the
 * checklists people confirm ({@link Checklists}) and the words operators read ({@link Words}). A
 * call works on its own copy of the state ({@link Turn}).
 *
 * <p>Thread-safe: immutable; every call works on its own copy of the state.
 */
public final class Engine {
  static final int MAX_DECISIONS = 50;
  static final int MAX_INCIDENTS = 30;

  /** Who the engine's own decisions are by. */
  static final String ENGINE = "cutover";

  /**
   * How long a verified signature is remembered so it cannot be used twice: longer than any
   * signature stays fresh for the worker (its age limit plus the clock skew it allows), with margin
   * for the workflow's clock and the worker's to differ.
   */
  public static final Duration SIGNATURE_MEMORY = Duration.ofMinutes(20);

  private final Plan plan;
  private final Options options;
  final RuleBook rules;
  final Stages stages;
  final StepRunner steps;
  final SoakClock soak;
  final Rollbacks rollbacks;
  final Signals signals;
  final Words words;
  final Baselines baselines;
  final Checklists checklists;
  final Deadlines deadlines;

  /** Whether the plan has a stage deadline or a rollback budget (checked on every event then). */
  private final boolean timed;

  /**
   * How this engine treats who sent a signal.
   *
   * @param workerRequiresSignatures the worker refuses unsigned promoting signals for every cutover
   *     ({@code Admission.signaturesRequired}), whatever the plan says
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
    this.rules = new RuleBook(this);
    this.stages = new Stages(this);
    this.steps = new StepRunner(this);
    this.soak = new SoakClock(this);
    this.rollbacks = new Rollbacks(this);
    this.signals = new Signals(this, new Signatures(plan, this.options));
    this.words = new Words(this);
    this.baselines = new Baselines(this);
    this.checklists = new Checklists(this);
    this.deadlines = new Deadlines(this);
    this.timed =
        plan.rollback().budget() != null
            || plan.stages().stream().anyMatch(st -> st.deadline() != null);
  }

  public Plan plan() {
    return plan;
  }

  /**
   * The checks measured before each stage's first effect to capture the stage baselines, in plan
   * order (empty when no check is judged relative to a baseline).
   */
  public List<String> baselineCaptureChecks() {
    return baselines.any() ? baselines.captureChecks() : List.of();
  }

  Options options() {
    return options;
  }

  /** The result of one event: the new state and what to carry out, in order. */
  public record Transition(CutoverState state, List<Command> commands) {
    public Transition {
      commands = List.copyOf(commands);
    }
  }

  /** A new cutover, started by {@code startedBy} at {@code now}. */
  public Transition start(String startedBy, long now) {
    Turn t = new Turn(plan, CutoverState.initial(plan.name(), startedBy, now));
    t.decide(
        now,
        startedBy,
        "start",
        true,
        "started the cutover of "
            + plan.stages().size()
            + " stage"
            + (plan.stages().size() == 1 ? "" : "s"));
    stages.beginAttempt(t, now);
    advance(t, now);
    return t.transition();
  }

  /** Feeds one event in. Events for a finished cutover change nothing but a signal's rejection. */
  public Transition on(CutoverState state, Event event) {
    Turn t = new Turn(plan, state);
    long now = event.at();
    t.at = Math.max(t.at, now);
    if (event instanceof Event.SignalReceived s) {
      signals.on(t, s.signal(), now);
    } else if (t.phase().terminal()) {
      return t.transition();
    } else if (event instanceof Event.Measured m) {
      rules.onMeasured(t, m, now);
      baselines.onMeasured(t, m, now);
    } else if (event instanceof Event.EffectDone d) {
      steps.onEffectDone(t, d, now);
    }
    if (!t.phase().terminal()) {
      advance(t, now);
    }
    return t.transition();
  }

  /**
   * Records a signal the workflow refused to hand over (a field too long, or holding control
   * characters) as a rejected decision with {@code why}; nothing else changes, not even the time of
   * the last event, so nothing that has come due is skipped.
   */
  public Transition refuse(CutoverState state, long at, String by, String action, String why) {
    Turn t = new Turn(plan, state);
    t.decide(at, by, action, false, "rejected: " + why);
    return t.transition();
  }

  /**
   * The earliest time after the last event at which something comes due (a measurement, a soak, a
   * deadline, a window), or MAX_VALUE when only a signal can move the cutover on. Times at or
   * before the last event have already been acted on, or wait for something else (a measurement in
   * flight, a resume), so they never count: a caller sleeping until this time always makes
   * progress.
   */
  public long nextWakeAt(CutoverState s) {
    return dueTimes(s).stream().filter(t -> t > s.at()).min(Long::compare).orElse(Long.MAX_VALUE);
  }

  /**
   * {@link #nextWakeAt}, or sooner the next slot of a rule whose measurement is in flight. A timer
   * set for it at the start of a measurement round serves that round's end too: the reading comes
   * back before then and asks for the same wake. A wake at a slot whose measurement is still in
   * flight changes nothing; a slot not after {@code now} is not counted (the state's time may lag
   * the clock, and a wake that has passed would be asked for again at once).
   */
  public long nextWakeCountingInFlightAt(CutoverState s, long now) {
    long wake = nextWakeAt(s);
    if (s.phase().terminal() || s.phase() == State.ROLLED_BACK) {
      return wake;
    }
    for (RuleState r : s.rules().values()) {
      if (r.inFlight() != null && r.nextDueAt() > Math.max(now, s.at())) {
        wake = Math.min(wake, r.nextDueAt());
      }
    }
    return wake;
  }

  /**
   * The earliest stage deadline or rollback budget still to fall after the last event, or
   * MAX_VALUE. A held cutover keeps these timers: a simulation that stops at a hold waits for them
   * first.
   */
  public long nextDeadlineAt(CutoverState s) {
    if (!timed) {
      return Long.MAX_VALUE;
    }
    List<Long> times = new ArrayList<>();
    deadlines.dueTimes(s, times);
    return times.stream().filter(t -> t > s.at()).min(Long::compare).orElse(Long.MAX_VALUE);
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
      Long deadline = rules.breachDeadline(r, s.progress().acknowledged());
      if (deadline != null) {
        times.add(deadline);
      }
    }
    Long soakMet = soak.metAt(s);
    if (soakMet != null) {
      times.add(soakMet);
    }
    if (s.position().waitUntil() != null) {
      times.add(s.position().waitUntil());
    }
    if (s.cursor().retryAt() != null) {
      times.add(s.cursor().retryAt());
    }
    if (!s.cursor().finished()) {
      steps
          .waitTimeout(s.cursor().current())
          .ifPresent(d -> times.add(s.cursor().startedAt() + d.toMillis()));
    }
    if (s.journal().nextStatusAt() != null) {
      times.add(s.journal().nextStatusAt());
    }
    if (timed) {
      deadlines.dueTimes(s, times);
    }
    return times;
  }

  /** Moves the cutover on as far as it goes at {@code now}, then asks for what has come due. */
  private void advance(Turn t, long now) {
    if (timed) {
      deadlines.check(t, now);
    }
    for (int guard = 0; guard < 100; guard++) {
      rules.evaluate(t, now);
      boolean progressed =
          switch (t.phase()) {
            case CHECKING_PREREQUISITES -> stages.checkPrerequisites(t, now);
            case WAITING_WINDOW -> stages.waitForWindow(t, now);
            case APPLYING, ROLLING_BACK -> steps.run(t, now);
            case SOAKING -> soak.soakAndApprove(t, now);
            case AWAITING_APPROVAL ->
                t.position.pendingStage() != null
                    ? stages.approvedToStart(t, now)
                    : soak.soakAndApprove(t, now);
            case AWAITING_CHECKLIST ->
                t.position.pendingStage() != null
                    ? stages.confirmedToStart(t, now)
                    : soak.soakAndApprove(t, now);
            default -> false;
          };
      if (!progressed) {
        break;
      }
    }
    rules.scheduleMeasurements(t, now);
    words.statusLine(t, now);
  }

  /** The plan's rule behind a rule state (WAIT and DRAIN get a plain one). */
  public Rule rule(RuleState r) {
    return rules.rule(r);
  }

  /** The pass condition a rule judges by: its own, else its check's. */
  public Comparison passOf(RuleState r) {
    return rules.passOf(r);
  }

  /** The plan's action behind an ACTION, ROLLBACK_ACTION, UNDO_ACTION or WAIT step. */
  public Action actionOf(Step step) {
    if (step.kind() == Step.Kind.UNDO_ACTION) {
      return plan.stages().get(step.stage()).action(step.index()).undo();
    }
    if (step.stage() >= 0) {
      return plan.stages().get(step.stage()).action(step.index());
    }
    return plan.rollback().actions().get(step.index());
  }

  /** A step as operators read it, e.g. {@code traffic set to 10%}. */
  public String describeStep(Step step) {
    return words.describeStep(step);
  }
}
