package dev.cutover.workflows;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Judge;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.Status;
import dev.cutover.engine.Step;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What the Temporal UI shows of a cutover (its user metadata): the current details in Markdown, and
 * the summaries of timers and activities, so the event history reads as the cutover's story.
 *
 * <p>Only what the {@code status} query already shows goes here (names, stages, thresholds, values,
 * who may approve): never a check's SQL or query, a URL, a header or a command line, which could
 * carry more than their author meant to publish. Every name came from a plan or a signal and is
 * shown escaped ({@link #md}), so it cannot add links, images or layout to the page. User metadata
 * is not part of the commands a replay compares, so none of this needs a change id.
 */
final class Console {
  /** Temporal keeps summaries short; the UI shows one line. */
  static final int SUMMARY_MAX = 200;

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private Console() {}

  /**
   * The current details: stage, percent, soak left, each gate against its threshold, and who must
   * approve with the exact command or signal to send. {@code signed}: promoting signals must be
   * signed, so only our CLI can send them.
   */
  static String details(Status s, boolean signed) {
    StringBuilder b = new StringBuilder();
    b.append("### ").append(md(s.plan())).append(": ").append(s.state()).append("\n\n");
    if (s.stage() != null) {
      Status.StageView st = s.stage();
      // "1 of 2", not "1/2": the UI's Markdown renders a slash between digits as a fraction.
      b.append("**Stage ")
          .append(st.index() + 1)
          .append(" of ")
          .append(st.count())
          .append(": ")
          .append(md(st.name()))
          .append("**");
      if (st.percent() != null) {
        b.append(": ").append(st.percent()).append("% of traffic");
      }
      b.append(st.startedAt() == null ? "" : ", since " + time(st.startedAt())).append("\n\n");
    } else {
      b.append("No stage started yet.\n\n");
    }
    if (s.soak() != null) {
      b.append("**Soak:** ");
      String required = Durations.formatMillis(s.soak().requiredMillis());
      if (s.soak().remainingMillis() == 0) {
        b.append(required).append(", met");
      } else {
        b.append(md(s.soak().remaining())).append(" left of ").append(required);
      }
      if (s.soak().running() && s.soak().remainingMillis() > 0) {
        b.append(" (ends about ").append(time(s.asOf() + s.soak().remainingMillis())).append(')');
      }
      b.append("\n\n");
    }
    if (s.waitUntil() != null) {
      b.append("Waiting for the stage window until ").append(time(s.waitUntil())).append("\n\n");
    }
    if (s.step() != null && s.step().error() != null) {
      b.append("**Step ")
          .append(s.step().index() + 1)
          .append(" of ")
          .append(s.step().count())
          .append(" failing** (attempt ")
          .append(s.step().attempt())
          .append(")\n\n");
    }
    gates(b, s);
    approval(b, s, signed);
    if (!s.holds().isEmpty()) {
      b.append("**Held** by ");
      List<String> by = new ArrayList<>();
      for (CutoverState.Hold h : s.holds()) {
        by.add(h.kind().name().toLowerCase(Locale.ROOT) + " " + md(h.subject()));
      }
      b.append(String.join(", ", by)).append(". Release with `cutover resume ");
      b.append(s.plan()).append(" --by NAME`.\n\n");
    }
    b.append("_As of ").append(time(s.asOf())).append("; `cutover status ");
    b.append(s.plan()).append("` shows everything._");
    return b.toString();
  }

  private static void gates(StringBuilder b, Status s) {
    if (s.rules().isEmpty()) {
      return;
    }
    b.append("| Rule | Check | Latest | Threshold | Outcome |\n|---|---|---|---|---|\n");
    for (Status.RuleView r : s.rules()) {
      String outcome = r.outcome() == null ? "pending" : r.outcome();
      if (r.breachedSince() != null) {
        outcome = "**BREACHED** since " + time(r.breachedSince());
      } else if (r.inconclusive()) {
        outcome = "**INCONCLUSIVE**";
      }
      b.append("| ")
          .append(md(r.id()))
          .append(" (")
          .append(r.role())
          .append(") | ")
          .append(md(r.check()))
          .append(" | ")
          .append(r.value() == null ? "-" : Judge.format(r.value()))
          .append(" | ")
          .append(md(r.pass()))
          .append(" [")
          .append(r.severity())
          .append("] | ")
          .append(outcome)
          .append(" |\n");
    }
    b.append('\n');
  }

  private static void approval(StringBuilder b, Status s, boolean signed) {
    Status.ApprovalView a = s.pendingApproval();
    if (a == null) {
      return;
    }
    if (a.approvedBy() != null) {
      b.append("**Approved** by ").append(md(a.approvedBy()));
      b.append(a.soakMet() ? "" : " (acts when the soak is met)").append("\n\n");
      return;
    }
    b.append(a.soakMet() ? "**Waiting for approval** of stage " : "**Approval needed later** for ");
    b.append(md(a.stage())).append(" from ");
    b.append(
        a.approvers().isEmpty()
            ? "anyone"
            : String.join(" or ", a.approvers().stream().map(Console::md).toList()));
    b.append(a.notBy() == null ? "" : " (not " + md(a.notBy()) + ")").append(".\n\n");
    // Plan and stage names are held to [a-z0-9-] and [A-Za-z0-9_.-]: safe inside a code span.
    String input = "{\"by\":\"NAME\",\"stage\":\"" + a.stage() + "\"}";
    b.append("- with cutover's CLI: `cutover approve ")
        .append(s.plan())
        .append(" --stage ")
        .append(a.stage())
        .append(" --by NAME")
        .append(signed ? " --key FILE" : "")
        .append("`\n");
    if (signed) {
      b.append("- this cutover takes only signed approvals: a signal sent without a signature");
      b.append(" is rejected\n\n");
      return;
    }
    b.append("- with Temporal's CLI: `temporal workflow signal --workflow-id ")
        .append(s.workflowId())
        .append(" --name approve --input '")
        .append(input)
        .append("'`\n");
    b.append("- here: **Send a Signal**, signal `approve`, input `").append(input).append("`\n\n");
  }

  /** What the workflow's next timer waits for, e.g. "soak canary 24h" or "measure error_rate". */
  static String timerSummary(Engine engine, CutoverState s, long wake, long now) {
    Plan plan = engine.plan();
    String stage = s.stage() >= 0 ? plan.stages().get(s.stage()).name() : null;
    TreeSet<String> due = new TreeSet<>();
    for (RuleState r : s.rules().values()) {
      // A rule being measured counts too: a round's timer is set for its next slot.
      if (r.nextDueAt() == wake) {
        due.add(r.check());
      }
    }
    Status.SoakView soak = Status.of(engine, s, now).soak();
    String why;
    if (s.position().waitUntil() != null && s.position().waitUntil() == wake) {
      why = "stage window of " + stage;
    } else if (s.cursor().retryAt() != null && s.cursor().retryAt() == wake) {
      why = "retry step";
    } else if (!due.isEmpty()) {
      why = "measure " + String.join(", ", due);
    } else if (soak != null && soak.running() && now + soak.remainingMillis() == wake) {
      why = "end of soak";
    } else {
      why = "next decision";
    }
    if (soak != null && stage != null) {
      why += " (soak " + stage + " " + Durations.formatMillis(soak.requiredMillis()) + ")";
    }
    return clip(why);
  }

  /**
   * {@link Workflow#await(Duration, java.util.function.Supplier)} with the timer summarised as
   * {@code summary} in the UI. It gives the same commands as that await does in this SDK for a
   * workflow without its CANCEL_AWAIT_TIMER_ON_CONDITION flag (every cutover): a timer started
   * first, never cancelled; a summary is not compared on replay.
   */
  static boolean await(
      Duration timeout, String summary, java.util.function.Supplier<Boolean> condition) {
    Promise<Void> timer =
        Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary(summary).build());
    Workflow.await(() -> timer.isCompleted() || condition.get());
    return !timer.isCompleted();
  }

  /** An activity that measures {@code checks}. */
  static String measureSummary(List<String> checks) {
    return clip("measure " + String.join(", ", new TreeSet<>(checks)));
  }

  /** An activity that carries out {@code step}: its kind, never the action's URL or argv. */
  static String effectSummary(Plan plan, Step step) {
    String stage =
        step.stage() >= 0 && step.stage() < plan.stages().size()
            ? plan.stages().get(step.stage()).name()
            : "?";
    return clip(
        switch (step.kind()) {
          case TRAFFIC -> "set traffic to " + step.percent() + "%";
          case FLAGS -> "set flags " + String.join(", ", new TreeSet<>(step.flags().keySet()));
          case ACTION -> "action " + step.index() + " of stage " + stage;
          case UNDO_ACTION -> "undo action " + step.index() + " of stage " + stage;
          case ROLLBACK_ACTION -> "rollback action " + step.index();
          case WAIT -> "wait step of stage " + stage;
          case DRAIN -> "drain before rollback";
          case BASELINE -> "capture stage baseline of " + stage;
        });
  }

  static String time(long millis) {
    return UTC.format(Instant.ofEpochMilli(millis));
  }

  /**
   * Untrusted text as literal Markdown: control characters made visible and every character that
   * Markdown (or the HTML it allows) gives a meaning escaped.
   */
  static String md(String s) {
    if (s == null) {
      return "";
    }
    String visible = UntrustedText.visible(s);
    StringBuilder b = new StringBuilder(visible.length() + 8);
    for (int i = 0; i < visible.length(); i++) {
      char c = visible.charAt(i);
      if ("\\`*_{}[]()<>#!|~&".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static String clip(String s) {
    String v = UntrustedText.visible(s);
    return v.length() <= SUMMARY_MAX ? v : v.substring(0, SUMMARY_MAX - 1) + "…";
  }
}
