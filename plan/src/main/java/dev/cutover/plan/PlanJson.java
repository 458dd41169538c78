package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a plan back as JSON with every default spelled out: what {@code cutover lint --output
 * json} prints, and what {@link PlanReader} reads back to an equal plan.
 */
public final class PlanJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PlanJson() {}

  public static ObjectNode write(Plan p) {
    ObjectNode o = F.objectNode();
    o.put("version", p.version());
    o.put("name", p.name());
    if (p.description() != null) {
      o.put("description", p.description());
    }
    ObjectNode conns = o.putObject("connections");
    p.connections().forEach((k, c) -> conns.set(k, connection(c)));
    ObjectNode checks = o.putObject("checks");
    p.checks().forEach((k, c) -> checks.set(k, check(c)));
    if (p.traffic() != null && p.traffic().nginx() != null) {
      Traffic.Nginx x = p.traffic().nginx();
      ObjectNode n =
          o.putObject("traffic")
              .putObject("nginx")
              .put("file", x.file())
              .put("variable", x.variable())
              .put("key", x.key())
              .put("new", x.newUpstream())
              .put("old", x.oldUpstream());
      if (x.config() != null) {
        n.put("config", x.config());
      }
    } else if (p.traffic() != null) {
      ObjectNode t = o.putObject("traffic");
      t.set("set", call(p.traffic().set()));
      if (p.traffic().get() != null) {
        t.set("get", call(p.traffic().get()).put("value", p.traffic().valuePath()));
      }
    }
    if (p.flagsApi() != null) {
      ObjectNode t = o.putObject("flagsApi");
      t.set("set", call(p.flagsApi().set()));
      if (p.flagsApi().get() != null) {
        t.set("get", call(p.flagsApi().get()).put("value", p.flagsApi().valuePath()));
      }
    }
    if (p.window() != null) {
      o.put("window", p.window().text());
    }
    o.set("prerequisites", rules(p.prerequisites()));
    ArrayNode stages = o.putArray("stages");
    for (Stage s : p.stages()) {
      ObjectNode n = stages.addObject();
      n.put("name", s.name());
      if (s.percent() != null) {
        n.put("percent", s.percent());
      }
      if (!s.flags().isEmpty()) {
        n.set("flags", values(s.flags()));
      }
      if (!s.revert().isEmpty()) {
        n.set("revert", values(s.revert()));
      }
      n.put("soak", Durations.format(s.soak()));
      n.put("every", Durations.format(s.every()));
      n.set("gates", rules(s.gates()));
      n.put("approval", s.approval());
      if (!s.actions().isEmpty()) {
        n.set("actions", actions(s.actions()));
      }
      if (!s.onComplete().isEmpty()) {
        n.set("onComplete", actions(s.onComplete()));
      }
      if (s.observe()) {
        n.put("observe", true);
      }
      if (s.window() != null) {
        n.put("window", s.window().text());
      }
      if (s.deadline() != null) {
        ObjectNode d = n.putObject("deadline");
        if (s.deadline().applyWithin() != null) {
          d.put("applyWithin", Durations.format(s.deadline().applyWithin()));
        }
        if (s.deadline().completeWithin() != null) {
          d.put("completeWithin", Durations.format(s.deadline().completeWithin()));
        }
        d.put("then", s.deadline().then().name().toLowerCase(Locale.ROOT));
      }
      if (!s.checklist().isEmpty()) {
        ObjectNode c = n.putObject("checklist");
        for (Checklist.When when : Checklist.When.values()) {
          if (!s.checklist().tasks(when).isEmpty()) {
            ArrayNode tasks = c.putArray(when.field());
            s.checklist()
                .tasks(when)
                .forEach(t -> tasks.addObject().put("id", t.id()).put("text", t.text()));
          }
        }
      }
    }
    o.set("watch", rules(p.watch()));
    ObjectNode rb = o.putObject("rollback");
    rb.put("percent", p.rollback().percent());
    if (p.rollback().budget() != null) {
      rb.put("budget", Durations.format(p.rollback().budget()));
    }
    if (p.rollback().drain() != null) {
      Rollback.Drain d = p.rollback().drain();
      rb.putObject("drain")
          .put("check", d.check())
          .put("timeout", Durations.format(d.timeout()))
          .put("every", Durations.format(d.every()));
    }
    rb.put("then", p.rollback().then().name().toLowerCase(Locale.ROOT));
    if (!p.rollback().actions().isEmpty()) {
      rb.set("actions", actions(p.rollback().actions()));
    }
    Rollback.AfterPointOfNoReturn after = p.rollback().afterPointOfNoReturn();
    if (after != null && after.hold()) {
      rb.put("afterPointOfNoReturn", "hold");
    } else if (after != null) {
      rb.putObject("afterPointOfNoReturn").put("stage", after.stage());
    }
    ObjectNode ap = o.putObject("approvals");
    ArrayNode approvers = ap.putArray("approvers");
    p.approvals().approvers().forEach(approvers::add);
    ap.put("fourEyes", p.approvals().fourEyes());
    if (p.approvals().signed()) {
      ap.put("signed", true);
    }
    if (p.notifications() != null) {
      Notify nf = p.notifications();
      ObjectNode n = o.putObject("notify");
      if (nf.webhook() != null) {
        n.put("webhook", nf.webhook());
      }
      if (nf.every() != null) {
        n.put("every", Durations.format(nf.every()));
      }
      if (!nf.channels().isEmpty()) {
        ObjectNode channels = n.putObject("channels");
        for (Notify.Channel c : nf.channels()) {
          String field =
              switch (c.type()) {
                case SLACK -> "webhook";
                case PAGERDUTY -> "routingKey";
                case WEBHOOK -> "url";
              };
          channels
              .putObject(c.name())
              .put("type", c.type().name().toLowerCase(java.util.Locale.ROOT))
              .put(field, c.target());
        }
        ArrayNode routes = n.putArray("routes");
        for (Notify.Route r : nf.routes()) {
          ObjectNode route = routes.addObject();
          r.to().forEach(route.putArray("to")::add);
          if (!r.events().isEmpty()) {
            r.events().forEach(route.putArray("events")::add);
          }
          route.put("severity", r.severity().wire());
        }
      }
      if (!nf.stageEvery().isEmpty()) {
        ObjectNode se = n.putObject("stageEvery");
        new java.util.TreeMap<>(nf.stageEvery()).forEach((k, v) -> se.put(k, Durations.format(v)));
      }
    }
    return o;
  }

  private static ObjectNode connection(Connection c) {
    ObjectNode n = F.objectNode();
    n.put(c.kind().name().toLowerCase(Locale.ROOT), c.url());
    if (c.user() != null) {
      n.put("user", c.user());
    }
    if (c.password() != null) {
      n.put("password", c.password());
    }
    if (!c.headers().isEmpty()) {
      ObjectNode h = n.putObject("headers");
      c.headers().forEach(h::put);
    }
    return n;
  }

  private static ObjectNode check(Check c) {
    ObjectNode n = F.objectNode();
    if (c.source() instanceof Check.SqlQuery q) {
      n.put("sql", q.connectionName()).put("query", q.query());
      if (c.minSamples() != null) {
        n.putObject("minSamples")
            .put("query", c.minSamples().query())
            .put("atLeast", c.minSamples().atLeast());
      }
    } else if (c.source() instanceof Check.PromQuery q) {
      n.put("prometheus", q.connectionName()).put("query", q.query());
      if (q.reduce() != null) {
        n.put("reduce", q.reduce().name().toLowerCase(Locale.ROOT));
      }
    } else if (c.source() instanceof Check.Compare x) {
      ObjectNode cmp = n.putObject("compare");
      cmp.put(x.kind() == Check.Compare.Kind.SQL ? "sql" : "prometheus", x.connectionName());
      if (x.metric() != null) {
        cmp.put("statistic", x.metric().statistic());
        if (x.metric().unit() != null) {
          cmp.put("unit", x.metric().unit());
        }
        x.metric().news().queries().forEach(cmp.putObject("new")::put);
        x.metric().baseline().queries().forEach(cmp.putObject("baseline")::put);
      } else {
        cmp.putObject("new").put("failures", x.newFailures()).put("total", x.newTotal());
        cmp.putObject("baseline").put("failures", x.baseFailures()).put("total", x.baseTotal());
      }
      cmp.put("method", x.method().name().toLowerCase(Locale.ROOT)).put("margin", x.margin());
      if (x.method() == Check.Compare.Method.SEQUENTIAL) {
        cmp.put("relativeMargin", x.relativeMargin()).put("alpha", x.alpha());
      } else {
        cmp.put("confidence", x.confidence());
      }
      cmp.put("minSamples", x.minSamples());
    } else if (c.source() instanceof Check.HttpProbe h) {
      n.setAll(call(h.call()));
      if (h.followRedirects()) {
        n.put("followRedirects", true);
      }
      if (h.expect() != null) {
        n.set("expect", expect(h.expect()));
      }
      if (h.valuePath() != null) {
        n.put("value", h.valuePath());
      }
    }
    if (c.pass() != null) {
      n.put("pass", c.pass().toString());
    }
    n.put("timeout", Durations.format(c.timeout()));
    if (c.baseline() != null) {
      ObjectNode b = n.putObject("baseline");
      if (c.baseline().capture() != null) {
        b.put("capture", c.baseline().capture());
      }
      if (c.baseline().floor() != 0) {
        b.put("floor", c.baseline().floor());
      }
    }
    return n;
  }

  private static ObjectNode call(HttpCall c) {
    ObjectNode n = F.objectNode();
    n.put("http", c.method() + " " + c.target());
    if (!c.headers().isEmpty()) {
      ObjectNode h = n.putObject("headers");
      c.headers().forEach(h::put);
    }
    if (c.body() != null) {
      n.put("body", c.body());
    }
    return n;
  }

  private static ObjectNode expect(Expect e) {
    ObjectNode n = F.objectNode();
    if (e.status() != null) {
      n.put("status", e.status());
    }
    if (!e.json().isEmpty()) {
      n.set("json", values(e.json()));
    }
    if (!e.headers().isEmpty()) {
      ObjectNode h = n.putObject("headers");
      e.headers().forEach((name, x) -> h.put(name, x.toString()));
    }
    return n;
  }

  private static ObjectNode values(Map<String, JsonNode> m) {
    ObjectNode n = F.objectNode();
    m.forEach(n::set);
    return n;
  }

  private static ArrayNode actions(List<Action> actions) {
    ArrayNode a = F.arrayNode();
    for (Action action : actions) {
      a.add(action(action));
    }
    return a;
  }

  private static ObjectNode action(Action action) {
    ObjectNode n;
    if (action instanceof Action.Http h) {
      n = call(h.call());
      if (h.expect() != null) {
        n.set("expect", expect(h.expect()));
      }
      if (h.followRedirects()) {
        n.put("followRedirects", true);
      }
      if (!h.outputs().isEmpty()) {
        ObjectNode outputs = n.putObject("outputs");
        h.outputs().forEach(o -> outputs.put(o.name(), o.json()));
      }
    } else if (action instanceof Action.Command c) {
      n = F.objectNode();
      ArrayNode argv = n.putArray("command");
      c.argv().forEach(argv::add);
      if (!c.env().isEmpty()) {
        ObjectNode env = n.putObject("env");
        c.env().forEach(env::put);
      }
      n.put("timeout", Durations.format(c.timeout())).put("exitCode", c.exitCode());
      if (c.readOnly()) {
        n.put("readOnly", true);
      }
    } else {
      Action.Wait w = (Action.Wait) action;
      n = F.objectNode();
      n.putObject("wait")
          .put("check", w.check())
          .put("timeout", Durations.format(w.timeout()))
          .put("every", Durations.format(w.every()));
      return n;
    }
    if (action.undo() != null) {
      n.set("undo", action(action.undo()));
    }
    if (action.irreversible()) {
      n.put("irreversible", true);
    }
    return n;
  }

  private static ArrayNode rules(List<Rule> rules) {
    ArrayNode a = F.arrayNode();
    for (Rule r : rules) {
      ObjectNode n = a.addObject();
      n.put("check", r.check());
      n.put("every", Durations.format(r.every()));
      if (r.forDuration() != null) {
        n.put("for", Durations.format(r.forDuration()));
      }
      if (r.failures() != null) {
        n.put("failures", r.failures().toString());
      }
      n.put("severity", r.severity().name().toLowerCase(Locale.ROOT));
      n.put("escalateAfter", Durations.format(r.escalateAfter()));
      n.put("grace", Durations.format(r.grace()));
      n.put("rollback", r.rollback().name().toLowerCase(Locale.ROOT));
      if (r.pass() != null) {
        n.put("pass", r.pass().toString());
      }
      n.put("errorLimit", r.errorLimit());
      n.put("onInconclusive", r.onInconclusive().name().toLowerCase(Locale.ROOT));
      if (!r.stages().isEmpty()) {
        ArrayNode st = n.putArray("stages");
        r.stages().forEach(st::add);
      }
    }
    return a;
  }

  static String durationOrNull(Duration d) {
    return d == null ? null : Durations.format(d);
  }
}
