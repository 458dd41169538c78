package dev.cutover.workflows;

import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.List;

/**
 * The static summary and details a starter gives a cutover ({@code WorkflowOptions}' static summary
 * and details, shown by the Temporal UI's "User Metadata"): the plan, its stages and who started
 * it. Only names, percents, soaks and approvals: nothing a plan's checks or actions hold.
 */
public final class StartSummary {
  private StartSummary() {}

  /** One line, e.g. "cutover checkout-v2 by alice: canary 5% 1h, half 50% 2h, full 100% 30m". */
  public static String summary(Plan plan, String startedBy) {
    List<String> stages = new ArrayList<>();
    for (Stage s : plan.stages()) {
      stages.add(
          s.name()
              + (s.percent() == null ? "" : " " + s.percent() + "%")
              + " "
              + Durations.format(s.soak()));
    }
    String text = "cutover " + plan.name() + " by " + startedBy + ": " + String.join(", ", stages);
    String v = UntrustedText.visible(text);
    return v.length() <= Console.SUMMARY_MAX ? v : v.substring(0, Console.SUMMARY_MAX - 1) + "…";
  }

  /** The stages as a Markdown table, and how to follow the cutover. */
  public static String details(Plan plan, String startedBy) {
    StringBuilder b = new StringBuilder();
    b.append("Plan **")
        .append(Console.md(plan.name()))
        .append("**, started by ")
        .append(Console.md(startedBy))
        .append(".\n\n| # | Stage | Traffic | Soak | Approval |\n|---|---|---|---|---|\n");
    int i = 1;
    for (Stage s : plan.stages()) {
      b.append("| ")
          .append(i++)
          .append(" | ")
          .append(Console.md(s.name()))
          .append(" | ")
          .append(s.observe() ? "observe" : s.percent() == null ? "-" : s.percent() + "%")
          .append(" | ")
          .append(Durations.format(s.soak()))
          .append(" | ")
          .append(s.approvalToComplete() ? "yes" : "no")
          .append(" |\n");
    }
    b.append("\nThe current details are kept up to date by the worker; ")
        .append("`cutover status ")
        .append(plan.name())
        .append(" --watch` follows it from a terminal.");
    return b.toString();
  }
}
