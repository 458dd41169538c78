package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * The {@link PlanReader.Rules#HARDENED} rules about what a plan may not choose because the worker's
 * operator owns it: no {@code ${env:...}} inside a URL ({@link SecretReferences}), none in a
 * command's arguments (they go through {@code env:}), and no nginx configuration file.
 *
 * <p>It reads the plan's tree, not the {@link Plan}, so that its problems are reported together
 * with every other problem of a plan that cannot be read. Pure, thread-safe.
 */
final class OperatorOwned {
  private OperatorOwned() {}

  /** Every problem of these rules in {@code root}, each with its plan path. */
  static List<Problem> problems(JsonNode root) {
    List<Problem> out = new ArrayList<>();
    if (root == null || !root.isObject()) {
      return out;
    }
    for (Map.Entry<String, JsonNode> c : fields(root.path("connections"))) {
      for (String kind : List.of("http", "prometheus")) {
        url(out, c.getValue().path(kind), "connections." + c.getKey() + "." + kind);
      }
    }
    for (Map.Entry<String, JsonNode> c : fields(root.path("checks"))) {
      url(out, c.getValue().path("http"), "checks." + c.getKey() + ".http");
    }
    for (String section : List.of("traffic", "flagsApi")) {
      for (String call : List.of("set", "get")) {
        url(out, root.path(section).path(call).path("http"), section + "." + call + ".http");
      }
    }
    JsonNode stages = root.path("stages");
    for (int i = 0; i < stages.size(); i++) {
      actions(out, stages.path(i).path("actions"), "stages[" + i + "].actions");
    }
    actions(out, root.path("rollback").path("actions"), "rollback.actions");
    url(out, root.path("notify").path("webhook"), "notify.webhook");
    for (Map.Entry<String, JsonNode> c : fields(root.path("notify").path("channels"))) {
      for (String field : List.of("webhook", "url")) {
        url(out, c.getValue().path(field), "notify.channels." + c.getKey() + "." + field);
      }
    }
    if (root.path("traffic").path("nginx").has("config")) {
      out.add(
          new Problem(
              "traffic.nginx.config",
              "nginx's configuration file is the worker's to choose: remove"
                  + " this line and set CUTOVER_NGINX_CONFIG on the worker (a plan could otherwise have nginx read any file)"));
    }
    return out;
  }

  private static void actions(List<Problem> out, JsonNode actions, String path) {
    for (int i = 0; i < actions.size(); i++) {
      JsonNode a = actions.path(i);
      action(out, a, path + "[" + i + "]");
      if (a.has("undo")) {
        action(out, a.path("undo"), path + "[" + i + "].undo");
      }
    }
  }

  private static void action(List<Problem> out, JsonNode action, String path) {
    url(out, action.path("http"), path + ".http");
    JsonNode argv = action.path("command");
    for (int k = 0; k < argv.size(); k++) {
      if (argv.path(k).isTextual() && !SecretReferences.names(argv.path(k).asText()).isEmpty()) {
        out.add(
            new Problem(
                path + ".command[" + k + "]",
                "a secret in an argument is visible to every user of the"
                    + " worker's machine (ps); pass it in the program's environment instead: env: { NAME: ${env:NAME} }"));
      }
    }
  }

  private static void url(List<Problem> out, JsonNode node, String path) {
    if (node.isTextual()) {
      // A request line ("POST ${env:HOOK}") is judged by its URL; a connection's or webhook's text
      // is one.
      Matcher line = HttpCall.REQUEST_LINE.matcher(node.asText().strip());
      String why = SecretReferences.inUrl(line.matches() ? line.group(2) : node.asText());
      if (why != null) {
        out.add(new Problem(path, why));
      }
    }
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode object) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    if (object.isObject()) {
      object.fields().forEachRemaining(out::add);
    }
    return out;
  }
}
