package dev.cutover.engine;

import dev.cutover.plan.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * When a rule's measurements amount to a breach (docs/semantics.md, "Rules and breaches"). Only
 * conclusive measurements (PASS, FAIL) count; ERROR and NO_DATA neither fail a rule nor interrupt a
 * run of failures, they count towards inconclusiveness instead.
 *
 * <ul>
 *   <li>{@code for: D}: the latest conclusive measurement failed, and so did every conclusive one
 *       back to one taken at least D before it. A single PASS in the window ends the run.
 *   <li>{@code failures: M/N}: at least M of the last N conclusive measurements failed (a sliding
 *       window, not consecutive).
 *   <li>neither: the latest conclusive measurement failed.
 * </ul>
 */
public final class Breach {
  /** Temporal timers have one-second resolution; a run this much short of {@code for} counts. */
  static final long TIMER_TOLERANCE_MS = 1_000;

  static final int MAX_KEPT = 240;

  private Breach() {}

  public static boolean breached(Rule rule, List<Measurement> recent) {
    List<Measurement> conclusive = new ArrayList<>();
    for (Measurement m : recent) {
      if (m.outcome().conclusive()) {
        conclusive.add(m);
      }
    }
    if (conclusive.isEmpty()) {
      return false;
    }
    if (rule.failures() != null) {
      int n = rule.failures().of();
      int failed = 0;
      for (int i = Math.max(0, conclusive.size() - n); i < conclusive.size(); i++) {
        if (conclusive.get(i).outcome() == Outcome.FAIL) {
          failed++;
        }
      }
      return failed >= rule.failures().failed();
    }
    Measurement latest = conclusive.get(conclusive.size() - 1);
    if (latest.outcome() != Outcome.FAIL) {
      return false;
    }
    if (rule.forDuration() == null) {
      return true;
    }
    long firstOfRun = latest.at();
    for (int i = conclusive.size() - 1;
        i >= 0 && conclusive.get(i).outcome() == Outcome.FAIL;
        i--) {
      firstOfRun = conclusive.get(i).at();
    }
    return latest.at() - firstOfRun + TIMER_TOLERANCE_MS >= rule.forDuration().toMillis();
  }

  /** How many measurements a rule must keep to judge itself (and show a short history). */
  public static int keep(Rule rule, int errorLimit) {
    int need = Math.max(errorLimit, 5);
    if (rule.failures() != null) {
      need = Math.max(need, rule.failures().of());
    }
    if (rule.forDuration() != null) {
      long perWindow = rule.forDuration().toMillis() / Math.max(1, rule.every().toMillis());
      need = (int) Math.max(need, Math.min(MAX_KEPT, perWindow + 2));
    }
    // ERROR/NO_DATA between conclusive ones must not push the evidence out.
    return Math.min(MAX_KEPT, need + errorLimit);
  }
}
