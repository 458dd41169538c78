package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Confirmation;
import dev.cutover.plan.Checklist;
import dev.cutover.plan.Checklist.Task;
import dev.cutover.plan.Checklist.When;
import dev.cutover.plan.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Checklists: tasks a person does and confirms ({@code confirm}), due before a stage starts or
 * before it completes. A stage waits for them in {@link State#AWAITING_CHECKLIST}. Never an
 * approval: a confirm approves no stage and an approval confirms no task.
 *
 * <p>A task due before its stage starts may be confirmed at any time until then; one due before its
 * stage completes, from the stage's start until it completes. Confirmations last for the attempt: a
 * {@code retry} starts over and every task is confirmed again.
 */
final class Checklists extends Part {
  /** The most characters of a confirm's comment kept in the state. */
  static final int MAX_COMMENT_CHARS = 200;

  Checklists(Engine engine) {
    super(engine);
  }

  /** The tasks of stage {@code index} due {@code when} that are not confirmed yet. */
  List<Task> open(Turn t, int index, When when) {
    List<Task> out = new ArrayList<>();
    for (Task task : plan.stages().get(index).checklist().tasks(when)) {
      if (confirmation(t, task.id()) == null) {
        out.add(task);
      }
    }
    return out;
  }

  /**
   * Whether stage {@code index} waits for tasks before it starts: if so the cutover waits for them
   * (saying so once, with the command for each).
   */
  boolean waitBeforeStart(Turn t, int index, long now) {
    List<Task> open = open(t, index, When.BEFORE_START);
    if (open.isEmpty()) {
      return false;
    }
    Integer pending = t.position.pendingStage();
    boolean already = t.phase() == State.AWAITING_CHECKLIST && pending != null && pending == index;
    t.setPhase(State.AWAITING_CHECKLIST, now);
    t.position = t.position.waitingFor(index, null);
    t.rules.values().removeIf(r -> r.role() == RuleState.Role.GATE);
    if (!already) {
      blocked(t, plan.stages().get(index), When.BEFORE_START, open, now);
    }
    return true;
  }

  /** The current stage has soaked: whether it waits for tasks before it completes. */
  boolean waitBeforeComplete(Turn t, long now) {
    List<Task> open = open(t, t.position.stage(), When.BEFORE_COMPLETE);
    if (open.isEmpty()) {
      return false;
    }
    if (t.phase() != State.AWAITING_CHECKLIST) {
      t.setPhase(State.AWAITING_CHECKLIST, now);
      blocked(t, t.stage(), When.BEFORE_COMPLETE, open, now);
    }
    return true;
  }

  private void blocked(Turn t, Stage stage, When when, List<Task> open, long now) {
    String text =
        "stage "
            + stage.name()
            + " waits for its checklist "
            + when.words()
            + ": "
            + describe(open)
            + "; send "
            + command(open.get(0))
            + (open.size() > 1 ? " (and so for each)" : "");
    t.decide(now, ENGINE, "await-checklist", true, text);
    t.notify(Command.Notify.Kind.CHECKLIST, stage.name(), Command.Notify.Level.INFO, text);
  }

  /**
   * The command that confirms {@code task}, e.g. {@code cutover confirm shop dns-ttl-lowered} (who
   * sends it: {@code --by}, else the sender's user name).
   */
  String command(Task task) {
    return "cutover confirm " + plan.name() + " " + task.id();
  }

  /**
   * The tasks {@code status} shows: the current stage's, and those due before the next stage starts
   * (none once the cutover has ended or while it rolls back).
   */
  List<Status.TaskView> view(CutoverState s) {
    List<Status.TaskView> out = new ArrayList<>();
    if (!s.phase().active()) {
      return out;
    }
    Turn t = new Turn(plan, s);
    Integer pending = s.pendingStage();
    int current = s.stage();
    int next = pending != null ? pending : current + 1;
    if (current >= 0 && (pending == null || pending != current)) {
      addTasks(t, out, current, When.BEFORE_COMPLETE);
    }
    if (next < plan.stages().size()) {
      addTasks(t, out, next, When.BEFORE_START);
    }
    return out;
  }

  private void addTasks(Turn t, List<Status.TaskView> out, int index, When when) {
    Stage stage = plan.stages().get(index);
    boolean blocking =
        t.phase() == State.AWAITING_CHECKLIST
            && (when == When.BEFORE_START
                ? Integer.valueOf(index).equals(t.position.pendingStage())
                : t.position.pendingStage() == null && t.position.stage() == index);
    for (Task task : stage.checklist().tasks(when)) {
      Confirmation c = confirmation(t, task.id());
      out.add(
          new Status.TaskView(
              task.id(),
              task.text(),
              stage.name(),
              when.field(),
              c == null && blocking,
              c == null ? command(task) : null,
              c == null ? null : c.by(),
              c == null ? null : c.at(),
              c == null ? null : c.comment()));
    }
  }

  private static String describe(List<Task> tasks) {
    List<String> parts = new ArrayList<>();
    for (Task task : tasks) {
      parts.add(task.id() + " (" + task.text() + ")");
    }
    return tasks.size()
        + " task"
        + (tasks.size() == 1 ? "" : "s")
        + " to confirm: "
        + String.join(", ", parts);
  }

  /** The confirmation of {@code task} in this attempt, or null. */
  static Confirmation confirmation(Turn t, String task) {
    for (Confirmation c : t.confirmations) {
      if (c.task().equals(task)) {
        return c;
      }
    }
    return null;
  }

  /** A task of the plan: its stage, when it is due, and itself. */
  private record Found(int stage, When when, Task task) {}

  private Found find(String id) {
    for (int i = 0; i < plan.stages().size(); i++) {
      Checklist c = plan.stages().get(i).checklist();
      for (When when : When.values()) {
        for (Task task : c.tasks(when)) {
          if (task.id().equals(id)) {
            return new Found(i, when, task);
          }
        }
      }
    }
    return null;
  }

  /**
   * A {@code confirm} of {@code s.task}: accepted for a task of the plan that is due and not yet
   * confirmed; rejected, with why, for a task unknown, confirmed already, too early or too late.
   */
  void confirm(Turn t, Signal s, String by, long now) {
    String id = s.task();
    if (id == null || id.isBlank()) {
      reject(t, now, by, "say which checklist task (task is required)");
      return;
    }
    Found found = find(id);
    if (found == null) {
      reject(
          t, now, by, "no checklist task \"" + id + "\" is waiting for a confirmation" + known());
      return;
    }
    Stage stage = plan.stages().get(found.stage());
    Confirmation given = confirmation(t, id);
    String why;
    if (given != null) {
      why =
          "task "
              + id
              + " is already confirmed by "
              + given.by()
              + " at "
              + Instant.ofEpochMilli(given.at());
    } else if (!t.phase().active()) {
      why = "no checklist task is waiting while the cutover is " + t.displayState();
    } else {
      why = notDue(t, found, stage);
    }
    if (why != null) {
      reject(t, now, by, why);
      return;
    }
    String comment = s.comment() == null || s.comment().isBlank() ? null : s.comment().strip();
    if (comment != null && comment.length() > MAX_COMMENT_CHARS) {
      comment = comment.substring(0, MAX_COMMENT_CHARS) + "...";
    }
    t.confirmations.add(new Confirmation(id, by, now, comment));
    int left = open(t, found.stage(), found.when()).size();
    String text =
        "confirmed task "
            + id
            + " ("
            + found.task().text()
            + ") of stage "
            + stage.name()
            + ", due "
            + found.when().words()
            + (left == 0 ? "; none left" : "; " + left + " more to confirm " + found.when().words())
            + (comment == null ? "" : ": " + comment)
            + (s.signature().status() == Signal.Signature.Status.VERIFIED ? " (signed)" : "");
    t.decide(now, by, SignalName.CONFIRM.wire(), true, text);
    t.notify(
        Command.Notify.Kind.CHECKLIST, stage.name(), Command.Notify.Level.INFO, by + " " + text);
  }

  /** Why the task is not due now (too early or too late), or null when it is. */
  private static String notDue(Turn t, Found found, Stage stage) {
    int current = t.position.stage();
    boolean waitingToStart =
        t.position.pendingStage() != null && t.position.pendingStage() == found.stage();
    if (found.when() == When.BEFORE_START) {
      return current >= found.stage() && !waitingToStart
          ? "too late: stage "
              + stage.name()
              + " has started, and task "
              + found.task().id()
              + " was due before it started"
          : null;
    }
    if (current < found.stage()) {
      return "too early: task "
          + found.task().id()
          + " is due before stage "
          + stage.name()
          + " completes, and is confirmed once it has started";
    }
    if (current > found.stage()) {
      return "too late: stage " + stage.name() + " has completed";
    }
    return null;
  }

  /** The plan's tasks, for a message about an unknown one (nothing when it has none). */
  private String known() {
    List<String> ids = new ArrayList<>();
    for (Stage s : plan.stages()) {
      s.checklist().all().forEach(task -> ids.add(task.id()));
    }
    if (ids.isEmpty()) {
      return "";
    }
    return " (the plan's tasks: "
        + String.join(", ", ids.size() > 10 ? ids.subList(0, 10) : ids)
        + (ids.size() > 10 ? ", ..." : "")
        + ")";
  }

  private static void reject(Turn t, long now, String by, String why) {
    t.decide(now, by, SignalName.CONFIRM.wire(), false, "rejected: " + why);
  }
}
