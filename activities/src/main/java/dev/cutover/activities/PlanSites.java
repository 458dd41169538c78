package dev.cutover.activities;

import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.HttpCall;
import dev.cutover.plan.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.HttpUrl;

/**
 * The places of a read plan the worker acts on, each with its plan path: every text it may resolve
 * {@code ${env:...}} in, every HTTP request, every command. The admission check walks them so that
 * each concern ({@link Secrets}, {@link HttpCalls}, {@link Commands}) judges a whole plan by the
 * rules it applies at run time. Pure functions of the plan.
 */
final class PlanSites {
  private PlanSites() {}

  /** A text the worker may resolve references in. */
  record Text(String path, String text) {}

  /** An HTTP request as the plan writes it, and the connection a relative one names (else null). */
  record Request(String path, HttpCall call, Connection connection) {}

  /** A command action. */
  record Command(String path, Action.Command command) {}

  /**
   * Every text that may hold a reference: connections, requests, commands, the webhook and the
   * notification channels.
   */
  static List<Text> texts(Plan plan) {
    List<Text> out = new ArrayList<>();
    plan.connections()
        .forEach(
            (name, c) -> {
              String path = "connections." + name + ".";
              out.add(new Text(path + c.kind().name().toLowerCase(Locale.ROOT), c.url()));
              out.add(new Text(path + "user", c.user()));
              out.add(new Text(path + "password", c.password()));
              c.headers().forEach((h, v) -> out.add(new Text(path + "headers." + h, v)));
            });
    for (Request r : requests(plan)) {
      HttpCall call = r.call();
      out.add(new Text(r.path(), call.target()));
      call.headers().forEach((h, v) -> out.add(new Text(parent(r.path()) + ".headers." + h, v)));
      out.add(new Text(parent(r.path()) + ".body", call.body()));
    }
    for (Command c : commands(plan)) {
      List<String> argv = c.command().argv();
      for (int i = 0; i < argv.size(); i++) {
        out.add(new Text(c.path() + "[" + i + "]", argv.get(i)));
      }
      c.command().env().forEach((k, v) -> out.add(new Text(parent(c.path()) + ".env." + k, v)));
    }
    if (plan.notifications() != null) {
      out.add(new Text("notify.webhook", plan.notifications().webhook()));
      plan.notifications().channels().forEach(c -> out.add(new Text(c.path(), c.target())));
    }
    out.removeIf(t -> t.text() == null);
    return out;
  }

  /**
   * Every HTTP request a plan makes, at the path of its request line ({@code checks.health.http}).
   */
  static List<Request> requests(Plan plan) {
    List<Request> out = new ArrayList<>();
    plan.checks()
        .forEach(
            (name, check) -> {
              if (check.source() instanceof Check.HttpProbe probe) {
                out.add(request(plan, "checks." + name + ".http", probe.call()));
              }
            });
    if (plan.traffic() != null && plan.traffic().set() != null) {
      out.add(request(plan, "traffic.set.http", plan.traffic().set()));
      if (plan.traffic().get() != null) {
        out.add(request(plan, "traffic.get.http", plan.traffic().get()));
      }
    }
    if (plan.flagsApi() != null) {
      out.add(request(plan, "flagsApi.set.http", plan.flagsApi().set()));
      if (plan.flagsApi().get() != null) {
        out.add(request(plan, "flagsApi.get.http", plan.flagsApi().get()));
      }
    }
    actions(
        plan,
        (path, action) -> {
          if (action instanceof Action.Http h) {
            out.add(request(plan, path + ".http", h.call()));
          }
        });
    return out;
  }

  /** Every command action, at the path of its {@code command} list. */
  static List<Command> commands(Plan plan) {
    List<Command> out = new ArrayList<>();
    actions(
        plan,
        (path, action) -> {
          if (action instanceof Action.Command c) {
            out.add(new Command(path + ".command", c));
          }
        });
    return out;
  }

  /**
   * Every stage action (those at its start, then its onComplete) and its undo, then every rollback
   * action, with its path.
   */
  static void actions(Plan plan, java.util.function.BiConsumer<String, Action> each) {
    for (int i = 0; i < plan.stages().size(); i++) {
      dev.cutover.plan.Stage stage = plan.stages().get(i);
      List<Action> actions = stage.allActions();
      for (int j = 0; j < actions.size(); j++) {
        String path =
            "stages["
                + i
                + "]."
                + (stage.atCompletion(j)
                    ? "onComplete[" + (j - stage.actions().size()) + "]"
                    : "actions[" + j + "]");
        each.accept(path, actions.get(j));
        if (actions.get(j).undo() != null) {
          each.accept(path + ".undo", actions.get(j).undo());
        }
      }
    }
    List<Action> rollback = plan.rollback().actions();
    for (int j = 0; j < rollback.size(); j++) {
      each.accept("rollback.actions[" + j + "]", rollback.get(j));
    }
  }

  private static Request request(Plan plan, String path, HttpCall call) {
    return new Request(path, call, call.connection().map(plan.connections()::get).orElse(null));
  }

  /**
   * The host of a URL as written, judged without resolving anything; null when it cannot be told
   * (the whole URL is a reference, or a placeholder stands in its host).
   */
  static String host(String url) {
    if (url == null) {
      return null;
    }
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    int end = scheme + 3;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    if (url.substring(scheme + 3, end).contains("${")) {
      return null;
    }
    // Placeholders in the path do not matter to the host; OkHttp canonicalises what is left.
    HttpUrl parsed = HttpUrl.parse(url.replaceAll("\\$\\{[^}]*}", "x"));
    return parsed == null ? null : parsed.host();
  }

  /**
   * The host a request goes to as written: its own URL's, or its connection's; null when unknown.
   */
  static String host(Request r) {
    if (r.call().connection().isEmpty()) {
      return host(r.call().target());
    }
    return r.connection() == null ? null : host(r.connection().url());
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(0, dot);
  }
}
