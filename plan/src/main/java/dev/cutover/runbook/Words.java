package dev.cutover.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Expect;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The runbook's words for the plan's parts: rules, conditions, actions, sources. */
final class Words {
  private Words() {}

  /** What entering a stage changes: traffic, flags, actions. */
  static String changes(Stage s) {
    List<String> parts = new ArrayList<>();
    if (s.percent() != null) {
      parts.add(s.percent() + "% of traffic");
    }
    if (!s.flags().isEmpty()) {
      parts.add("flags " + flags(s.flags()));
    }
    if (!s.actions().isEmpty()) {
      parts.add(s.actions().size() + " action" + (s.actions().size() == 1 ? "" : "s"));
    }
    if (!s.onComplete().isEmpty()) {
      int n = s.onComplete().size();
      parts.add(n + " action" + (n == 1 ? "" : "s") + " after the soak");
    }
    return parts.isEmpty() ? "observe only" : String.join(", ", parts);
  }

  static String flags(Map<String, JsonNode> flags) {
    List<String> f = new ArrayList<>();
    flags.forEach((k, v) -> f.add(k + "=" + v));
    return String.join(", ", f);
  }

  /** A gate (or prerequisite) in words: the check, its condition, how often, what a breach does. */
  static String gate(Plan plan, Rule r) {
    return "**"
        + r.check()
        + "** "
        + condition(plan, r.check(), r)
        + ", "
        + Words.source(plan.check(r.check()))
        + breach(r)
        + severity(r);
  }

  /** A prerequisite in words: the check and its condition. */
  static String prerequisite(Plan plan, Rule r) {
    return "**"
        + r.check()
        + "** "
        + condition(plan, r.check(), r)
        + " ("
        + Words.source(plan.check(r.check()))
        + ")";
  }

  /** A watch rule in words. */
  static String trigger(Plan plan, Rule r) {
    return "**"
        + r.check()
        + "** must stay "
        + condition(plan, r.check(), r)
        + ", measured every "
        + Durations.format(r.every())
        + breach(r)
        + " ("
        + Words.source(plan.check(r.check()))
        + ")"
        + severity(r)
        + (r.stages().isEmpty() ? "" : "; only during " + String.join(", ", r.stages()));
  }

  private static String breach(Rule r) {
    if (r.forDuration() != null) {
      return "; breached when failing for " + Durations.format(r.forDuration());
    }
    if (r.failures() != null) {
      return "; breached when "
          + r.failures().failed()
          + " of the last "
          + r.failures().of()
          + " measurements fail";
    }
    return "";
  }

  private static String severity(Rule r) {
    StringBuilder b =
        new StringBuilder(": ")
            .append(r.severity().name().toLowerCase(Locale.ROOT))
            .append(", ")
            .append(consequence(r));
    if (r.rollback() == Rule.Scope.STAGE) {
      b.append(" (this stage only)");
    }
    if (r.onInconclusive() == Rule.OnInconclusive.ROLLBACK) {
      b.append("; ").append(r.errorLimit()).append(" inconclusive measurements in a row roll back");
    }
    return b.toString();
  }

  static String consequence(Rule r) {
    return switch (r.severity()) {
      case CRITICAL -> "roll back at once";
      case HIGH ->
          "page and hold the stage; roll back after "
              + Durations.format(r.grace())
              + " unless acknowledged";
      case MEDIUM -> "hold the stage; roll back after " + Durations.format(r.escalateAfter());
      case LOW -> "notify only";
    };
  }

  /** The condition a check passes by: the rule's override, else its own, else its expectations. */
  static String condition(Plan plan, String checkName, Rule rule) {
    Check c = plan.check(checkName);
    Comparison pass = rule != null && rule.pass() != null ? rule.pass() : c.pass();
    List<String> parts = new ArrayList<>();
    if (pass != null) {
      parts.add("`" + pass + "`");
    }
    if (c.source() instanceof Check.HttpProbe h && h.expect() != null) {
      parts.add(expect(h.expect()));
    }
    if (c.source() instanceof Check.Compare cmp && cmp.metric() != null) {
      parts.add(
          "the new path's "
              + cmp.metric().statistic()
              + " no worse than the baseline's by more than "
              + (cmp.relativeMargin() == 0
                  ? ""
                  : dev.cutover.engine.Judge.format(cmp.relativeMargin() * 100) + "% + ")
              + dev.cutover.engine.Judge.format(cmp.margin())
              + (cmp.metric().unit() == null ? "" : " " + cmp.metric().unit())
              + " (sequential, alpha "
              + dev.cutover.engine.Judge.format(cmp.alpha())
              + ", at least "
              + cmp.minSamples()
              + " values each)");
    } else if (c.source() instanceof Check.Compare cmp) {
      parts.add(
          "the new path's failure rate no worse than the baseline's by more than "
              + dev.cutover.engine.Judge.format(cmp.margin() * 100)
              + " points ("
              + dev.cutover.engine.Judge.format(cmp.confidence() * 100)
              + "% confidence, at least "
              + cmp.minSamples()
              + " samples each)");
    }
    return parts.isEmpty() ? "(any 2xx response)" : String.join(" and ", parts);
  }

