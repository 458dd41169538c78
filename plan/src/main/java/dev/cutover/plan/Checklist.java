package dev.cutover.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A stage's checklist: tasks a person does and confirms ({@code cutover confirm ID TASK}), {@code
 * beforeStart} (the stage starts only when each is confirmed) and {@code beforeComplete} (the stage
 * completes only when each is confirmed, after its soak). Never an approval: a confirm approves no
 * stage, and an approval confirms no task.
 */
public record Checklist(List<Task> beforeStart, List<Task> beforeComplete) {
  public static final Checklist NONE = new Checklist(List.of(), List.of());

  public Checklist {
    beforeStart = List.copyOf(beforeStart == null ? List.of() : beforeStart);
    beforeComplete = List.copyOf(beforeComplete == null ? List.of() : beforeComplete);
  }

  /** A task: {@code id} is what {@code confirm} names; {@code text} says what a person does. */
  public record Task(String id, String text) {
    public Task {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(text, "text");
    }
  }

  /** When a task is due. */
  public enum When {
    BEFORE_START("beforeStart", "before it starts"),
    BEFORE_COMPLETE("beforeComplete", "before it completes");

    private final String field;
    private final String words;

    When(String field, String words) {
      this.field = field;
      this.words = words;
    }

    /** The plan field, e.g. {@code beforeStart}. */
    public String field() {
      return field;
    }

    /** As a sentence ends, e.g. {@code before it starts}. */
    public String words() {
      return words;
    }
  }

  public boolean isEmpty() {
    return beforeStart.isEmpty() && beforeComplete.isEmpty();
  }

  /** The tasks due {@code when}. */
  public List<Task> tasks(When when) {
    return when == When.BEFORE_START ? beforeStart : beforeComplete;
  }

  /** Every task, beforeStart first. */
  public List<Task> all() {
    List<Task> out = new ArrayList<>(beforeStart);
    out.addAll(beforeComplete);
    return List.copyOf(out);
  }
}
