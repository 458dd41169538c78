package dev.cutover.e2e.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * Unleash's Admin API for one flag ({@code checkout-v2} in project {@code default}) with one
 * gradual rollout strategy in {@code production}, as documented at https://docs.getunleash.io/api
 * (admin API: update a strategy with a JSON patch, switch an environment on or off, read the
 * environment and the strategy): a personal access token or service-account token in {@code
 * Authorization} as it is, JSON bodies. Strategy parameters are strings (the API's schema), so a
 * JSON patch that writes a number into {@code /parameters/rollout} is refused, like any value that
 * is not a whole percent.
 *
 * <p>Refusals (Unleash's error shape {@code {name, message, details}}): 401 without the token, 415
 * for a body that is not {@code application/json}, 400 for a patch the strategy cannot take, 404
 * for another flag, environment or strategy, 405 for another method.
 */
public final class UnleashStandIn extends StandIn {
  public static final String TOKEN = "user:standin0123456789abcdef";
  public static final String STRATEGY = "6f2a3c1e-0000-4000-8000-standin00001";

  private boolean enabled;
  private String rollout = "0";

  public synchronized boolean enabled() {
    return enabled;
  }

  /** The strategy's {@code rollout} parameter, as Unleash keeps it (text). */
  public synchronized String rollout() {
    return rollout;
  }

  @Override
  Answer answer(String method, String path, String query, HttpExchange ex, String body)
      throws Refused {
    if (!TOKEN.equals(header(ex, "Authorization"))) {
      throw refuse(401, "AuthenticationRequired", "You must log in to use Unleash.");
    }
    String env = "/api/admin/projects/default/features/checkout-v2/environments/production";
    if (path.equals(env)) {
      requireMethod(method, "GET");
      ObjectNode e = JSON.createObjectNode().put("name", "production").put("enabled", enabled);
      e.put("type", "production").putArray("strategies").add(strategy());
      return Answer.ok(e);
    }
    if (path.equals(env + "/on") || path.equals(env + "/off")) {
      requireMethod(method, "POST");
      enabled = path.endsWith("/on");
      return new Answer(200, null);
    }
    if (path.equals(env + "/strategies/" + STRATEGY)) {
      if (method.equals("GET")) {
        return Answer.ok(strategy());
      }
      requireMethod(method, "PATCH");
      if (!mediaType(ex).equals("application/json")) {
        throw refuse(415, "ContentTypeError", "We do not accept the content-type you provided.");
      }
      patch(parse(body, (s, m) -> refuse(s, "BadDataError", m)));
      return Answer.ok(strategy());
    }
    throw refuse(404, "NotFoundError", "Could not find " + path);
  }

  private void patch(JsonNode ops) throws Refused {
    if (!ops.isArray()) {
      throw refuse(400, "BadDataError", "Request validation failed: the body must be an array");
    }
    String next = rollout;
    for (JsonNode op : ops) {
      if (!op.path("op").asText().equals("replace")
          || !op.path("path").asText().equals("/parameters/rollout")) {
        throw refuse(400, "BadDataError", "unsupported patch operation " + op);
      }
      if (!op.path("value").isTextual()) {
        throw refuse(400, "BadDataError", "strategy parameters must be strings");
      }
      String v = op.path("value").asText();
      if (!v.matches("\\d{1,3}") || Integer.parseInt(v) > 100) {
        throw refuse(400, "BadDataError", "rollout must be a percentage from 0 to 100");
      }
      next = v;
    }
    rollout = next;
  }

  private JsonNode strategy() {
    ObjectNode s = JSON.createObjectNode().put("id", STRATEGY).put("name", "flexibleRollout");
    s.putArray("constraints");
    s.putObject("parameters")
        .put("rollout", rollout)
        .put("stickiness", "default")
        .put("groupId", "checkout-v2");
    return s;
  }

  private static void requireMethod(String method, String allowed) throws Refused {
    if (!method.equals(allowed)) {
      throw refuse(405, "MethodNotAllowed", method + " is not allowed here");
    }
  }

  private static Refused refuse(int status, String name, String message) {
    ObjectNode body = JSON.createObjectNode().put("name", name).put("message", message);
    body.putArray("details").addObject().put("message", message);
    return new Refused(status, body);
  }
}
