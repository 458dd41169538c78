package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole picture of a running cutover, as the {@code status} query returns it (PLAN.md §3):
 * state, stage, percent, soak remaining, every rule's latest measurement against its threshold,
 * pending approval, holds, incidents and recent decisions. Times are epoch milliseconds; durations
 * are milliseconds with a readable twin.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Status(String plan, String workflowId, String state, String phase, int attempt,
    String startedBy, long startedAt, long asOf, StageView stage, Integer percent,
    Map<String, JsonNode> flags, SoakView soak, List<RuleView> rules, ApprovalView pendingApproval,
    List<CutoverState.Hold> holds, StepView step, CutoverState.RollbackInfo rollback, Long waitUntil,
    List<CutoverState.Incident> incidents, List<CutoverState.Decision> decisions) {

  @JsonIgnoreProperties(ignoreUnknown = true)

  public record StageView(int index, int count, String name, Integer percent, Long startedAt, boolean approval) {}

  @JsonIgnoreProperties(ignoreUnknown = true)

  public record SoakView(long requiredMillis, long passedMillis, long remainingMillis, boolean running,
      String remaining) {}

  /** A rule and its latest measurement; {@code pass} is the threshold it is judged by. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RuleView(String id, String role, String check, String severity, String pass, String every,
      String outcome, Double value, Long measuredAt, String reason, Long breachedSince, boolean inconclusive,
      int errorStreak) {}

  @JsonIgnoreProperties(ignoreUnknown = true)

  public record ApprovalView(String stage, List<String> approvers, boolean fourEyes, String notBy,
      String approvedBy, boolean soakMet) {}

  @JsonIgnoreProperties(ignoreUnknown = true)

  public record StepView(int index, int count, String description, int attempt, String error, Long retryAt) {}

  public static Status of(Engine engine, CutoverState s, long now) {
    Plan plan = engine.plan();
    StageView stage = null;
    SoakView soak = null;
    ApprovalView approval = null;
    if (s.stage() >= 0) {
      Stage st = plan.stages().get(s.stage());
      stage = new StageView(s.stage(), plan.stages().size(), st.name(), st.percent(), s.stageStartedAt(), st.approval());
      long required = st.soak().toMillis();
      long passed = s.soak().accumulated() + (s.soak().runningSince() == null ? 0 : now - s.soak().runningSince());
      boolean soaking = s.phase() == State.SOAKING || s.phase() == State.AWAITING_APPROVAL;
      if (soaking) {
        long remaining = Math.max(0, required - passed);
        soak = new SoakView(required, passed, remaining, s.soak().runningSince() != null,
            s.soak().promoted() ? "ended early by promote" : Durations.formatMillis((remaining + 999) / 1000 * 1000)
                + (s.soak().runningSince() == null && remaining > 0 ? " (clock stopped)" : ""));
      }
      if (st.approval() && (s.phase() == State.SOAKING || s.phase() == State.AWAITING_APPROVAL || s.phase() == State.APPLYING)) {
        approval = new ApprovalView(st.name(), plan.approvals().approvers(), plan.approvals().fourEyes(),
            plan.approvals().fourEyes() ? s.startedBy() : null, s.approval() == null ? null : s.approval().by(),
            s.phase() == State.AWAITING_APPROVAL);
      }
    }
    if (s.phase() == State.AWAITING_APPROVAL && s.pendingStage() != null) {
      Stage next = plan.stages().get(s.pendingStage());
      approval = new ApprovalView(next.name(), plan.approvals().approvers(), plan.approvals().fourEyes(),
          plan.approvals().fourEyes() ? s.startedBy() : null, null, true);
    }
    List<RuleView> rules = new ArrayList<>();
    for (RuleState r : s.rules().values()) {
      Rule rule = engine.rule(r);
      Comparison pass = engine.passOf(r);
      Measurement m = r.latest();
      rules.add(new RuleView(r.id(), r.role().name().toLowerCase(), r.check(), rule.severity().name().toLowerCase(),
          pass != null ? pass.toString() : plan.check(r.check()).source() instanceof dev.cutover.plan.Check.Compare
              ? "not worse than baseline" : "expect met", Durations.format(rule.every()),
          m == null ? null : m.outcome().name(), m == null ? null : m.value(), m == null ? null : m.at(),
          m == null ? null : m.reason(), r.breachedSince(), r.inconclusive(), r.errorStreak()));
    }
    StepView step = null;
    if (s.stepIndex() < s.steps().size()) {
      step = new StepView(s.stepIndex(), s.steps().size(), engine.describeStep(s.steps().get(s.stepIndex())),
          s.stepAttempt(), s.stepError(), s.retryAt());
    }
    return new Status(plan.name(), plan.workflowId(), s.displayState().name(), s.phase().name(), s.attempt(),
        s.startedBy(), s.startedAt(), now, stage, s.percent(), s.flags(), soak, rules, approval, s.holds(), step,
        s.rollback(), s.waitUntil(), s.incidents(), s.decisions());
  }
}
