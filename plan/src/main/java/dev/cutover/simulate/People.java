package dev.cutover.simulate;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Signal;
import dev.cutover.engine.State;
import dev.cutover.plan.Checklist;
import dev.cutover.plan.Names;
import dev.cutover.plan.Plan;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The simulated people: when the cutover asks for something a person gives (an approval, a
 * checklist task confirmed), what they send. Each kind of request is one method, asked in turn by
 * {@link #answer}; a request is answered once, so that a refused answer cannot loop. A task the
 * script confirms itself is left to the script (at its time).
 *
 * <p>Extension point: a new kind of request is one more method here, called from {@link #answer}.
 */
final class People {
  private final Plan plan;
  private final boolean approve;
  private final String approver;
  private final Set<String> scriptedTasks;
  private final Set<String> answered = new HashSet<>();

  /**
   * @param approve whether approvals are given and tasks confirmed when asked (false: only scripted
   *     ones)
   * @param approver who gives them
   * @param scriptedTasks the tasks the script confirms: never confirmed here
   */
  People(Plan plan, boolean approve, String approver, Set<String> scriptedTasks) {
    this.plan = plan;
    this.approve = approve;
    this.approver = approver;
    this.scriptedTasks = Set.copyOf(scriptedTasks);
  }

  /** Who approves in a simulation: the first approver the plan lists who did not start it. */
  static String approverFor(Plan plan, String startedBy) {
    return plan.approvals().approvers().stream()
        .filter(a -> !Names.same(a, startedBy))
        .findFirst()
        .orElse(plan.approvals().approvers().isEmpty() ? "approver" : null);
  }

  /** The signal a person sends now, if the cutover waits for one they would give. */
  Optional<Signal> answer(CutoverState s) {
    return approval(s).or(() -> confirmation(s));
  }

  /** The first task the cutover waits for, confirmed (as the simulated approver). */
  private Optional<Signal> confirmation(CutoverState s) {
    if (!approve || s.phase() != State.AWAITING_CHECKLIST) {
      return Optional.empty();
    }
    Integer pending = s.pendingStage();
    int index = pending != null ? pending : s.stage();
    if (index < 0 || index >= plan.stages().size()) {
      return Optional.empty();
    }
    Checklist.When when =
        pending != null ? Checklist.When.BEFORE_START : Checklist.When.BEFORE_COMPLETE;
    for (Checklist.Task task : plan.stages().get(index).checklist().tasks(when)) {
      boolean confirmed = s.confirmations().stream().anyMatch(c -> c.task().equals(task.id()));
      if (confirmed || scriptedTasks.contains(task.id())) {
        continue;
      }
      if (answered.add("confirm/" + task.id() + "/" + s.attempt())) {
        return Optional.of(
            Signal.confirm(
                task.id(), approver == null ? "operator" : approver, "simulated confirmation"));
      }
    }
    return Optional.empty();
  }

  private Optional<Signal> approval(CutoverState s) {
    if (!approve || approver == null || s.phase() != State.AWAITING_APPROVAL) {
      return Optional.empty();
    }
    int index = s.pendingStage() != null ? s.pendingStage() : s.stage();
    if (index < 0 || index >= plan.stages().size()) {
      return Optional.empty();
    }
    String stage = plan.stages().get(index).name();
    CutoverState.Approval given = s.progress().approval();
    if (given != null && stage.equals(given.stage())) {
      return Optional.empty();
    }
    String key =
        "approve/"
            + stage
            + "/"
            + s.attempt()
            + "/"
            + s.run().rollbacks()
            + "/"
            + (s.pendingStage() != null);
    if (!answered.add(key)) {
      return Optional.empty();
    }
    return Optional.of(Signal.approve(stage, approver, "simulated approval"));
  }
}
