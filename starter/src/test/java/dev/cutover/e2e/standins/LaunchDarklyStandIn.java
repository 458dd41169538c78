package dev.cutover.e2e.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * LaunchDarkly's flag API for one boolean flag ({@code checkout-v2} in project {@code default}), as
 * documented at https://launchdarkly.com/docs/ld-docs/api/feature-flags/patch-feature-flag and
 * https://launchdarkly.com/docs/guides/api/api-migration-guide: {@code GET} and {@code PATCH
 * /api/v2/flags/{projectKey}/{flagKey}}, the access token in {@code Authorization} as it is (no
 * {@code Bearer}), an optional {@code LD-API-Version} that must name a supported version. A {@code
 * PATCH} is a semantic patch when its content type is {@code application/json;
 * domain-model=launchdarkly.semanticpatch} (an {@code environmentKey} and {@code instructions}
 * required) and a JSON patch ({@code [ops]} or {@code {"comment", "patch": [ops]}}) when it is
 * {@code application/json}. Both answer 200 with the whole flag.
 *
 * <p>Rollout weights are thousandths of a percent keyed by variation id and must add up to 100000;
 * the flag reads back its default rule as {@code fallthrough.rollout.variations[]}, each entry a
 * variation index and its weight. It starts as the recipe asks: off, with a rollout of 0% {@code
 * true} / 100% {@code false}.
 */
public final class LaunchDarklyStandIn extends StandIn {
  public static final String TOKEN = "api-standin-0000";
  public static final String TRUE_ID = "var-true-0001";
  public static final String FALSE_ID = "var-false-0002";
  static final Set<String> VERSIONS = Set.of("20240415", "20220603", "beta");
  static final String SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch";

  private boolean on;
  private final Map<String, Integer> weights = new LinkedHashMap<>();

  public LaunchDarklyStandIn() {
    weights.put(TRUE_ID, 0);
    weights.put(FALSE_ID, 100000);
  }

  /** Whether targeting is on in production. */
  public synchronized boolean on() {
    return on;
  }

  /** The weight of the {@code true} variation in the default rule (thousandths of a percent). */
  public synchronized int trueWeight() {
    return weights.get(TRUE_ID);
  }

  @Override
  Answer answer(String method, String path, String query, HttpExchange ex, String body)
      throws Refused {
    if (!TOKEN.equals(header(ex, "Authorization"))) {
      throw refuse(401, "unauthorized", "Invalid access token");
    }
    String version = header(ex, "LD-API-Version");
    if (version != null && !VERSIONS.contains(version)) {
      throw refuse(400, "invalid_request", "Unsupported API version " + version);
    }
    if (!path.startsWith("/api/v2/flags/default/")) {
      throw refuse(404, "not_found", "Unknown resource");
    }
    if (!path.equals("/api/v2/flags/default/checkout-v2")) {
      throw refuse(404, "not_found", "Unknown flag");
    }
    switch (method) {
      case "GET" -> {
        return Answer.ok(flag());
      }
      case "PATCH" -> {
        String ct = header(ex, "Content-Type");
        String normal = ct == null ? "" : ct.replace(" ", "").toLowerCase(java.util.Locale.ROOT);
        if (normal.equals(SEMANTIC.replace(" ", ""))) {
          semanticPatch(parse(body, (s, m) -> refuse(s, "invalid_request", m)));
        } else if (mediaType(ex).equals("application/json")) {
          jsonPatch(parse(body, (s, m) -> refuse(s, "invalid_request", m)));
        } else {
          throw refuse(415, "unsupported_media_type", "Unsupported content type " + ct);
        }
        return Answer.ok(flag());
      }
      default -> throw refuse(405, "method_not_allowed", "Method not allowed");
    }
  }

  private void semanticPatch(JsonNode body) throws Refused {
    if (!body.isObject() || !body.path("instructions").isArray()) {
      throw refuse(400, "invalid_request", "instructions is required");
    }
    if (!body.path("environmentKey").isTextual()) {
      throw refuse(400, "invalid_request", "environmentKey is required");
    }
    if (!body.path("environmentKey").asText().equals("production")) {
      throw refuse(404, "not_found", "Unknown environment");
    }
    boolean nextOn = on;
    Map<String, Integer> next = new LinkedHashMap<>(weights);
    for (JsonNode i : body.path("instructions")) {
      switch (i.path("kind").asText()) {
        case "turnFlagOn" -> nextOn = true;
        case "turnFlagOff" -> nextOn = false;
        case "updateFallthroughVariationOrRollout" -> {
          JsonNode w = i.path("rolloutWeights");
          if (!w.isObject()) {
            throw refuse(400, "invalid_request", "rolloutWeights or variationId is required");
          }
          Map<String, Integer> given = new LinkedHashMap<>();
          var fields = w.fields();
          while (fields.hasNext()) {
            var f = fields.next();
            if (!weights.containsKey(f.getKey()) || !f.getValue().isInt()) {
              throw refuse(400, "invalid_request", "unknown variation " + f.getKey());
            }
            given.put(f.getKey(), f.getValue().intValue());
          }
          if (given.values().stream().mapToInt(Integer::intValue).sum() != 100000) {
            throw refuse(400, "invalid_request", "rollout weights must add up to 100000");
          }
          next.replaceAll((k, v) -> given.getOrDefault(k, 0));
        }
        default -> throw refuse(400, "invalid_request", "unknown instruction " + i.path("kind"));
      }
    }
    on = nextOn;
    weights.putAll(next);
  }

  private void jsonPatch(JsonNode body) throws Refused {
    JsonNode ops = body.isArray() ? body : body.path("patch");
    if (!ops.isArray() || ops.isEmpty()) {
      throw refuse(400, "invalid_request", "a JSON patch (an array of operations) is required");
    }
    boolean nextOn = on;
    for (JsonNode op : ops) {
      if (!op.path("op").asText().equals("replace")
          || !op.path("path").asText().equals("/environments/production/on")
          || !op.path("value").isBoolean()) {
        throw refuse(400, "invalid_request", "unsupported patch operation " + op);
      }
      nextOn = op.path("value").booleanValue();
    }
    on = nextOn;
  }

  private JsonNode flag() {
    ObjectNode f = JSON.createObjectNode().put("key", "checkout-v2").put("kind", "boolean");
    ArrayNode vars = f.putArray("variations");
    vars.addObject().put("_id", TRUE_ID).put("value", true);
    vars.addObject().put("_id", FALSE_ID).put("value", false);
    ObjectNode env = f.putObject("environments").putObject("production");
    env.put("on", on).put("offVariation", 1).put("_environmentName", "Production");
    ArrayNode rollout = env.putObject("fallthrough").putObject("rollout").putArray("variations");
    // The `false` entry first: the docs promise no order, so a read-back must select by variation.
    rollout.addObject().put("variation", 1).put("weight", weights.get(FALSE_ID));
    rollout.addObject().put("variation", 0).put("weight", weights.get(TRUE_ID));
    return f;
  }

  private static Refused refuse(int status, String code, String message) {
    return new Refused(status, JSON.createObjectNode().put("code", code).put("message", message));
  }
}
