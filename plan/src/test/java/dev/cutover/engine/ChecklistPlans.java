package dev.cutover.engine;

/** Plans with checklists, shared by the engine's and the simulator's tests. */
public final class ChecklistPlans {
  /**
   * canary: two tasks before it starts, one before it completes; full: one task before it
   * completes, and an approval.
   */
  public static final String TWO_STAGES = ChecklistTest.CHECKLISTS;

  private ChecklistPlans() {}
}