  static String expect(Expect e) {
    List<String> parts = new ArrayList<>();
    parts.add(e.status() == null ? "a 2xx response" : "HTTP " + e.status());
    e.json().forEach((path, v) -> parts.add("`" + path + "` = " + v));
    return String.join(", ", parts);
  }

  /** Where a check's number comes from, in a few words. */
  static String source(Check c) {
    Check.Source s = c.source();
    if (s instanceof Check.SqlQuery q) {
      return "SQL on " + q.connectionName();
    }
    if (s instanceof Check.PromQuery q) {
      return "Prometheus on "
          + q.connectionName()
          + (q.reduce() != null ? " (" + q.reduce().name().toLowerCase(Locale.ROOT) + ")" : "");
    }
    if (s instanceof Check.HttpProbe h) {
      return "HTTP " + h.call() + (h.valuePath() != null ? ", value at " + h.valuePath() : "");
    }
    Check.Compare cmp = (Check.Compare) s;
    return "new path against baseline, "
        + cmp.kind().name().toLowerCase(Locale.ROOT)
        + " on "
        + cmp.connectionName();
  }

  /** A check's query text, as a code block shows it. */
  record Query(String language, String text) {}

  static Optional<Query> query(Check c) {
    Check.Source s = c.source();
    if (s instanceof Check.SqlQuery q) {
      return Optional.of(new Query("sql", q.query()));
    }
    if (s instanceof Check.PromQuery q) {
      return Optional.of(new Query("promql", q.query()));
    }
    if (s instanceof Check.Compare cmp && cmp.metric() != null) {
      String lang = cmp.kind() == Check.Compare.Kind.SQL ? "sql" : "promql";
      StringBuilder b = new StringBuilder();
      cmp.metric().news().queries().forEach((k, q) -> line(b, "new " + k, q));
      cmp.metric().baseline().queries().forEach((k, q) -> line(b, "baseline " + k, q));
      return Optional.of(new Query(lang, b.toString()));
    }
    if (s instanceof Check.Compare cmp) {
      String lang = cmp.kind() == Check.Compare.Kind.SQL ? "sql" : "promql";
      return Optional.of(
          new Query(
              lang,
              "new failures:      "
                  + cmp.newFailures().strip()
                  + "\nnew total:         "
                  + cmp.newTotal().strip()
                  + "\nbaseline failures: "
                  + cmp.baseFailures().strip()
                  + "\nbaseline total:    "
                  + cmp.baseTotal().strip()));
    }
    return Optional.empty();
  }

  private static void line(StringBuilder b, String name, String query) {
    b.append(b.length() == 0 ? "" : "\n")
        .append(name)
        .append(":")
        .append(" ".repeat(Math.max(1, 23 - name.length())))
        .append(query.strip());
  }

  /** An action in words, with how it is undone or that it cannot be. */
  static String actionWithUndo(Action a) {
    if (a.irreversible()) {
      return action(a) + " (**cannot be undone**)";
    }
    if (a.undo() != null) {
      return action(a) + "; undone by " + action(a.undo());
    }
    return action(a);
  }

  static String action(Action a) {
    if (a instanceof Action.Http h) {
      return "`"
          + Markdown.inline(h.call().toString())
          + "`"
          + (h.expect() != null ? ", expecting " + expect(h.expect()) : "");
    }
    if (a instanceof Action.Command c) {
      return "run `"
          + Markdown.inline(String.join(" ", c.argv()))
          + "` (exit "
          + c.exitCode()
          + " within "
          + Durations.format(c.timeout())
          + ")";
    }
    Action.Wait w = (Action.Wait) a;
    return "wait until "
        + w.check()
        + " passes (at most "
        + Durations.format(w.timeout())
        + ", measured every "
        + Durations.format(w.every())
        + ")";
  }

  static String approvers(Plan plan) {
    var a = plan.approvals();
    String who = a.approvers().isEmpty() ? "anyone" : String.join(" or ", a.approvers());
    return who
        + (a.fourEyes() ? ", never the person who started the cutover" : "")
        + (a.signed() ? ", signed with a key from the worker's approver keyring" : "");
  }

  /**
   * Where a secret comes from: a {@code ${env:NAME}} reference as written; anything else is never
   * printed.
   */
  static String secretSource(String value) {
    if (value.matches("\\$\\{env:[A-Za-z_][A-Za-z0-9_]*}")) {
      return "from `" + value + "`";
    }
    return "(set in the plan; not shown)";
  }
}
