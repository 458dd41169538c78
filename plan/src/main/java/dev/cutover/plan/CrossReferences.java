package dev.cutover.plan;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the parts of a plan say about each other, checked once every part is read: each name points
 * at a connection or check that exists (and a connection of the right kind), and each rule has a
 * pass condition, its own or its check's.
 */
final class CrossReferences {
  private final Reading reading;
  private final Map<String, Connection> connections;
  private final Map<String, Check> checks;

  CrossReferences(Reading reading, Map<String, Connection> connections, Map<String, Check> checks) {
    this.reading = reading;
    this.connections = connections;
    this.checks = checks;
  }

  /** Each check's connection exists and is of the kind its source needs. */
  void checkConnections() {
    checks.forEach(
        (name, check) ->
            check
                .source()
                .connection()
                .ifPresent(
                    conn -> {
                      Uses uses = uses(check.source());
                      connection(conn, uses.kind(), "checks." + name + "." + uses.field());
                    }));
  }

  /**
   * The field of a check's source that names its connection, and the kind that connection must be.
   */
  private record Uses(String field, Connection.Kind kind) {}

  private static Uses uses(Check.Source s) {
    if (s instanceof Check.Compare c) {
      return c.kind() == Check.Compare.Kind.SQL
          ? new Uses("compare.sql", Connection.Kind.POSTGRES)
          : new Uses("compare.prometheus", Connection.Kind.PROMETHEUS);
    }
    return s instanceof Check.SqlQuery
        ? new Uses("sql", Connection.Kind.POSTGRES)
        : s instanceof Check.PromQuery
            ? new Uses("prometheus", Connection.Kind.PROMETHEUS)
            : new Uses("http", Connection.Kind.HTTP);
  }

  /**
   * HTTP and Prometheus connection URLs and the webhook are URLs the worker's HTTP client accepts
   * (hardened). The problem does not quote the URL: it may carry a credential (a webhook often is
   * one).
   */
  void urls(Notify notify) {
    connections.forEach(
        (name, c) -> {
          if (c.kind() != Connection.Kind.POSTGRES
              && !c.url().startsWith("${")
              && PlanSyntax.httpUrlProblem(c.url()) != null) {
            reading.problem(
                "connections." + name + "." + c.kind().name().toLowerCase(Locale.ROOT),
                PlanSyntax.httpUrlProblem(c.url()));
          }
        });
    if (notify == null) {
      return;
    }
    if (notify.webhook() != null
        && !notify.webhook().startsWith("${")
        && PlanSyntax.httpUrlProblem(notify.webhook()) != null) {
      reading.problem("notify.webhook", PlanSyntax.httpUrlProblem(notify.webhook()));
    }
    for (Notify.Channel c : notify.channels()) {
      if (c.type() != Notify.ChannelType.PAGERDUTY
          && !c.target().startsWith("${")
          && PlanSyntax.httpUrlProblem(c.target()) != null) {
        String field = c.type() == Notify.ChannelType.SLACK ? "webhook" : "url";
        reading.problem(
            "notify.channels." + c.name() + "." + field, PlanSyntax.httpUrlProblem(c.target()));
      }
    }
  }

  /** The connections of traffic's and the flag service's requests. */
  void requests(Traffic traffic, FlagsApi flagsApi) {
    if (traffic != null && traffic.set() != null) {
      setAndGet("traffic", traffic.set(), traffic.get());
    }
    if (flagsApi != null) {
      setAndGet("flagsApi", flagsApi.set(), flagsApi.get());
    }
  }

  private void setAndGet(String section, HttpCall set, HttpCall get) {
    http(set, section + ".set.http");
    if (get != null) {
      http(get, section + ".get.http");
    }
  }

  /** The connections of http actions and undos, and the checks wait actions wait for. */
  void actions(List<Action> actions, String path) {
    for (int i = 0; i < actions.size(); i++) {
      Action a = actions.get(i);
      if (a instanceof Action.Http h) {
        http(h.call(), path + "[" + i + "].http");
      } else if (a instanceof Action.Wait w) {
        check(w.check(), path + "[" + i + "].wait.check");
      }
      if (a.undo() instanceof Action.Http u) {
        http(u.call(), path + "[" + i + "].undo.http");
      }
    }
  }

  /** The rollback's actions and the check its drain waits for. */
  void rollback(Rollback rollback) {
    actions(rollback.actions(), "rollback.actions");
    rollback.drainValue().ifPresent(d -> check(d.check(), "rollback.drain.check"));
  }

