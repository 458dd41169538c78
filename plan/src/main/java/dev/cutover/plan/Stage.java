package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a cutover. Entering it sets {@code percent} and/or {@code flags}, then runs {@code
 * actions}; it is done when its gates have passed for {@code soak} (measured every {@code every})
 * and, with {@code approval}, a person has approved; then it runs {@code onComplete}. Undoing it
 * sets {@code revert}, which defaults to the inverse of {@code flags} (booleans negated). An {@code
 * observe} stage changes nothing: it only soaks under its gates (hypercare). Its {@code checklist}
 * holds the tasks a person confirms before it starts and before it completes; its {@code deadline}
 * (null: none) the hard limits on its time.
 *
 * <p>A stage's actions are numbered as one list: {@code actions} first, then {@code onComplete}
 * ({@link #action(int)}), so that a step, its idempotency key and its undo name each one.
 */
public record Stage(
    String name,
    Integer percent,
    Map<String, JsonNode> flags,
    Map<String, JsonNode> revert,
    Duration soak,
    Duration every,
    List<Rule> gates,
    boolean approval,
    List<Action> actions,
    Window window,
    boolean observe,
    List<Action> onComplete,
    Checklist checklist,
    Deadline deadline) {
  public Stage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(soak, "soak");
    Objects.requireNonNull(every, "every");
    // Order matters: flags are set, and reverted, in the order the plan writes them.
    flags =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(flags == null ? Map.of() : flags));
    revert =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(revert == null ? Map.of() : revert));
    gates = List.copyOf(gates == null ? List.of() : gates);
    actions = List.copyOf(actions == null ? List.of() : actions);
    onComplete = List.copyOf(onComplete == null ? List.of() : onComplete);
    checklist = checklist == null ? Checklist.NONE : checklist;
  }

  /** A stage that is not an observe stage and runs nothing once its soak is met. */
  public Stage(
      String name,
      Integer percent,
      Map<String, JsonNode> flags,
      Map<String, JsonNode> revert,
      Duration soak,
      Duration every,
      List<Rule> gates,
      boolean approval,
      List<Action> actions,
      Window window) {
    this(
        name,
        percent,
        flags,
        revert,
        soak,
        every,
        gates,
        approval,
        actions,
        window,
        false,
        List.of(),
        Checklist.NONE,
        null);
  }

  /** Action {@code index} of the stage: of {@code actions}, then of {@code onComplete}. */
  public Action action(int index) {
    return index < actions.size() ? actions.get(index) : onComplete.get(index - actions.size());
  }

  /** Whether action {@code index} is one of {@code onComplete}. */
  public boolean atCompletion(int index) {
    return index >= actions.size();
  }

  /** {@code actions} then {@code onComplete}, numbered as {@link #action(int)} numbers them. */
  public List<Action> allActions() {
    List<Action> all = new java.util.ArrayList<>(actions);
    all.addAll(onComplete);
    return List.copyOf(all);
  }

  /**
   * Whether a person approves the end of its soak: {@code approval}, or an {@code onComplete}
   * action that cannot be undone (it runs only after the approval).
   */
  public boolean approvalToComplete() {
    return approval || onComplete.stream().anyMatch(Action::irreversible);
  }

  public Optional<Integer> percentValue() {
    return Optional.ofNullable(percent);
  }

  public Optional<Window> windowValue() {
    return Optional.ofNullable(window);
  }
}
