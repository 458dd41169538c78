package dev.cutover.cli;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Status;
import dev.cutover.plan.Durations;
import dev.cutover.workflows.UntrustedText;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * A status as an operator reads it in a terminal. Every string in it came from a plan or a signal,
 * which anyone who may start or signal the namespace writes, so each is shown through {@link #v}: a
 * control character appears as an escape, never as a new line or a hidden one.
 */
final class StatusText {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("MMM d HH:mm:ss z", Locale.ROOT);

  private StatusText() {}

  /** {@code millis} in {@code zone}, the zone named: "Dec 1 03:30:00 CET"; "-" for none. */
  static String time(Long millis, ZoneId zone) {
    return millis == null ? "-" : TIME.withZone(zone).format(Instant.ofEpochMilli(millis));
  }

  /** Untrusted text made visible (control characters escaped). */
  static String v(Object o) {
    return o == null ? null : UntrustedText.visible(o.toString());
  }

  /** {@code s} with its times in this machine's zone (see {@link ZoneOption}). */
  static String render(Status s) {
    return render(s, ZoneId.systemDefault());
  }

  /** {@code s} with its times in {@code zone}, each named by the zone's short name. */
  static String render(Status s, ZoneId zone) {
    StringBuilder b = new StringBuilder();
    b.append(v(s.workflowId()))
        .append("  ")
        .append(s.state())
        .append("  (attempt ")
        .append(s.attempt())
        .append(", started by ")
        .append(v(s.startedBy()))
        .append(" ")
        .append(time(s.startedAt(), zone))
        .append(")\n");
    if (s.stage() != null) {
      Status.StageView st = s.stage();
      b.append("stage ")
          .append(st.index() + 1)
          .append("/")
          .append(st.count())
          .append(" ")
          .append(v(st.name()));
      if (st.percent() != null) {
        b.append(": ").append(st.percent()).append("% of traffic");
      }
      b.append(", since ").append(time(st.startedAt(), zone)).append('\n');
    } else {
      b.append("no stage started yet\n");
    }
    b.append("traffic: ").append(s.percent() == null ? "untouched" : s.percent() + "%");
    if (!s.flags().isEmpty()) {
      b.append("; flags: ");
      s.flags().forEach((k, val) -> b.append(v(k)).append('=').append(v(val)).append(' '));
    }
    b.append('\n');
    if (s.soak() != null) {
      b.append("soak: ")
          .append(s.soak().remaining())
          .append(" remaining of ")
          .append(Durations.formatMillis(s.soak().requiredMillis()))
          .append('\n');
    }
    if (s.waitUntil() != null) {
      b.append("waiting for the stage window until ")
          .append(time(s.waitUntil(), zone))
          .append('\n');
    }
    if (s.step() != null) {
      b.append("step ")
          .append(s.step().index() + 1)
          .append("/")
          .append(s.step().count())
          .append(": ")
          .append(v(s.step().description()));
      if (s.step().error() != null) {
        b.append("\n  failing (attempt ")
            .append(s.step().attempt())
            .append("): ")
            .append(v(s.step().error()));
        if (s.step().retryAt() != null) {
          b.append("; next try ").append(time(s.step().retryAt(), zone));
        }
      }
      b.append('\n');
    }
    if (s.pendingApproval() != null) {
      Status.ApprovalView a = s.pendingApproval();
      b.append("approval: ");
      if (a.approvedBy() != null) {
        b.append("stage ")
            .append(v(a.stage()))
            .append(" approved by ")
            .append(v(a.approvedBy()))
            .append(a.soakMet() ? "" : " (acts when the soak is met)");
      } else {
        b.append(a.soakMet() ? "WAITING for " : "needed later from ")
            .append(a.approvers().isEmpty() ? "anyone" : v(String.join(" or ", a.approvers())))
            .append(a.notBy() != null ? " (not " + v(a.notBy()) + ")" : "")
            .append(": cutover approve ")
            .append(v(s.plan()))
            .append(" --stage ")
            .append(v(a.stage()))
            .append(" --by NAME");
      }
      b.append('\n');
    }
    if (s.checklist() != null && !s.checklist().isEmpty()) {
      b.append("checklist (a confirmation approves no stage):\n");
      for (Status.TaskView task : s.checklist()) {
        b.append(task.confirmedBy() != null ? "  [x] " : "  [ ] ")
            .append(v(task.id()))
            .append(": ")
            .append(v(task.text()))
            .append(" (")
            .append(v(task.stage()))
            .append(", ")
            .append(task.due())
            .append(")");
        if (task.confirmedBy() != null) {
          b.append(" confirmed by ")
              .append(v(task.confirmedBy()))
              .append(' ')
              .append(time(task.confirmedAt(), zone))
              .append(task.comment() == null ? "" : ": " + v(task.comment()));
        } else {
          b.append(task.waiting() ? " WAITING: " : ": ").append(v(task.command()));
        }
        b.append('\n');
      }
    }
    if (s.baselines() != null && !s.baselines().isEmpty()) {
      b.append("baselines (captured before this stage changed anything):");
      s.baselines()
          .forEach(
              (check, value) ->
                  b.append(' ')
                      .append(v(check))
                      .append(" = ")
                      .append(dev.cutover.engine.Judge.format(value)));
      b.append('\n');
    }
    if (!s.rules().isEmpty()) {
      b.append("rules:\n");
      for (Status.RuleView r : s.rules()) {
        b.append(
            String.format(
                "  %-22s %-16s %-8s %-10s %-18s %s%s%n",
                v(r.id()),
                v(r.check()),
                r.outcome() == null ? "pending" : r.outcome(),
                r.value() == null ? "-" : dev.cutover.engine.Judge.format(r.value()),
                v(r.pass()) + " [" + r.severity() + "]",
                r.breachedSince() != null
                    ? "BREACHED since " + time(r.breachedSince(), zone) + "; "
                    : "",
                r.inconclusive()
                    ? "INCONCLUSIVE; " + nullToEmpty(v(r.reason()))
                    : nullToEmpty(v(r.reason()))));
      }
    }
    if (!s.holds().isEmpty()) {
      b.append("holds (release with: cutover resume ").append(v(s.plan())).append(" --by NAME):\n");
      for (CutoverState.Hold h : s.holds()) {
        b.append("  ")
            .append(h.kind().name().toLowerCase(Locale.ROOT))
            .append(' ')
            .append(v(h.subject()))
            .append(" by ")
            .append(v(h.by()))
            .append(h.reason() == null ? "" : ": " + v(h.reason()))
            .append('\n');
      }
    }
    if (s.rollback() != null) {
      CutoverState.RollbackInfo r = s.rollback();
      b.append("last rollback: ")
          .append(time(r.startedAt(), zone))
          .append(" by ")
          .append(v(r.by()))
          .append(": ")
          .append(v(r.reason()));
      if (r.completedAt() != null) {
        b.append(" (done ").append(time(r.completedAt(), zone)).append(")");
      }
      if (r.failures() > 0) {
        b.append(" (")
            .append(r.failures())
            .append(" failed attempts; last: ")
            .append(v(r.lastError()))
            .append(")");
      }
      if (r.note() != null) {
        b.append(" [").append(v(r.note())).append("]");
      }
      b.append('\n');
    }
    List<CutoverState.Decision> ds = s.decisions();
    if (!ds.isEmpty()) {
      b.append("recent decisions:\n");
      for (CutoverState.Decision d : ds.subList(Math.max(0, ds.size() - 8), ds.size())) {
        b.append("  ")
            .append(time(d.at(), zone))
            .append("  ")
            .append(String.format("%-10s", v(d.by())))
            .append(d.accepted() ? "" : "REJECTED ")
            .append(v(d.text()))
            .append('\n');
      }
    }
    return b.toString();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
