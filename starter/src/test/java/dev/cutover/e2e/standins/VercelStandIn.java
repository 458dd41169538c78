package dev.cutover.e2e.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * Vercel's REST API for one team-owned project's environment variable, its deploy hook, and the
 * deployed application's rollout route, as documented at
 * https://vercel.com/docs/rest-api/projects/edit-an-environment-variable ({@code PATCH
 * /v9/projects/{idOrName}/env/{id}}) and
 * https://vercel.com/docs/rest-api/projects/retrieve-the-environment-variables-of-a-project-by-id-or-name
 * ({@code GET /v10/projects/{idOrName}/env}): {@code Authorization: Bearer <token>}, {@code teamId}
 * (or {@code slug}) in the query of every call on a team's project, JSON bodies whose {@code value}
 * is text. An edit answers 200 with the variable.
 *
 * <p>A deploy hook ({@code POST /v1/integrations/deploy/{project}/{hook}}, no token: its URL is the
 * secret) answers 201 with the job; the new value is what the application reports ({@code GET
 * /api/rollout}, the route the recipe has the team add) once the deployment is done, a moment
 * later.
 */
public final class VercelStandIn extends StandIn {
  public static final String TOKEN = "vercel-standin-token";
  public static final String TEAM = "team_standin0001";
  public static final String PROJECT = "soulprint-landing";
  public static final String ENV_ID = "envStandIn0001";
  public static final String HOOK_PATH = "/v1/integrations/deploy/prj_standin/hook0001";
  static final long DEPLOY_MILLIS = 700;

  private String stored = "0";
  private String deployed = "0";
  private String deploying;
  private long deployedAt;

  /** The value the API stores (text). */
  public synchronized String stored() {
    return stored;
  }

  /** The value the deployed application reports (once a deployment has finished). */
  public synchronized int live() {
    if (deploying != null && System.currentTimeMillis() >= deployedAt) {
      deployed = deploying;
      deploying = null;
    }
    return Integer.parseInt(deployed);
  }

  @Override
  Answer answer(String method, String path, String query, HttpExchange ex, String body)
      throws Refused {
    if (path.equals(HOOK_PATH)) {
      if (!method.equals("POST") && !method.equals("GET")) {
        throw refuse(405, "method_not_allowed", "Method not allowed");
      }
      deploying = stored;
      deployedAt = System.currentTimeMillis() + DEPLOY_MILLIS;
      ObjectNode job = JSON.createObjectNode();
      job.putObject("job")
          .put("id", "job" + deployedAt)
          .put("state", "PENDING")
          .put("createdAt", deployedAt - DEPLOY_MILLIS);
      return new Answer(201, job);
    }
    if (path.equals("/api/rollout")) {
      return Answer.ok(JSON.createObjectNode().put("v2_rollout_percent", live()));
    }
    String auth = header(ex, "Authorization");
    if (auth == null || !auth.equals("Bearer " + TOKEN)) {
      throw refuse(403, "forbidden", "Not authorized");
    }
    boolean team =
        query != null && (query.contains("teamId=" + TEAM) || query.contains("slug=standin-team"));
    if (path.equals("/v10/projects/" + PROJECT + "/env")) {
      requireMethod(method, "GET");
      requireTeam(team);
      ObjectNode list = JSON.createObjectNode();
      list.putArray("envs").add(variable());
      return Answer.ok(list);
    }
    if (path.equals("/v9/projects/" + PROJECT + "/env/" + ENV_ID)) {
      requireMethod(method, "PATCH");
      requireTeam(team);
      if (!mediaType(ex).equals("application/json")) {
        throw refuse(400, "bad_request", "Invalid request: the body must be JSON");
      }
      JsonNode b = parse(body, (s, m) -> refuse(s, "bad_request", m));
      if (!b.isObject() || b.isEmpty()) {
        throw refuse(400, "bad_request", "Invalid request: missing the fields to change");
      }
      if (b.has("value") && !b.path("value").isTextual()) {
        throw refuse(400, "bad_request", "Invalid request: `value` should be string");
      }
      if (b.has("value")) {
        String v = b.path("value").asText();
        if (!v.matches("\\d{1,3}")) {
          throw new IllegalStateException("the stand-in's application reads a number: " + v);
        }
        stored = v;
      }
      return Answer.ok(variable());
    }
    throw refuse(404, "not_found", "Not found");
  }

  private JsonNode variable() {
    ObjectNode v = JSON.createObjectNode().put("type", "plain").put("value", stored);
    v.put("key", "V2_ROLLOUT_PERCENT").put("id", ENV_ID);
    v.putArray("target").add("production");
    return v;
  }

  /** A team's project is not found without the team: Vercel looks in the token's own scope. */
  private static void requireTeam(boolean team) throws Refused {
    if (!team) {
      throw refuse(404, "not_found", "Project not found");
    }
  }

  private static void requireMethod(String method, String allowed) throws Refused {
    if (!method.equals(allowed)) {
      throw refuse(405, "method_not_allowed", "Method not allowed");
    }
  }

  private static Refused refuse(int status, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message);
    return new Refused(status, body);
  }
}
