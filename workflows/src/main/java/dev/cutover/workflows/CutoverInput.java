package dev.cutover.workflows;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.engine.CutoverState;
import dev.cutover.plan.PlanReader;
import io.temporal.common.converter.JacksonJsonPayloadConverter;

/**
 * The workflow's input (docs/plan-format.md, "The workflow contract"): a new cutover's is {@code
 * {"plan": <the plan as JSON>, "startedBy": "<person>"}}. Continue-as-new adds what a continued run
 * carries forward: {@code state}, {@code planRules} (the rules the plan was first read by) and
 * {@code signaturesRequired} (what the worker's admission said); the workflow honours those only on
 * a run that continue-as-new made from a cutover, and fails a new cutover that carries them.
 *
 * <p>On the wire this is the JSON object itself, unchanged from earlier releases. Reading it never
 * fails, whatever JSON arrives (an array, a number, fields of any type): the workflow checks it
 * itself and fails at once, non-retryably, naming what is wrong. Had the data converter bound it to
 * a typed record, a type mismatch would fail the workflow task before any of our code ran, and
 * Temporal retries a failed workflow task forever.
 */
public final class CutoverInput {
  /** The data converter's own mapper settings, so what we write reads back as it always did. */
  static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  /** The largest plan, as compact JSON (UTF-8 bytes), a new cutover takes. */
  public static final int MAX_PLAN_BYTES = 256 * 1024;

  private final JsonNode json;

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public CutoverInput(JsonNode json) {
    this.json = json == null ? NullNode.getInstance() : json;
  }

  /**
   * The shape every release before 2 wrote: all four fields, nulls included. Kept for the frozen
   * first release in the tests and for the replay of cutovers started before input checks.
   */
  public CutoverInput(
      JsonNode plan, String startedBy, CutoverState state, PlanReader.Rules planRules) {
    this(legacyShape(plan, startedBy, state, planRules));
  }

  /** A new cutover's input. */
  public static CutoverInput start(JsonNode plan, String startedBy) {
    ObjectNode o = JSON.createObjectNode();
    o.set("plan", plan);
    o.put("startedBy", startedBy);
    return new CutoverInput(o);
  }

  /** What a run hands to the run continue-as-new makes from it. */
  static CutoverInput continued(
      JsonNode plan,
      String startedBy,
      CutoverState state,
      PlanReader.Rules planRules,
      boolean signaturesRequired) {
    ObjectNode o = legacyShape(plan, startedBy, state, planRules);
    o.put("signaturesRequired", signaturesRequired);
    return new CutoverInput(o);
  }

  private static ObjectNode legacyShape(
      JsonNode plan, String startedBy, CutoverState state, PlanReader.Rules planRules) {
    ObjectNode o = JSON.createObjectNode();
    o.set("plan", plan);
    o.put("startedBy", startedBy);
    o.set("state", JSON.valueToTree(state));
    o.set("planRules", JSON.valueToTree(planRules));
    return o;
  }

  /** The input exactly as it arrived (a JSON null when there was none). */
  @JsonValue
  public JsonNode json() {
    return json;
  }

  // The lenient views the released code read the input by, for replaying cutovers that started
  // before the input was checked. They throw on what the data converter used to choke on.

  JsonNode plan() {
    return json.get("plan");
  }

  String startedBy() {
    return convert("startedBy", String.class);
  }

  CutoverState state() {
    return convert("state", CutoverState.class);
  }

  PlanReader.Rules planRules() {
    return convert("planRules", PlanReader.Rules.class);
  }

  private <T> T convert(String field, Class<T> type) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    try {
      return JSON.treeToValue(v, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("input." + field + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Short on purpose: an input can be megabytes, and what it holds is not ours to log. */
  @Override
  public String toString() {
    return "CutoverInput("
        + json.getNodeType()
        + (json.isObject() ? " " + json.size() + " fields" : "")
        + ")";
  }
}
