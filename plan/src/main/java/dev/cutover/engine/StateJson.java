package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.StdConverter;
import dev.cutover.engine.CutoverState.Applied;
import dev.cutover.engine.CutoverState.Approval;
import dev.cutover.engine.CutoverState.Decision;
import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.CutoverState.InFlightEffect;
import dev.cutover.engine.CutoverState.Incident;
import dev.cutover.engine.CutoverState.Journal;
import dev.cutover.engine.CutoverState.Position;
import dev.cutover.engine.CutoverState.Progress;
import dev.cutover.engine.CutoverState.RollbackInfo;
import dev.cutover.engine.CutoverState.Run;
import dev.cutover.engine.CutoverState.SignatureUse;
import dev.cutover.engine.CutoverState.Soak;
import dev.cutover.engine.CutoverState.StepCursor;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * {@link CutoverState} as JSON: the flat object of the first release, field for field and in its
 * order. Continue-as-new hands the state to the next run as this JSON, and in an upgrade a run
 * written by one release may be continued by another, either way round: so the shape never changes.
 * A later field may be added (older readers ignore it); none is renamed or moved. Values pass as
 * they are, nulls included (a state from before {@code actionsDone} or {@code signaturesUsed} has
 * none; the engine reads those as empty), so what was read writes back the same. A field added
 * later that is empty is not written ({@code baselines}, {@code confirmations}, {@code outputs}),
 * so that a state without it writes back the same too.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record StateJson(
    String plan,
    String startedBy,
    long startedAt,
    long at,
    int attempt,
    int rollbacks,
    State phase,
    long phaseSince,
    int stage,
    Integer pendingStage,
    Long waitUntil,
    Long stageStartedAt,
    Integer percent,
    Map<String, JsonNode> flags,
    List<Integer> entered,
    List<String> actionsDone,
    List<Step> steps,
    int stepIndex,
    int stepAttempt,
    long stepStartedAt,
    Long retryAt,
    String stepError,
    InFlightEffect effect,
    long seq,
    Soak soak,
    Long promoteAt,
    String promoteBy,
    Map<String, RuleState> rules,
    Approval approval,
    List<String> acknowledged,
    List<Hold> holds,
    RollbackInfo rollback,
    Long nextStatusAt,
    List<Incident> incidents,
    List<Decision> decisions,
    List<SignatureUse> signaturesUsed,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Double> baselines,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<CutoverState.Confirmation> confirmations,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> outputs) {

  static StateJson of(CutoverState s) {
    Run r = s.run();
    Position p = s.position();
    Applied a = s.applied();
    StepCursor c = s.cursor();
    Progress g = s.progress();
    Journal j = s.journal();
    return new StateJson(
        r.plan(),
        r.startedBy(),
        r.startedAt(),
        s.at(),
        r.attempt(),
        r.rollbacks(),
        p.phase(),
        p.phaseSince(),
        p.stage(),
        p.pendingStage(),
        p.waitUntil(),
        p.stageStartedAt(),
        a.percent(),
        a.flags(),
        a.entered(),
        a.actionsDone(),
        c.steps(),
        c.index(),
        c.attempt(),
        c.startedAt(),
        c.retryAt(),
        c.error(),
        c.effect(),
        s.seq(),
        g.soak(),
        g.promoteAt(),
        g.promoteBy(),
        s.rules(),
        g.approval(),
        g.acknowledged(),
        s.holds(),
        s.rollback(),
        j.nextStatusAt(),
        j.incidents(),
        j.decisions(),
        j.signaturesUsed(),
        g.baselines().isEmpty() ? null : g.baselines(),
        s.confirmations() == null || s.confirmations().isEmpty() ? null : s.confirmations(),
        a.outputs() == null || a.outputs().isEmpty() ? null : a.outputs());
  }

  /** The state, its collections read-only. */
  CutoverState state() {
    return new CutoverState(
        new Run(plan, startedBy, startedAt, attempt, rollbacks),
        at,
        seq,
        new Position(phase, phaseSince, stage, pendingStage, waitUntil, stageStartedAt),
        new Applied(
            percent,
            ro(flags),
            ro(entered),
            ro(actionsDone),
            outputs == null ? Map.of() : ro(outputs)),
        new StepCursor(
            ro(steps), stepIndex, stepAttempt, stepStartedAt, retryAt, stepError, effect),
        new Progress(soak, promoteAt, promoteBy, approval, ro(acknowledged), baselines),
        ro(rules),
        ro(holds),
        rollback,
        new Journal(ro(decisions), ro(incidents), ro(signaturesUsed), nextStatusAt),
        confirmations == null ? List.of() : ro(confirmations));
  }

  private static <T> List<T> ro(List<T> list) {
    return list == null ? null : Collections.unmodifiableList(list);
  }

  private static <T> Map<String, T> ro(Map<String, T> map) {
    return map == null ? null : Collections.unmodifiableMap(map);
  }

  /** Jackson writes a {@link CutoverState} as its flat JSON. */
  static final class Write extends StdConverter<CutoverState, StateJson> {
    @Override
    public StateJson convert(CutoverState s) {
      return of(s);
    }
  }

  /** Jackson reads a {@link CutoverState} from its flat JSON. */
  static final class Read extends StdConverter<StateJson, CutoverState> {
    @Override
    public CutoverState convert(StateJson j) {
      return j.state();
    }
  }
}