  /**
   * Each rule's check exists ({@code ruleChecks}: check by rule path), and a rule without a pass
   * condition of its own ({@code withoutPass}) names a check that has one ({@code checksWithPass},
   * even if invalid: that is reported already) or needs none (compare, http judged by expect).
   */
  void rules(
      Map<String, String> ruleChecks, Map<String, String> withoutPass, Set<String> checksWithPass) {
    ruleChecks.forEach((path, name) -> check(name, path + ".check"));
    withoutPass.forEach(
        (path, name) -> {
          Check c = checks.get(name);
          if (c != null
              && c.pass() == null
              && !checksWithPass.contains(c.name())
              && !(c.source() instanceof Check.Compare)
              && !(c.source() instanceof Check.HttpProbe h && h.valuePath() == null)) {
            reading.problem(
                path,
                "check \""
                    + name
                    + "\" has no pass condition; give \"pass\" on the check or on this rule");
          }
        });
  }

  /**
   * Stage baselines: a check's {@code baseline.capture} names a check that does not itself need a
   * baseline; a {@code baseline} section or a SQL {@code :baseline} belongs to a check some rule
   * judges relative to its baseline ({@code relative}); and a prerequisite, measured before any
   * stage starts, has neither a baseline nor a stage start ({@code prerequisites}: the check of
   * each prerequisite rule, by its path; {@code relativePrerequisites}: those whose pass is
   * relative).
   */
  void baselines(
      Set<String> relative, Map<String, String> prerequisites, Set<String> relativePrerequisites) {
    checks.forEach(
        (name, c) -> {
          String path = "checks." + name;
          if (c.baseline() != null && !relative.contains(name)) {
            reading.problem(
                path + ".baseline",
                "no rule judges check \""
                    + name
                    + "\" relative to its baseline; give it a pass such as \"<= 1.5 * baseline\"");
          }
          if (c.baseline() != null && c.baseline().capture() != null) {
            String capture = c.baseline().capture();
            if (!checks.containsKey(capture)) {
              check(capture, path + ".baseline.capture");
            } else if (usesBaseline(checks.get(capture))) {
              reading.problem(
                  path + ".baseline.capture",
                  "check \""
                      + capture
                      + "\" uses a baseline itself; a baseline is captured from a plain check");
            }
          }
          if (sqlParameters(c).contains(SqlParameters.BASELINE) && !relative.contains(name)) {
            reading.problem(
                path + ".query",
                ":baseline has a value only in a check judged relative to its baseline"
                    + " (pass: \"<= 1.5 * baseline\")");
          }
        });
    prerequisites.forEach(
        (path, name) -> {
          Check c = checks.get(name);
          if (relativePrerequisites.contains(path)) {
            reading.problem(
                path + ".check",
                "a prerequisite is measured before any stage starts, so it has no stage baseline;"
                    + " give it a plain pass condition");
          } else if (c != null && !sqlParameters(c).isEmpty()) {
            reading.problem(
                path + ".check",
                "check \""
                    + name
                    + "\" uses :"
                    + sqlParameters(c).get(0)
                    + ", which has no value before the first stage starts; a prerequisite's check"
                    + " cannot use it");
          }
        });
  }

  private boolean usesBaseline(Check c) {
    return (c.pass() != null && c.pass().usesBaseline())
        || c.baseline() != null
        || sqlParameters(c).contains(SqlParameters.BASELINE);
  }

  private static List<String> sqlParameters(Check c) {
    return c.source() instanceof Check.SqlQuery q ? SqlParameters.names(q.query()) : List.of();
  }

  private void connection(String name, Connection.Kind kind, String path) {
    Connection c = connections.get(name);
    if (c == null) {
      reading.problem(path, "no connection named \"" + name + "\"" + known(connections.keySet()));
    } else if (c.kind() != kind) {
      reading.problem(
          path,
          "connection \""
              + name
              + "\" is "
              + c.kind().name().toLowerCase(Locale.ROOT)
              + ", not "
              + kind.name().toLowerCase(Locale.ROOT));
    }
  }

  private void http(HttpCall call, String path) {
    call.connection().ifPresent(c -> connection(c, Connection.Kind.HTTP, path));
  }

  private void check(String name, String path) {
    if (!checks.containsKey(name)) {
      reading.problem(path, "no check named \"" + name + "\"" + known(checks.keySet()));
    }
  }

  private static String known(Set<String> names) {
    return names.isEmpty()
        ? " (none are defined)"
        : " (known: " + String.join(", ", new TreeSet<>(names)) + ")";
  }
}
