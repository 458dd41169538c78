package dev.cutover.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.ChecklistPlans;
import dev.cutover.plan.PlanReader;
import org.junit.jupiter.api.Test;

/** A plan's checklists in its runbook: checkboxes where the person meets them, with the command. */
class RunbookChecklistTest {
  @Test
  void eachStagesTasksAreCheckboxesBeforeItStartsAndBeforeItCompletes() {
    String md = Runbook.markdown(PlanReader.read(ChecklistPlans.TWO_STAGES));
    assertThat(md)
        .contains(
            "### 1. canary: 10% of traffic, soak 1h\n"
                + "\n"
                + "- Checklist before it starts (the stage waits until each is confirmed):\n"
                + "  - [ ] DNS TTL lowered to 60 s (`cutover confirm t dns-ttl-lowered`)\n"
                + "  - [ ] On-call engineer online (`cutover confirm t on-call-ready`)\n")
        .contains(
            "- Checklist before it completes (after the soak; the stage waits until each is"
                + " confirmed):\n"
                + "  - [ ] Status page posted (`cutover confirm t status-page-posted`)\n")
        .contains(
            "| 1 | canary | 10% of traffic | T+0s | 1h | checklist before it starts;"
                + " checklist when soaked |")
        .contains(
            "- A checklist task is confirmed, not approved: an approval confirms no task, and a"
                + " confirmation approves no stage.");
  }
}
