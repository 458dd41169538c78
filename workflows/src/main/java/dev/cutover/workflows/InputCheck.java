package dev.cutover.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.CutoverState;
import dev.cutover.plan.PlanReader;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the workflow's input before anything reads it. A new cutover's input is {@code {plan,
 * startedBy}} and nothing else; what continue-as-new carries ({@link #CARRIED}) is read only on a
 * run the workflow has established continue-as-new made from a cutover. Every problem fails the
 * workflow at once, non-retryably ({@link FailureTypes#INVALID_INPUT}), each named; untrusted
 * values are never echoed beyond a short, visible prefix. Pure and deterministic.
 */
final class InputCheck {
  static final String SHAPE =
      "a new cutover's input is {\"plan\": <the plan as JSON>, \"startedBy\": \"<person>\"}";

  /**
   * What only continue-as-new carries; a new cutover carrying any of them (non-null) is refused.
   */
  static final List<String> CARRIED = List.of("state", "planRules", "signaturesRequired");

  static final Set<String> NEW_FIELDS = Set.of("plan", "startedBy");

  /** The longest {@code startedBy}: a person's name, as {@code by} in a signal. */
  static final int STARTED_BY_MAX = SignalLimits.BY_MAX;

  private InputCheck() {}

  /** What a checked input holds; {@code state} is null for a new cutover. */
  record Checked(
      JsonNode plan,
      String startedBy,
      CutoverState state,
      PlanReader.Rules planRules,
      boolean signaturesRequired) {}

  /** Whether the input carries anything only continue-as-new may carry. */
  static boolean carriesState(JsonNode raw) {
    return raw != null && raw.isObject() && CARRIED.stream().anyMatch(f -> raw.hasNonNull(f));
  }

  /** A new cutover's input: {@code plan} and {@code startedBy}, each valid, and nothing else. */
  static Checked checkNew(JsonNode raw) {
    List<String> problems = new ArrayList<>(shape(raw));
    if (problems.isEmpty()) {
      problems.addAll(plan(raw.get("plan")));
      problems.addAll(startedBy(raw.get("startedBy")));
      for (String f : CARRIED) {
        if (raw.hasNonNull(f)) {
          problems.add(
              f
                  + ": carried only by continue-as-new from a running cutover; a new cutover starts at its"
                  + " first stage, reads its plan by the newest rules and asks the worker's admission itself");
        }
      }
      List<String> unknown = new ArrayList<>();
      for (Iterator<String> it = raw.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!NEW_FIELDS.contains(f) && !CARRIED.contains(f)) {
          unknown.add(f);
        }
      }
      if (!unknown.isEmpty()) {
        problems.add("unknown field" + (unknown.size() == 1 ? " " : "s ") + names(unknown));
      }
    }
    fail(problems);
    return new Checked(raw.get("plan"), raw.get("startedBy").asText(), null, null, false);
  }

  /**
   * The input of a run continue-as-new made from a cutover: written by this workflow, or by a
   * release before it (no {@code planRules} before the second release: the first release's rules;
   * no {@code signaturesRequired} before admission: not required). Unknown fields are ignored, for
   * a later release's sake.
   */
  static Checked checkContinued(JsonNode raw) {
    List<String> problems = new ArrayList<>(shape(raw));
    CutoverState state = null;
    PlanReader.Rules rules = PlanReader.Rules.FIRST_RELEASE;
    boolean signatures = false;
    if (problems.isEmpty()) {
      JsonNode plan = raw.get("plan");
      if (plan == null || !plan.isObject()) {
        problems.add("plan: must be the plan as a JSON object");
      }
      JsonNode by = raw.get("startedBy");
      if (by == null || !by.isTextual()) {
        problems.add("startedBy: must be a string");
      }
      try {
        state = CutoverInput.JSON.treeToValue(raw.get("state"), CutoverState.class);
        if (state == null || state.phase() == null || state.decisions() == null) {
          problems.add("state: not a cutover's state");
        }
      } catch (JsonProcessingException e) {
        problems.add(
            "state: not a cutover's state ("
                + UntrustedText.quoted(e.getOriginalMessage(), 200)
                + ")");
      } catch (IllegalArgumentException e) {
        problems.add(
            "state: not a cutover's state ("
                + UntrustedText.quoted(String.valueOf(e.getMessage()), 200)
                + ")");
      }
      JsonNode r = raw.get("planRules");
      if (r != null && !r.isNull()) {
        rules = r.isTextual() ? rulesNamed(r.asText()) : null;
        if (rules == null) {
          problems.add(
              "planRules: "
                  + UntrustedText.quoted(r.asText(r.toString()), 40)
                  + " is not one of "
                  + List.of(PlanReader.Rules.values()));
        }
      }
      JsonNode s = raw.get("signaturesRequired");
      if (s != null && !s.isNull()) {
        if (!s.isBoolean()) {
          problems.add("signaturesRequired: must be true or false");
        }
        signatures = s.asBoolean();
      }
    }
    fail(problems);
    return new Checked(raw.get("plan"), raw.get("startedBy").asText(), state, rules, signatures);
  }

  private static List<String> shape(JsonNode raw) {
    if (raw == null || raw.isNull() || raw.isMissingNode()) {
      return List.of("input: missing");
    }
    if (!raw.isObject()) {
      return List.of("input: " + article(raw) + ", not an object");
    }
    return List.of();
  }

  private static List<String> plan(JsonNode plan) {
    if (plan == null || plan.isNull()) {
      return List.of(
          "plan: required (the plan as JSON: `cutover lint PLAN --output json` prints it)");
    }
    if (!plan.isObject()) {
      return List.of("plan: " + article(plan) + ", not the plan as a JSON object");
    }
    if (plan.isEmpty()) {
      return List.of("plan: an empty object");
    }
    int bytes = size(plan);
    if (bytes > CutoverInput.MAX_PLAN_BYTES) {
      return List.of(
          "plan: "
              + bytes
              + " bytes of JSON; a plan may have at most "
              + CutoverInput.MAX_PLAN_BYTES);
    }
    return List.of();
  }

  private static List<String> startedBy(JsonNode by) {
    if (by == null || by.isNull()) {
      return List.of("startedBy: required: say who starts the cutover");
    }
    if (!by.isTextual()) {
      return List.of("startedBy: " + article(by) + ", not a string");
    }
    String s = by.asText();
    if (s.isBlank()) {
      return List.of("startedBy: blank: say who starts the cutover");
    }
    if (s.length() > STARTED_BY_MAX) {
      return List.of(
          "startedBy: " + s.length() + " characters; a name has at most " + STARTED_BY_MAX);
    }
    if (UntrustedText.hasControl(s)) {
      return List.of(
          "startedBy: " + UntrustedText.quoted(s, 40) + " holds control characters; a name cannot");
    }
    return List.of();
  }

  static int size(JsonNode node) {
    try {
      return CutoverInput.JSON.writeValueAsBytes(node).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PlanReader.Rules rulesNamed(String name) {
    for (PlanReader.Rules r : PlanReader.Rules.values()) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }

  private static String article(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }

  private static String names(List<String> fields) {
    List<String> shown = fields.stream().limit(5).map(f -> UntrustedText.quoted(f, 40)).toList();
    return String.join(", ", shown)
        + (fields.size() > 5 ? " and " + (fields.size() - 5) + " more" : "");
  }

  private static void fail(List<String> problems) {
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "invalid input ("
              + SHAPE
              + "):\n"
              + String.join("\n", problems.stream().map(p -> "  " + p).toList()),
          FailureTypes.INVALID_INPUT);
    }
  }
}
