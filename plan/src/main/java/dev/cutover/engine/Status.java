package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole picture of a running cutover, as the {@code status} query returns it
 * (docs/plan-format.md, "The workflow contract"): state, stage, percent, soak remaining, every
 * rule's latest measurement against its threshold, pending approval, holds, incidents and recent
 * decisions, the current stage's baselines (each check judged relative to its baseline, with the
 * value captured before the stage changed anything), and the checklist tasks of the current and the
 * next stage, each with the command that confirms it. Times are epoch milliseconds; durations are
 * milliseconds with a readable twin.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Status(
    String plan,
    String workflowId,
    String state,
    String phase,
    int attempt,
    String startedBy,
    long startedAt,
    long asOf,
    StageView stage,
    Integer percent,
    Map<String, JsonNode> flags,
    SoakView soak,
    List<RuleView> rules,
    ApprovalView pendingApproval,
    List<CutoverState.Hold> holds,
    StepView step,
    CutoverState.RollbackInfo rollback,
    Long waitUntil,
    List<CutoverState.Incident> incidents,
    List<CutoverState.Decision> decisions,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Double> baselines,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TaskView> checklist) {

  /**
   * A checklist task of the current or the next stage: {@code due} is {@code beforeStart} or {@code
   * beforeComplete}; {@code waiting} when the cutover waits for it now; {@code command} confirms
   * it; {@code confirmedBy} and {@code confirmedAt} once it is confirmed.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TaskView(
      String id,
      String text,
      String stage,
      String due,
      boolean waiting,
      String command,
      String confirmedBy,
      Long confirmedAt,
      String comment) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record StageView(
      int index, int count, String name, Integer percent, Long startedAt, boolean approval) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SoakView(
      long requiredMillis,
      long passedMillis,
      long remainingMillis,
      boolean running,
      String remaining) {}

  /** A rule and its latest measurement; {@code pass} is the threshold it is judged by. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RuleView(
      String id,
      String role,
      String check,
      String severity,
      String pass,
      String every,
      String outcome,
      Double value,
      Long measuredAt,
      String reason,
      Long breachedSince,
      boolean inconclusive,
      int errorStreak) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ApprovalView(
      String stage,
      List<String> approvers,
      boolean fourEyes,
      String notBy,
      String approvedBy,
      boolean soakMet) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record StepView(
      int index, int count, String description, int attempt, String error, Long retryAt) {}

  public static Status of(Engine engine, CutoverState s, long now) {
    Plan plan = engine.plan();
    CutoverState.Soak sk = s.soak();
    State phase = s.phase();
    StageView stage = null;
    SoakView soak = null;
    ApprovalView approval = null;
    if (s.stage() >= 0) {
      Stage st = plan.stages().get(s.stage());
      stage =
          new StageView(
              s.stage(),
              plan.stages().size(),
              st.name(),
              st.percent(),
              s.position().stageStartedAt(),
              st.approvalToComplete());
      long required = st.soak().toMillis();
      long passed = sk.accumulated() + (sk.runningSince() == null ? 0 : now - sk.runningSince());
      if (phase == State.SOAKING || phase == State.AWAITING_APPROVAL) {
        long remaining = Math.max(0, required - passed);
        soak =
            new SoakView(
                required,
                passed,
                remaining,
                sk.runningSince() != null,
                sk.promoted()
                    ? "ended early by promote"
                    : Durations.formatMillis((remaining + 999) / 1000 * 1000)
                        + (sk.runningSince() == null && remaining > 0 ? " (clock stopped)" : ""));
      }
      if (st.approvalToComplete()
          && (phase == State.SOAKING
              || phase == State.AWAITING_APPROVAL
              || phase == State.APPLYING)) {
        approval =
            approvalView(
                plan,
                s,
                st,
                s.progress().approval() == null ? null : s.progress().approval().by(),
                phase == State.AWAITING_APPROVAL);
      }
    }
    if (phase == State.AWAITING_APPROVAL && s.pendingStage() != null) {
      approval = approvalView(plan, s, plan.stages().get(s.pendingStage()), null, true);
    }
    List<RuleView> rules = new ArrayList<>();
    for (RuleState r : s.rules().values()) {
      Rule rule = engine.rule(r);
      Comparison pass = engine.passOf(r);
      Measurement m = r.latest();
      rules.add(
          new RuleView(
              r.id(),
              r.role().name().toLowerCase(Locale.ROOT),
              r.check(),
              rule.severity().name().toLowerCase(Locale.ROOT),
              pass != null
                  ? pass.toString()
                      + (pass.usesBaseline() && s.progress().baselines().containsKey(r.check())
                          ? " (" + pass.against(s.progress().baselines().get(r.check())) + ")"
                          : "")
                  : plan.check(r.check()).source() instanceof dev.cutover.plan.Check.Compare
                      ? "not worse than baseline"
                      : "expect met",
              Durations.format(rule.every()),
              m == null ? null : m.outcome().name(),
              m == null ? null : m.value(),
              m == null ? null : m.at(),
              m == null ? null : m.reason(),
              r.breachedSince(),
              r.inconclusive(),
              r.errorStreak()));
    }
    CutoverState.StepCursor c = s.cursor();
    StepView step =
        c.finished()
            ? null
            : new StepView(
                c.index(),
                c.steps().size(),
                engine.describeStep(c.current()),
                c.attempt(),
                c.error(),
                c.retryAt());
    return new Status(
        plan.name(),
        plan.workflowId(),
        s.displayState().name(),
        phase.name(),
        s.attempt(),
        s.run().startedBy(),
        s.run().startedAt(),
        now,
        stage,
        s.percent(),
        s.applied().flags(),
        soak,
        rules,
        approval,
        s.holds(),
        step,
        s.rollback(),
        s.position().waitUntil(),
        s.journal().incidents(),
        s.decisions(),
        s.progress().baselines(),
        engine.checklists.view(s));
  }

  private static ApprovalView approvalView(
      Plan plan, CutoverState s, Stage st, String approvedBy, boolean soakMet) {
    return new ApprovalView(
        st.name(),
        plan.approvals().approvers(),
        plan.approvals().fourEyes(),
        plan.approvals().fourEyes() ? s.run().startedBy() : null,
        approvedBy,
        soakMet);
  }
}
