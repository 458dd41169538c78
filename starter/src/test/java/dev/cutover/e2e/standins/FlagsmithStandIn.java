package dev.cutover.e2e.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.util.Map;
import java.util.TreeMap;

/**
 * Flagsmith's feature-state API for one multivariate feature in one environment, as documented at
 * https://docs.flagsmith.com/managing-flags/updating-flags: {@code GET}, {@code PATCH} and {@code
 * PUT /api/__future__/environments/{environment_key}/features/{feature_id}/}, authenticated with
 * {@code Authorization: Api-Key <key>}, JSON bodies. An update answers 200 with the flag's complete
 * state in the environment ({@code environment_default}, {@code segment_overrides}); a {@code
 * variants} list must name every variant of the feature, each {@code weight} 0-100.
 *
 * <p>Refusals (Django REST framework's shapes): 401 without the {@code Api-Key} form, 415 for a
 * body that is not {@code application/json}, 400 for a body that is not the documented object, 404
 * for another environment or feature, 405 for another method.
 */
public final class FlagsmithStandIn extends StandIn {
  public static final String API_KEY = "standin-organisation-key";
  public static final String ENVIRONMENT = "standinEnvKey";
  public static final int FEATURE = 4711;
  public static final int VARIANT = 991;

  private boolean enabled;
  private final Map<Integer, Double> weights = new TreeMap<>(Map.of(VARIANT, 0.0));

  /** Whether the feature is on in the environment. */
  public synchronized boolean enabled() {
    return enabled;
  }

  /** The v2 variant's weight (percent). */
  public synchronized double weight() {
    return weights.get(VARIANT);
  }

  @Override
  Answer answer(String method, String path, String query, HttpExchange ex, String body)
      throws Refused {
    String auth = header(ex, "Authorization");
    if (auth == null || !auth.equals("Api-Key " + API_KEY)) {
      throw refuse(401, "Authentication credentials were not provided.");
    }
    String base = "/api/__future__/environments/" + ENVIRONMENT + "/features/";
    if (!path.startsWith(base) || !path.endsWith("/")) {
      throw refuse(404, "Not found.");
    }
    if (!path.equals(base + FEATURE + "/")) {
      throw refuse(404, "No Feature matches the given query.");
    }
    switch (method) {
      case "GET" -> {
        return Answer.ok(state());
      }
      case "PATCH", "PUT" -> {
        if (!mediaType(ex).equals("application/json")) {
          throw refuse(
              415, "Unsupported media type \"" + header(ex, "Content-Type") + "\" in request.");
        }
        update(parse(body, this::refuse), method.equals("PUT"));
        return Answer.ok(state());
      }
      default -> throw refuse(405, "Method \"" + method + "\" not allowed.");
    }
  }

  private void update(JsonNode body, boolean put) throws Refused {
    if (!body.isObject()) {
      throw field("non_field_errors", "Invalid data. Expected a dictionary.");
    }
    var names = body.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!n.equals("environment_default") && !n.equals("segment_overrides")) {
        throw field(n, "Unknown field.");
      }
    }
    JsonNode def = body.path("environment_default");
    if (def.isMissingNode()) {
      return;
    }
    if (!def.isObject()) {
      throw field("environment_default", "Expected a dictionary.");
    }
    JsonNode on = def.path("enabled");
    if (!on.isMissingNode() && !on.isBoolean()) {
      throw field("enabled", "Must be a valid boolean.");
    }
    JsonNode variants = def.path("variants");
    if (put && variants.isMissingNode()) {
      throw field("variants", "PUT replaces environment_default: list every variant.");
    }
    Map<Integer, Double> next = new TreeMap<>(weights);
    if (!variants.isMissingNode()) {
      if (!variants.isArray()) {
        throw field("variants", "Expected a list of items.");
      }
      Map<Integer, Double> given = new TreeMap<>();
      for (JsonNode v : variants) {
        if (!v.path("id").isInt() || !v.path("weight").isNumber()) {
          throw field("variants", "Each variant needs an integer id and a numeric weight.");
        }
        double w = v.path("weight").doubleValue();
        if (w < 0 || w > 100) {
          throw field("variants", "weight must be between 0 and 100.");
        }
        if (!weights.containsKey(v.path("id").intValue())) {
          throw field("variants", "Unknown variant " + v.path("id") + ".");
        }
        given.put(v.path("id").intValue(), w);
      }
      if (!given.keySet().equals(weights.keySet())) {
        throw field("variants", "The list must include every variant of the feature.");
      }
      if (given.values().stream().mapToDouble(Double::doubleValue).sum() > 100) {
        throw field("variants", "The weights add up to more than 100.");
      }
      next = given;
    }
    if (on.isBoolean()) {
      enabled = on.booleanValue();
    }
    weights.clear();
    weights.putAll(next);
  }

  private JsonNode state() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode def = root.putObject("environment_default").put("enabled", enabled);
    def.putObject("value").put("type", "string").put("value", "v1");
    ArrayNode variants = def.putArray("variants");
    weights.forEach(
        (id, w) -> {
          ObjectNode v = variants.addObject().put("id", id);
          if (w == Math.rint(w)) {
            v.put("weight", w.intValue());
          } else {
            v.put("weight", w);
          }
        });
    root.putArray("segment_overrides");
    return root;
  }

  private Refused refuse(int status, String detail) {
    return new Refused(status, JSON.createObjectNode().put("detail", detail));
  }

  private static Refused field(String name, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putArray(name).add(message);
    return new Refused(400, body);
  }
}
