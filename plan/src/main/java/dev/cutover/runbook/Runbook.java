package dev.cutover.runbook;

import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Checklist;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Deadline;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Notify;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanSummary;
import dev.cutover.plan.Rollback;
import dev.cutover.plan.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A plan rendered as the runbook a person reads (Markdown): the timeline with durations, each stage
 * with what it changes and the gates that let it finish, the triggers, the rollback procedure,
 * points of no return, approvals, and what each check measures. Pure: plan in, text out.
 *
 * <p>Secrets: a plan holds only {@code ${env:NAME}} references, and they are printed as written;
 * header values and passwords are never printed at all (only that one is sent, and from where).
 *
 * <p>Extension points: each part of the runbook is one method, called in order from {@link
 * #render}; a new plan element is one more method (or a line in {@link #stage}), and words for a
 * rule, an action or a condition are {@link Words}.
 */
public final class Runbook {
  private final Plan plan;
  private final Markdown md = new Markdown();

  private Runbook(Plan plan) {
    this.plan = plan;
  }

  /** The runbook of {@code plan}, as Markdown. */
  public static String markdown(Plan plan) {
    return new Runbook(plan).render();
  }

  private String render() {
    title();
    timeline();
    prerequisites();
    traffic();
    stages();
    triggers();
    rollback();
    pointsOfNoReturn();
    approvals();
    notifications();
    checks();
    connections();
    return md.toString();
  }

  private void title() {
    md.line("# Runbook: " + plan.name());
    md.blank();
    if (plan.description() != null) {
      md.line(plan.description());
      md.blank();
    }
    md.line(
        "Generated from the plan by `cutover runbook`: the plan is what runs. Workflow id `"
            + plan.workflowId()
            + "`.");
    md.blank();
  }

  private void timeline() {
    md.line("## Timeline");
    md.blank();
    md.line("| # | stage | changes | starts (earliest) | soak | then |");
    md.line("|---|---|---|---|---|---|");
    Duration at = Duration.ZERO;
    for (int i = 0; i < plan.stages().size(); i++) {
      Stage s = plan.stages().get(i);
      md.line(
          "| "
              + (i + 1)
              + " | "
              + s.name()
              + " | "
              + Markdown.cell(Words.changes(s))
              + " | T+"
              + Durations.format(at)
              + plan.windowFor(s).map(w -> ", within " + w.text()).orElse("")
              + " | "
              + Durations.format(s.soak())
              + " | "
              + Markdown.cell(then(s))
              + " |");
      at = at.plus(s.soak());
    }
    md.blank();
    md.line(
        "Done at the earliest T+"
            + Durations.format(PlanSummary.shortestDuration(plan))
            + ": the soaks back to back; approvals and windows add to it.");
    md.blank();
  }

  private String then(Stage s) {
    List<String> parts = new ArrayList<>();
    if (!s.checklist().beforeStart().isEmpty()) {
      parts.add("checklist before it starts");
    }
    if (s.actions().stream().anyMatch(Action::irreversible)) {
      parts.add("approval before it starts (point of no return)");
    }
    if (!s.checklist().beforeComplete().isEmpty()) {
      parts.add("checklist when soaked");
    }
    if (s.approvalToComplete()) {
      parts.add("approval when soaked");
    }
    if (!s.onComplete().isEmpty()) {
      parts.add(
          "then its end-of-stage actions"
              + (s.onComplete().stream().anyMatch(Action::irreversible)
                  ? " (point of no return)"
                  : ""));
    }
    return parts.isEmpty() ? "next stage when soaked" : String.join("; ", parts);
  }

  private void prerequisites() {
    if (plan.prerequisites().isEmpty()) {
      return;
    }
    md.line("## Before anything changes");
    md.blank();
    md.line("Every prerequisite must pass before the first stage is applied:");
    md.blank();
    plan.prerequisites().forEach(r -> md.line("- " + Words.prerequisite(plan, r)));
    md.blank();
  }

  private void traffic() {
    if (plan.traffic() == null && plan.flagsApi() == null) {
      return;
    }
    md.line("## How changes are made");
    md.blank();
    if (plan.traffic() != null) {
      var t = plan.traffic();
      if (t.nginx() != null) {
        md.line(
            "- Traffic: the nginx split file `"
                + Markdown.inline(t.nginx().file())
                + "` is rewritten, checked and reloaded; read back from the file.");
      } else {
        md.line(
            "- Traffic: `"
                + Markdown.inline(t.set().toString())
                + "`"
                + t.readBack()
                    .map(g -> ", read back from `" + Markdown.inline(g.toString()) + "`")
                    .orElse("")
                + ".");
      }
    }
    if (plan.flagsApi() != null) {
      var f = plan.flagsApi();
      md.line(
          "- Flags: `"
              + Markdown.inline(f.set().toString())
              + "`"
              + f.readBack()
                  .map(g -> ", read back from `" + Markdown.inline(g.toString()) + "`")
                  .orElse("")
              + ".");
    }
    md.blank();
  }

  private void stages() {
    md.line("## Stages");
    md.blank();
    for (int i = 0; i < plan.stages().size(); i++) {
      stage(i, plan.stages().get(i));
    }
  }

  private void stage(int index, Stage s) {
    md.line(
        "### "
            + (index + 1)
            + ". "
            + s.name()
            + ": "
            + Words.changes(s)
            + ", soak "
            + Durations.format(s.soak()));
    md.blank();
    checklist(s, Checklist.When.BEFORE_START);
    plan.windowFor(s).ifPresent(w -> md.line("- Starts only within " + w.text() + "."));
    deadline(s);
    if (s.actions().stream().anyMatch(Action::irreversible)) {
      md.line(
          "- **Point of no return**: starts only after an approval for this stage (an action"
              + " cannot be undone).");
    }
    if (s.percent() != null) {
      md.line("- Traffic to the new path: " + s.percent() + "%.");
    }
    if (!s.flags().isEmpty()) {
      md.line("- Flags: " + Words.flags(s.flags()) + " (undone: " + Words.flags(revert(s)) + ").");
    }
    if (s.observe()) {
      md.line("- Observe only: nothing changes when it starts; the stage soaks under its gates.");
    }
    for (int a = 0; a < s.actions().size(); a++) {
      md.line("- Action " + (a + 1) + ": " + Words.actionWithUndo(s.actions().get(a)));
    }
    if (s.gates().isEmpty()) {
      md.line("- Done when " + Durations.format(s.soak()) + " have passed with nothing breached.");
    } else {
      md.line(
          "- Done when every gate has passed for "
              + Durations.format(s.soak())
              + " (measured every "
              + Durations.format(s.every())
              + "):");
      s.gates().forEach(g -> md.line("  - " + Words.gate(plan, g)));
    }
    checklist(s, Checklist.When.BEFORE_COMPLETE);
    if (s.approvalToComplete()) {
      md.line("- Then: an approval (" + Words.approvers(plan) + ").");
    }
    for (int a = 0; a < s.onComplete().size(); a++) {
      Action act = s.onComplete().get(a);
      md.line(
          "- After the soak, action "
              + (a + 1)
              + ": "
              + Words.actionWithUndo(act)
              + (act.irreversible() ? " **Point of no return.**" : ""));
    }
    md.blank();
  }

  /** A stage's hard limits in time, and what happens when one passes. */
  private void deadline(Stage s) {
    Deadline d = s.deadline();
    if (d == null) {
      return;
    }
    List<String> limits = new ArrayList<>();
    if (d.applyWithin() != null) {
      limits.add("its changes made within " + Durations.format(d.applyWithin()));
    }
    if (d.completeWithin() != null) {
      limits.add("complete within " + Durations.format(d.completeWithin()));
    }
    md.line(
        "- **Deadline**: "
            + String.join(", and ", limits)
            + " of its start; past that, "
            + (d.then() == Deadline.Then.ROLLBACK
                ? "it rolls back"
                : "the cutover holds until resume")
            + " and pages.");
  }

  /**
   * The tasks a person confirms {@code when}, as checkboxes with the command that confirms each.
   */
  private void checklist(Stage s, Checklist.When when) {
    List<Checklist.Task> tasks = s.checklist().tasks(when);
    if (tasks.isEmpty()) {
      return;
    }
    md.line(
        "- Checklist "
            + when.words()
            + (when == Checklist.When.BEFORE_START
                ? " (the stage waits until each is confirmed):"
                : " (after the soak; the stage waits until each is confirmed):"));
    for (Checklist.Task t : tasks) {
      md.line(
          "  - [ ] "
              + Markdown.inline(t.text())
              + " (`cutover confirm "
              + plan.name()
              + " "
              + t.id()
              + "`)");
    }
  }

  private static java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> revert(Stage s) {
    if (!s.revert().isEmpty()) {
      return s.revert();
    }
    java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> out =
        new java.util.LinkedHashMap<>();
    s.flags()
        .forEach(
            (k, v) ->
                out.put(
                    k,
                    v.isBoolean()
                        ? com.fasterxml.jackson.databind.node.BooleanNode.valueOf(!v.asBoolean())
                        : v));
    return out;
  }

  private void triggers() {
    md.line("## Triggers");
    md.blank();
    if (plan.watch().isEmpty()) {
      md.line("No watch rules: only the stages' gates, and people, stop the cutover.");
      md.blank();
      return;
    }
    md.line("Watched from the first stage to the end, unless a rule names its stages:");
    md.blank();
    plan.watch().forEach(r -> md.line("- " + Words.trigger(plan, r)));
    md.blank();
  }

  private void rollback() {
    Rollback rb = plan.rollback();
    md.line("## Rollback");
    md.blank();
    md.line(
        "A breach that rolls back, an `abort`, or an inconclusive rule that says so undoes the"
            + " stages entered, newest first"
            + (rb.budget() == null
                ? ":"
                : " (within "
                    + Durations.format(rb.budget())
                    + "; past that it pages, `rollback_overdue`, and goes on):"));
    md.blank();
    int n = 1;
    md.line(n++ + ". Traffic to " + rb.percent() + "% of the new path.");
    for (int i = plan.stages().size() - 1; i >= 0; i--) {
      Stage s = plan.stages().get(i);
      if (!s.flags().isEmpty()) {
        md.line(n++ + ". Stage " + s.name() + ": flags " + Words.flags(revert(s)) + ".");
      }
      for (int a = s.allActions().size() - 1; a >= 0; a--) {
        Action act = s.action(a);
        if (act.undo() != null) {
          md.line(n++ + ". Stage " + s.name() + ": " + Words.action(act.undo()) + ".");
        } else if (act.irreversible()) {
          md.line(
              n++
                  + ". Stage "
                  + s.name()
                  + ": "
                  + Words.action(act)
                  + " **cannot be undone**: it stays done.");
        }
      }
    }
    for (Action a : rb.actions()) {
      md.line(n++ + ". " + Words.action(a) + ".");
    }
    if (rb.drain() != null) {
      md.line(
          n++
              + ". Drain: wait until "
              + rb.drain().check()
              + " passes ("
              + Words.condition(plan, rb.drain().check(), null)
              + "), at most "
              + Durations.format(rb.drain().timeout())
              + ".");
    }
    md.line(
        n
            + ". "
            + (rb.then() == Rollback.Then.HOLD
                ? "Hold: `retry` starts over (prerequisites first), `abandon` ends."
                : "End (ABANDONED)."));
    md.blank();
    md.line(
        "A rule with `rollback: stage` undoes only the current stage and holds at the previous"
            + " one. A rollback step that fails is retried with backoff and pages.");
    md.blank();
    rb.afterPointOfNoReturnValue()
        .ifPresent(
            after -> {
              md.line(
                  after.hold()
                      ? "After a point of no return has run, nothing before it is undone: a"
                          + " breach or an `abort` holds the cutover and pages instead."
                      : "After a point of no return has run, nothing before it is undone: a"
                          + " breach or an `abort` undoes only the stages after "
                          + after.stage()
                          + " and holds there.");
              md.blank();
            });
  }

  private void pointsOfNoReturn() {
    md.line("## Points of no return");
    md.blank();
    boolean any = false;
    for (Stage s : plan.stages()) {
      for (Action a : s.actions()) {
        if (a.irreversible()) {
          any = true;
          md.line(
              "- Stage "
                  + s.name()
                  + ": "
                  + Words.action(a)
                  + ". The stage starts only after an approval.");
        }
      }
      for (Action a : s.onComplete()) {
        if (a.irreversible()) {
          any = true;
          md.line(
              "- Stage "
                  + s.name()
                  + ", after its soak: "
                  + Words.action(a)
                  + ". It runs only after an approval once the soak is met.");
        }
      }
    }
    if (!any) {
      md.line("None: every step can be undone by the rollback.");
    }
    md.blank();
  }

  private void approvals() {
    md.line("## Approvals");
    md.blank();
    List<String> stages = new ArrayList<>();
    for (Stage s : plan.stages()) {
      if (s.actions().stream().anyMatch(Action::irreversible)) {
        stages.add(s.name() + " (before it starts)");
      }
      if (s.approvalToComplete()) {
        stages.add(s.name() + " (when soaked)");
      }
    }
    md.line("- Who: " + Words.approvers(plan) + ".");
    md.line("- Asked for: " + (stages.isEmpty() ? "never" : String.join(", ", stages)) + ".");
    if (plan.stages().stream().anyMatch(s -> !s.checklist().isEmpty())) {
      md.line(
          "- A checklist task is confirmed, not approved: an approval confirms no task, and a"
              + " confirmation approves no stage.");
    }
    md.blank();
  }

  private void notifications() {
    Notify notify = plan.notifications();
    if (notify == null) {
      return;
    }
    md.line("## Notifications");
    md.blank();
    if (notify.webhook() != null) {
      md.line("- To the webhook `" + Markdown.inline(notify.webhook()) + "`, on events.");
    }
    for (Notify.Channel c : notify.channels()) {
      md.line(
          "- Channel `"
              + c.name()
              + "`: "
              + switch (c.type()) {
                case SLACK -> "Slack";
                case PAGERDUTY -> "PagerDuty";
                case WEBHOOK -> "a JSON webhook";
              }
              + " (`"
              + Markdown.inline(c.target())
              + "`).");
    }
    for (Notify.Route r : notify.routes()) {
      md.line(
          "- "
              + (r.events().isEmpty()
                  ? "Every event at " + r.severity().wire() + " or above goes to "
                  : "Events "
                      + String.join(", ", r.events())
                      + " at "
                      + r.severity().wire()
                      + " or above go to ")
              + String.join(", ", r.to())
              + ".");
    }
    if (notify.every() != null) {
      md.line("- A status update every " + Durations.format(notify.every()) + ".");
    }
    notify
        .stageEvery()
        .forEach(
            (stage, every) ->
                md.line(
                    "- During "
                        + stage
                        + ", a status update every "
                        + Durations.format(every)
                        + "."));
    md.blank();
  }

  private void checks() {
    md.line("## Checks");
    md.blank();
    for (Check c : plan.checks().values()) {
      md.line("### " + c.name());
      md.blank();
      md.line(
          Words.source(c)
              + "; passes when "
              + Words.condition(plan, c.name(), null)
              + "; at most "
              + Durations.format(c.timeout())
              + " per measurement.");
      if (c.minSamples() != null) {
        md.line(
            "Fewer than "
                + c.minSamples().atLeast()
                + " samples make it NO_DATA (counted by `"
                + Markdown.inline(c.minSamples().query())
                + "`).");
      }
      Words.query(c).ifPresent(q -> md.code(q.language(), q.text()));
      md.blank();
    }
  }

  private void connections() {
    if (plan.connections().isEmpty()) {
      return;
    }
    md.line("## Connections");
    md.blank();
    md.line("| name | kind | where | credentials |");
    md.line("|---|---|---|---|");
    for (Connection c : plan.connections().values()) {
      List<String> creds = new ArrayList<>();
      if (c.user() != null) {
        creds.add("user " + c.user());
      }
      if (c.password() != null) {
        creds.add("password " + Words.secretSource(c.password()));
      }
      if (!c.headers().isEmpty()) {
        creds.add("headers " + String.join(", ", c.headers().keySet()));
      }
      md.line(
          "| "
              + c.name()
              + " | "
              + c.kind().name().toLowerCase(Locale.ROOT)
              + " | "
              + Markdown.cell(c.url())
              + " | "
              + Markdown.cell(creds.isEmpty() ? "none" : String.join("; ", creds))
              + " |");
    }
    md.blank();
  }
}
