package dev.cutover.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A plan as an operator reads it before starting: stages, gates, watches, rollback, the shortest
 * duration.
 */
public final class PlanSummary {
  private PlanSummary() {}

  /**
   * The shortest the whole cutover can take: every soak back to back (approvals and windows add to
   * it).
   */
  public static Duration shortestDuration(Plan p) {
    Duration total = Duration.ZERO;
    for (Stage s : p.stages()) {
      total = total.plus(s.soak());
    }
    return total;
  }

  public static String text(Plan p) {
    StringBuilder b = new StringBuilder();
    b.append(p.name()).append(p.description() == null ? "" : ": " + p.description()).append('\n');
    b.append("workflow id: ").append(p.workflowId()).append('\n');
    if (!p.prerequisites().isEmpty()) {
      b.append("\nprerequisites (must all pass before anything is applied):\n");
      p.prerequisites().forEach(r -> b.append("  ").append(rule(p, r)).append('\n'));
    }
    b.append("\nstages:\n");
    for (int i = 0; i < p.stages().size(); i++) {
      Stage s = p.stages().get(i);
      List<String> what = new ArrayList<>();
      if (s.percent() != null) {
        what.add(s.percent() + "%");
      }
      s.flags().forEach((k, v) -> what.add(k + "=" + v));
      b.append(
          String.format(
              "  %d. %-12s %-24s soak %s",
              i + 1, s.name(), String.join(", ", what), Durations.format(s.soak())));
      if (!s.gates().isEmpty()) {
        b.append(", gates every ").append(Durations.format(s.every()));
      }
      if (s.approval()) {
        b.append(", approval");
      }
      p.windowFor(s).ifPresent(w -> b.append(", starts only ").append(w.text()));
      b.append('\n');
      for (Rule g : s.gates()) {
        b.append("       gate   ").append(rule(p, g)).append('\n');
      }
      for (Action a : s.actions()) {
        b.append("       action ").append(action(a)).append('\n');
      }
    }
    if (!p.watch().isEmpty()) {
      b.append("\nwatch (from the first stage to the end):\n");
      p.watch().forEach(r -> b.append("  ").append(rule(p, r)).append('\n'));
    }
    Rollback rb = p.rollback();
    b.append("\nrollback: traffic to ")
        .append(rb.percent())
        .append("%, flags reverted and actions undone, newest first");
    rb.actions().forEach(a -> b.append(", ").append(action(a)));
    if (rb.drain() != null) {
      b.append(", drain until ")
          .append(rb.drain().check())
          .append(" passes (at most ")
          .append(Durations.format(rb.drain().timeout()))
          .append(")");
    }
    b.append(rb.then() == Rollback.Then.HOLD ? "; then hold for retry or abandon" : "; then end")
        .append('\n');
    b.append("approvals: ")
        .append(
            p.approvals().approvers().isEmpty()
                ? "anyone"
                : String.join(", ", p.approvals().approvers()))
        .append(p.approvals().fourEyes() ? " (four eyes: not the person who started it)" : "")
        .append(
            p.approvals().signed() ? "; signed with a key from the worker's approver keyring" : "")
        .append('\n');
    if (p.notifications() != null) {
      Notify n = p.notifications();
      b.append("notify: ")
          .append(
              n.channels().isEmpty()
                  ? n.webhook()
                  : n.channels().stream()
                      .map(c -> c.name() + " (" + c.type().name().toLowerCase(Locale.ROOT) + ")")
                      .collect(java.util.stream.Collectors.joining(", ")))
          .append(
              p.notifications().every() == null
                  ? ""
                  : ", status every " + Durations.format(p.notifications().every()))
          .append('\n');
    }
    b.append("\nshortest possible duration: ")
        .append(Durations.format(shortestDuration(p)))
        .append(" (soaks back to back; approvals and windows add to it)\n");
    return b.toString();
  }

  static String rule(Plan p, Rule r) {
    Check c = p.checks().get(r.check());
    String pass =
        r.pass() != null
            ? r.pass().toString()
            : c != null && c.pass() != null
                ? c.pass().toString()
                : c != null && c.source() instanceof Check.Compare cmp && cmp.metric() != null
                    ? "new path "
                        + cmp.metric().statistic()
                        + " not shown worse than baseline by more than "
                        + (cmp.relativeMargin() == 0
                            ? ""
                            : Comparison.plain(cmp.relativeMargin() * 100) + "% + ")
                        + Comparison.plain(cmp.margin())
                        + (cmp.metric().unit() == null ? "" : " " + cmp.metric().unit())
                        + " (sequential, alpha "
                        + Comparison.plain(cmp.alpha())
                        + ")"
                    : c != null
                            && c.source() instanceof Check.Compare cmp
                            && cmp.method() == Check.Compare.Method.SEQUENTIAL
                        ? "not shown worse than baseline by more than "
                            + Comparison.plain(cmp.margin() * 100)
                            + " points"
                            + (cmp.relativeMargin() == 0
                                ? ""
                                : " + " + Comparison.plain(cmp.relativeMargin() * 100) + "%")
                            + " (sequential, alpha "
                            + Comparison.plain(cmp.alpha())
                            + ")"
                        : c != null && c.source() instanceof Check.Compare cmp
                            ? "not worse than baseline by more than "
                                + Comparison.plain(cmp.margin() * 100)
                                + " points ("
                                + Comparison.plain(cmp.confidence() * 100)
                                + "%)"
                            : "expect met";
    StringBuilder b =
        new StringBuilder(r.check())
            .append(' ')
            .append(pass)
            .append(", every ")
            .append(Durations.format(r.every()));
    if (r.forDuration() != null) {
      b.append(", for ").append(Durations.format(r.forDuration()));
    }
    if (r.failures() != null) {
      b.append(", ").append(r.failures()).append(" failures");
    }
    b.append(" [").append(r.severity().name().toLowerCase(Locale.ROOT));
    if (r.severity() == Rule.Severity.HIGH) {
      b.append(", grace ").append(Durations.format(r.grace()));
    }
    if (r.severity() == Rule.Severity.MEDIUM || r.severity() == Rule.Severity.HIGH) {
      b.append(", escalate after ").append(Durations.format(r.escalateAfter()));
    }
    if (r.rollback() == Rule.Scope.STAGE) {
      b.append(", rolls back this stage only");
    }
    if (r.onInconclusive() == Rule.OnInconclusive.ROLLBACK) {
      b.append(", rolls back when inconclusive");
    }
    return b.append(']').toString();
  }

  static String action(Action a) {
    String text;
    if (a instanceof Action.Http h) {
      text =
          h.call().toString()
              + (h.expect() != null && h.expect().status() != null
                  ? " (expect " + h.expect().status() + ")"
                  : "");
    } else if (a instanceof Action.Command c) {
      text =
          "run " + String.join(" ", c.argv()) + " (at most " + Durations.format(c.timeout()) + ")";
    } else {
      Action.Wait w = (Action.Wait) a;
      return "wait until " + w.check() + " passes (at most " + Durations.format(w.timeout()) + ")";
    }
    if (a.irreversible()) {
      return text + " [IRREVERSIBLE: the stage starts only after an approval]";
    }
    if (a instanceof Action.Command c && c.readOnly()) {
      return text + " [read-only: nothing to undo]";
    }
    return a.undo() == null ? text : text + "; undone by " + action(a.undo());
  }
}
