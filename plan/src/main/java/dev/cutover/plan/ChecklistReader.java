package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a stage's {@code checklist}: {@code beforeStart} and {@code beforeComplete}, each a list of
 * {@code {id, text}}. Bounded whatever the rules (the field is newer than every limit): at most
 * {@link PlanLimits#MAX_TASKS} tasks a list and {@link PlanLimits#MAX_PLAN_TASKS} a plan, a text of
 * at most {@link PlanLimits#MAX_TASK_TEXT_CHARS} characters without control or format characters.
 * Task ids are unique in the plan, so that {@code cutover confirm ID TASK} names one task.
 */
final class ChecklistReader {
  private static final Field<List<JsonNode>> BEFORE_START = Type.LIST.field("beforeStart");
  private static final Field<List<JsonNode>> BEFORE_COMPLETE = Type.LIST.field("beforeComplete");
  static final Field<Obj> CHECKLIST =
      Field.object("checklist", Section.of(BEFORE_START, BEFORE_COMPLETE));

  private static final Field<String> ID = Type.TEXT.field("id");
  private static final Field<String> TEXT = Type.TEXT.field("text");
  private static final Section TASK = Section.of(ID, TEXT);

  private final Reading reading;

  /** Where each task id was first declared, across the plan. */
  private final Map<String, String> declared = new LinkedHashMap<>();

  ChecklistReader(Reading reading) {
    this.reading = reading;
  }

  /** The checklist of the stage {@code o} ({@link Checklist#NONE} when it has none). */
  Checklist read(Obj stage) {
    if (!stage.has(CHECKLIST)) {
      return Checklist.NONE;
    }
    Obj o = stage.get(CHECKLIST);
    if (o == null || !o.valid()) {
      return Checklist.NONE;
    }
    List<Checklist.Task> before = list(o, BEFORE_START);
    List<Checklist.Task> complete = list(o, BEFORE_COMPLETE);
    if (!o.has(BEFORE_START) && !o.has(BEFORE_COMPLETE)) {
      o.problem("", "a checklist has beforeStart, beforeComplete or both; leave it out if empty");
    }
    o.done();
    return new Checklist(before, complete);
  }

  private List<Checklist.Task> list(Obj o, Field<List<JsonNode>> field) {
    if (!o.has(field)) {
      return List.of();
    }
    List<JsonNode> nodes = o.get(field);
    if (nodes.isEmpty()) {
      o.problem(field, "an empty list does nothing; leave it out");
      return List.of();
    }
    if (nodes.size() > PlanLimits.MAX_TASKS) {
      o.problem(field, "has " + nodes.size() + " tasks; at most " + PlanLimits.MAX_TASKS);
      return List.of();
    }
    return o.each(field, this::task);
  }

  private Checklist.Task task(JsonNode node, String path) {
    Obj o = new Obj(reading, node, path, TASK);
    if (!o.valid()) {
      return null;
    }
    String id = o.get(ID);
    String text = o.get(TEXT);
    if (id == null && !o.has(ID)) {
      o.require(ID);
    } else if (id != null && !PlanReader.NAME.matcher(id).matches()) {
      o.problem(
          ID,
          "\""
              + shown(id)
              + "\" must match "
              + PlanReader.NAME.pattern()
              + " (it is what cutover confirm names)");
      id = null;
    } else if (id != null && declared.containsKey(id)) {
      o.problem(ID, "duplicate task id \"" + id + "\" (also at " + declared.get(id) + ")");
      id = null;
    } else if (id != null && declared.size() >= PlanLimits.MAX_PLAN_TASKS) {
      o.problem(ID, "a plan has at most " + PlanLimits.MAX_PLAN_TASKS + " checklist tasks");
      id = null;
    } else if (id != null) {
      declared.put(id, o.path(ID));
    }
    if (text == null && !o.has(TEXT)) {
      o.require(TEXT);
    } else if (text != null) {
      String problem = textProblem(text);
      if (problem != null) {
        o.problem(TEXT, problem);
        text = null;
      }
    }
    o.done();
    return id == null || text == null ? null : new Checklist.Task(id, text.strip());
  }

  private static String textProblem(String text) {
    if (text.isBlank()) {
      return "says what a person does, e.g. \"DNS TTL lowered to 60 s\"";
    }
    if (text.length() > PlanLimits.MAX_TASK_TEXT_CHARS) {
      return "is at most "
          + PlanLimits.MAX_TASK_TEXT_CHARS
          + " characters; this one has "
          + text.length();
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (PlanSyntax.isControl(c) || Character.getType(c) == Character.FORMAT) {
        return "holds " + PlanSyntax.describe(c) + " at " + i + "; a task's text is one plain line";
      }
    }
    return null;
  }

  /** An id as a message may show it: at most 64 characters, no control characters. */
  private static String shown(String id) {
    String s = id.length() > 64 ? id.substring(0, 64) + "..." : id;
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(PlanSyntax.isControl(c) || Character.getType(c) == Character.FORMAT ? '?' : c);
    }
    return b.toString();
  }
}
