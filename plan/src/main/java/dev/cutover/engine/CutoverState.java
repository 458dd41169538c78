package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.cutover.plan.Rule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a running cutover knows, as one plain record: the workflow carries it across
 * continue-as-new and the {@code status} query shows it. Times are epoch milliseconds of workflow
 * time. Built and changed only by {@link Engine}.
 *
 * <p>In Java the state is grouped by concern; as JSON it is the one flat object every release has
 * written ({@link StateJson}), so that a run continued by one release reads what another wrote.
 *
 * @param run which cutover, who started it, how many attempts and rollbacks
 * @param at the time of the last event the engine processed
 * @param seq the sequence number of the last measurement or effect asked for
 * @param position where the cutover is (never HELD or ROLLBACK_FAILED: see {@link #displayState})
 * @param applied what this cutover has applied
 * @param cursor the effects being carried out, forward (APPLYING) or backward (ROLLING_BACK)
 * @param progress the current stage's soak clock, promote, approval and acknowledgements
 * @param rules the active rules, by id, in the order they were added
 * @param holds what keeps the cutover from promoting until an operator resumes
 * @param rollback the latest rollback, if any
 * @param journal the decisions and incidents kept for operators, and the signatures used
 * @param confirmations the checklist tasks confirmed in this attempt, oldest first (a state from
 *     before checklists has none)
 */
@JsonSerialize(converter = StateJson.Write.class)
@JsonDeserialize(converter = StateJson.Read.class)
public record CutoverState(
    Run run,
    long at,
    long seq,
    Position position,
    Applied applied,
    StepCursor cursor,
    Progress progress,
    Map<String, RuleState> rules,
    List<Hold> holds,
    RollbackInfo rollback,
    Journal journal,
    List<Confirmation> confirmations) {

  /** The state to show: the phase, or HELD / ROLLBACK_FAILED when that is what is happening. */
  public State displayState() {
    return display(position.phase(), cursor.error(), !holds.isEmpty() || blockingBreach());
  }

  static State display(State phase, String stepError, boolean held) {
    if (phase == State.ROLLING_BACK && stepError != null) {
      return State.ROLLBACK_FAILED;
    }
    if ((phase == State.APPLYING
            || phase == State.SOAKING
            || phase == State.AWAITING_APPROVAL
            || phase == State.AWAITING_CHECKLIST
            || phase == State.WAITING_WINDOW)
        && held) {
      return State.HELD;
    }
    return phase;
  }

  /** A gate or watch rule is breached with a severity that holds the stage (all but low). */
  public boolean blockingBreach() {
    return rules.values().stream().anyMatch(RuleState::holdsStage);
  }

  // Shortcuts to what callers read most.

  public State phase() {
    return position.phase();
  }

  public int stage() {
    return position.stage();
  }

  public Integer pendingStage() {
    return position.pendingStage();
  }

  public Integer percent() {
    return applied.percent();
  }

  public int attempt() {
    return run.attempt();
  }

  public Soak soak() {
    return progress.soak();
  }

  public List<Decision> decisions() {
    return journal.decisions();
  }

  /** A new cutover's state, before anything has happened. */
  static CutoverState initial(String plan, String startedBy, long now) {
    return new CutoverState(
        new Run(plan, startedBy, now, 1, 0),
        now,
        0,
        new Position(State.CHECKING_PREREQUISITES, now, -1, null, null, null),
        Applied.NOTHING,
        new StepCursor(List.of(), 0, 0, now, null, null, null),
        Progress.FRESH,
        Map.of(),
        List.of(),
        null,
        Journal.EMPTY,
        List.of());
  }

  /**
   * Which cutover this is, and how often it started over.
   *
   * @param attempt 1, plus one for each {@code retry}
   * @param rollbacks how many rollbacks began: part of every later idempotency key
   */
  public record Run(String plan, String startedBy, long startedAt, int attempt, int rollbacks) {
    Run nextAttempt() {
      return new Run(plan, startedBy, startedAt, attempt + 1, rollbacks);
    }

    Run oneMoreRollback() {
      return new Run(plan, startedBy, startedAt, attempt, rollbacks + 1);
    }
  }

  /**
   * Where the cutover is.
   *
   * @param phase the engine's phase, and since when ({@code phaseSince})
   * @param stage index of the current stage; -1 before the first
   * @param pendingStage the stage waiting for its window or its approval to start, if any
   * @param waitUntil when the pending stage's window opens
   * @param stageStartedAt when the current stage began (or was returned to)
   */
  public record Position(
      State phase,
      long phaseSince,
      int stage,
      Integer pendingStage,
      Long waitUntil,
      Long stageStartedAt) {
    /** In phase {@code p}, since {@code now} unless it was there already. */
    Position withPhase(State p, long now) {
      return p == phase
          ? this
          : new Position(p, now, stage, pendingStage, waitUntil, stageStartedAt);
    }

    /**
     * Waiting to start stage {@code index}: for its window ({@code until}) or an approval (null).
     */
    Position waitingFor(Integer index, Long until) {
      return new Position(phase, phaseSince, stage, index, until, stageStartedAt);
    }

    /** At stage {@code index}, begun at {@code since}, with nothing pending. */
    Position atStage(int index, Long since) {
      return new Position(phase, phaseSince, index, null, null, since);
    }
  }

  /**
   * What this cutover has applied.
   *
   * @param percent the traffic percent last applied (null: never set by this cutover)
   * @param flags flag values last applied
   * @param entered stages applied (or being applied) since the last start, oldest first: what a
   *     rollback undoes, newest first
   * @param actionsDone the stage actions that ran ({@code "stage:index"}): the ones a rollback
   *     undoes
   */
  public record Applied(
      Integer percent,
      Map<String, JsonNode> flags,
      List<Integer> entered,
      List<String> actionsDone,
      Map<String, String> outputs) {
    static final Applied NOTHING = new Applied(null, Map.of(), List.of(), List.of(), Map.of());

    /** As first released: no outputs. */
    public Applied(
        Integer percent, Map<String, JsonNode> flags, List<Integer> entered, List<String> done) {
      this(percent, flags, entered, done, Map.of());
    }

    Applied withPercent(Integer p) {
      return new Applied(p, flags, entered, actionsDone, outputs);
    }

    Applied withFlags(Map<String, JsonNode> set) {
      Map<String, JsonNode> f = new LinkedHashMap<>(flags);
      f.putAll(set);
      return new Applied(percent, Collections.unmodifiableMap(f), entered, actionsDone, outputs);
    }

    Applied entering(int stage) {
      return entered.contains(stage)
          ? this
          : new Applied(percent, flags, plus(entered, stage), actionsDone, outputs);
    }

    Applied leaving(int stage) {
      List<Integer> e = new ArrayList<>(entered);
      e.remove(Integer.valueOf(stage));
      return new Applied(percent, flags, List.copyOf(e), actionsDone, outputs);
    }

    /** A stage action ran ({@code done}) or was undone. */
    Applied withAction(String key, boolean done) {
      if (done == actionsDone.contains(key)) {
        return this;
      }
      List<String> a = new ArrayList<>(actionsDone);
      if (done) {
        a.add(key);
      } else {
        a.remove(key);
      }
      return new Applied(percent, flags, entered, List.copyOf(a), outputs);
    }

    /**
     * Starting over: no stage entered and no action to undo; traffic and flags stay as they are.
     */
    Applied forgetStages() {
      return new Applied(percent, flags, List.of(), List.of(), Map.of());
    }

    /**
     * The outputs a stage action returned ({@code name -> value}), kept as {@code "stage/name"} for
     * the stage's undos and later actions.
     */
    Applied withOutputs(String stage, Map<String, String> returned) {
      if (returned == null || returned.isEmpty()) {
        return this;
      }
      Map<String, String> o = new LinkedHashMap<>(outputs == null ? Map.of() : outputs);
      returned.forEach((name, value) -> o.put(stage + "/" + name, value));
      return new Applied(percent, flags, entered, actionsDone, Collections.unmodifiableMap(o));
    }

    /** The outputs of {@code stage}'s actions, by name. */
    public Map<String, String> outputsOf(String stage) {
      Map<String, String> of = new LinkedHashMap<>();
      if (outputs != null) {
        String prefix = stage + "/";
        outputs.forEach(
            (key, value) -> {
              if (key.startsWith(prefix)) {
                of.put(key.substring(prefix.length()), value);
              }
            });
      }
      return of;
    }
  }

  /**
   * The step cursor: the effects being carried out and how the current one goes.
   *
   * @param steps the effects, forward (APPLYING) or backward (ROLLING_BACK)
   * @param index the current step
   * @param attempt failed attempts of the current step
   * @param startedAt when the current step began (a wait's timeout counts from it)
   * @param retryAt when a failed step is tried again
   * @param error why the current step failed, if it did
   * @param effect the effect in flight, if any; no other effect starts until it is done
   */
  public record StepCursor(
      List<Step> steps,
      int index,
      int attempt,
      long startedAt,
      Long retryAt,
      String error,
      InFlightEffect effect) {
    /** Carrying out {@code list} from its first step, at {@code now}. */
    StepCursor start(List<Step> list, long now) {
      return new StepCursor(List.copyOf(list), 0, 0, now, null, null, effect);
    }

    /** On to the next step, at {@code now}. */
    StepCursor next(long now) {
      return new StepCursor(steps, index + 1, 0, now, null, null, effect);
    }

    /** The current step once more, from a clean slate (after a hold is released). */
    StepCursor again(long now) {
      return new StepCursor(steps, index, 0, now, null, null, effect);
    }

    /** No steps to carry out. */
    StepCursor cleared() {
      return new StepCursor(List.of(), 0, attempt, startedAt, null, null, effect);
    }

    /** The current step's effect is in flight. */
    StepCursor dispatched(InFlightEffect e) {
      return new StepCursor(steps, index, attempt, startedAt, null, error, e);
    }

    StepCursor withEffect(InFlightEffect e) {
      return new StepCursor(steps, index, attempt, startedAt, retryAt, error, e);
    }

    StepCursor withError(String e) {
      return new StepCursor(steps, index, attempt, startedAt, retryAt, e, effect);
    }

    /** The current step failed once more with {@code e}. */
    StepCursor failed(String e) {
      return new StepCursor(steps, index, attempt + 1, startedAt, retryAt, e, effect);
    }

    StepCursor retryAt(Long at) {
      return new StepCursor(steps, index, attempt, startedAt, at, error, effect);
    }

    /** Every step is done (or there were none). */
    boolean finished() {
      return index >= steps.size();
    }

    Step current() {
      return finished() ? null : steps.get(index);
    }
  }

  /**
   * How the current stage is getting on.
   *
   * @param soak the soak clock
   * @param promoteAt when a {@code promote} asked for fresh gate measurements, still to settle
   * @param promoteBy who sent that promote
   * @param approval the approval of the current (or pending) stage, if given
   * @param acknowledged checks whose high breach is acknowledged for this stage
   * @param baselines the stage baseline of each check judged relative to one, captured before the
   *     stage's first effect (empty when the plan has none, or before the capture)
   */
  public record Progress(
      Soak soak,
      Long promoteAt,
      String promoteBy,
      Approval approval,
      List<String> acknowledged,
      Map<String, Double> baselines) {
    static final Progress FRESH = new Progress(Soak.ZERO, null, null, null, List.of(), Map.of());

    public Progress {
      baselines =
          baselines == null
              ? Map.of()
              : Collections.unmodifiableMap(new LinkedHashMap<>(baselines));
    }

    Progress withSoak(Soak s) {
      return new Progress(s, promoteAt, promoteBy, approval, acknowledged, baselines);
    }

    Progress promoting(Long at, String by) {
      return new Progress(soak, at, by, approval, acknowledged, baselines);
    }

    Progress withApproval(Approval a) {
      return new Progress(soak, promoteAt, promoteBy, a, acknowledged, baselines);
    }

    Progress acknowledging(String check) {
      return new Progress(
          soak, promoteAt, promoteBy, approval, plus(acknowledged, check), baselines);
    }

    Progress withBaselines(Map<String, Double> captured) {
      return new Progress(soak, promoteAt, promoteBy, approval, acknowledged, captured);
    }
  }

  /**
   * What is kept for operators.
   *
   * @param decisions the most recent decisions, newest last, with who and why
   * @param incidents the most recent breaches, inconclusive rules and rollbacks, newest last
   * @param signaturesUsed the signed signals seen lately, each accepted once (null in states
   *     carried from before signed signals: none)
   * @param nextStatusAt when the next status line is due, if the plan asks for them
   */
  public record Journal(
      List<Decision> decisions,
      List<Incident> incidents,
      List<SignatureUse> signaturesUsed,
      Long nextStatusAt) {
    static final Journal EMPTY = new Journal(List.of(), List.of(), List.of(), null);

    Journal with(Decision d) {
      return new Journal(
          bounded(decisions, d, Engine.MAX_DECISIONS), incidents, signaturesUsed, nextStatusAt);
    }

    Journal with(Incident i) {
      return new Journal(
          decisions, bounded(incidents, i, Engine.MAX_INCIDENTS), signaturesUsed, nextStatusAt);
    }

    Journal withSignatures(List<SignatureUse> used) {
      return new Journal(decisions, incidents, List.copyOf(used), nextStatusAt);
    }

    Journal withNextStatusAt(Long at) {
      return new Journal(decisions, incidents, signaturesUsed, at);
    }

    private static <T> List<T> bounded(List<T> list, T added, int max) {
      List<T> out = new ArrayList<>(list.size() + 1);
      out.addAll(list.subList(Math.max(0, list.size() + 1 - max), list.size()));
      out.add(added);
      return List.copyOf(out);
    }
  }

  private static <T> List<T> plus(List<T> list, T added) {
    List<T> out = new ArrayList<>(list);
    out.add(added);
    return List.copyOf(out);
  }

  /**
   * The soak clock: passing time accumulated, and since when it has been running (null: stopped).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Soak(long accumulated, Long runningSince, boolean promoted) {
    static final Soak ZERO = new Soak(0, null, false);

    /** The clock stopped at {@code now}, keeping the time it ran. */
    Soak stopped(long now) {
      return new Soak(accumulated + (now - runningSince), null, promoted);
    }

    Soak running(long now) {
      return new Soak(accumulated, now, promoted);
    }

    Soak endedByPromote() {
      return new Soak(accumulated, runningSince, true);
    }
  }

  /** An effect being carried out; {@code orphaned} when a rollback began while it was in flight. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record InFlightEffect(long seq, Step step, boolean orphaned) {
    InFlightEffect orphan() {
      return new InFlightEffect(seq, step, true);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Approval(String stage, String by, long at, String comment) {}

  /** A checklist task {@code by} confirmed at {@code at}, with what they said. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Confirmation(String task, String by, long at, String comment) {}

  /** Something keeping the cutover from promoting until {@code resume}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hold(Kind kind, String subject, String by, String reason, long since) {
    public enum Kind {
      PAUSED,
      INCONCLUSIVE,
      APPLY_FAILED,
      STAGE_ROLLED_BACK,
      /** A breach or abort after a point of no return, where the plan says hold. */
      POINT_OF_NO_RETURN,
      /** A stage's deadline passed, where the plan says hold. */
      DEADLINE
    }
  }

  /**
   * The latest rollback: why, who, scope, and how its steps went; {@code backTo}, the stage a
   * rollback after a point of no return goes back to ({@code afterPointOfNoReturn: {stage: ...}}).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RollbackInfo(
      String reason,
      String by,
      long startedAt,
      Rule.Scope scope,
      int failures,
      String lastError,
      Long completedAt,
      String note,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer backTo) {
    /** A rollback of everything, or of the current stage only (back to the one before). */
    public RollbackInfo(
        String reason,
        String by,
        long startedAt,
        Rule.Scope scope,
        int failures,
        String lastError,
        Long completedAt,
        String note) {
      this(reason, by, startedAt, scope, failures, lastError, completedAt, note, null);
    }

    RollbackInfo failedOnce(String error) {
      return new RollbackInfo(
          reason, by, startedAt, scope, failures + 1, error, completedAt, note, backTo);
    }

    /** With {@code more} added to its note. */
    RollbackInfo noted(String more) {
      return new RollbackInfo(
          reason,
          by,
          startedAt,
          scope,
          failures,
          lastError,
          completedAt,
          note == null ? more : note + "; " + more,
          backTo);
    }

    RollbackInfo completedAt(long now) {
      return new RollbackInfo(reason, by, startedAt, scope, failures, lastError, now, note, backTo);
    }
  }

  /** A breach, an inconclusive rule or a rollback, kept for the status and the ledger. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Incident(long at, String stage, String kind, String subject, String text) {}

  /**
   * A verified signature the engine has seen ({@link Signal.Signature#id}), kept while it could
   * still verify, so that a signed signal copied from history cannot be sent again.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SignatureUse(String id, long signedAt) {}

  /** A decision: an operator's signal (accepted or rejected, with why) or the engine's own move. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Decision(long at, String by, String action, boolean accepted, String text) {}
}
