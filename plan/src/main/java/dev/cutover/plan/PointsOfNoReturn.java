package dev.cutover.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link PlanReader.Rules#RUNBOOK} rules about points of no return. An irreversible action (one
 * that removes a path or stops syncing it) is a point of no return once it has run: from then on no
 * rollback may undo it or anything before it. So a plan with one says under {@code
 * rollback.afterPointOfNoReturn} what a breach does instead, and nothing after it (a target stage,
 * a stage rolled back alone, a later stage) may set traffic below the share in effect when it ran:
 * that share is on the new path, and what is below it went to the path that was removed.
 */
final class PointsOfNoReturn {
  private final Reading reading;
  private final List<Stage> stages;

  private PointsOfNoReturn(Reading reading, List<Stage> stages) {
    this.reading = reading;
    this.stages = stages;
  }

  /**
   * Checks the plan's points of no return; {@code written}: the plan wrote {@code
   * afterPointOfNoReturn} (when it could not be read, that was reported already).
   */
  static void check(
      Reading reading, List<Stage> stages, List<Rule> watch, Rollback rollback, boolean written) {
    new PointsOfNoReturn(reading, stages).check(watch, rollback, written);
  }

  /**
   * The share of traffic in effect while stage {@code index} runs: its percent, else the latest
   * before it, else {@code initial}.
   */
  static int percentAt(List<Stage> stages, int index, int initial) {
    int p = initial;
    for (int i = 0; i <= index && i < stages.size(); i++) {
      if (stages.get(i).percent() != null) {
        p = stages.get(i).percent();
      }
    }
    return p;
  }

  /**
   * Where stage {@code index}'s first irreversible action is, e.g. {@code stages[2].actions[0]}.
   */
  private String irreversibleAt(int index) {
    Stage s = stages.get(index);
    for (int i = 0; i < s.actions().size(); i++) {
      if (s.actions().get(i).irreversible()) {
        return "stages[" + index + "].actions[" + i + "]";
      }
    }
    for (int i = 0; i < s.onComplete().size(); i++) {
      if (s.onComplete().get(i).irreversible()) {
        return "stages[" + index + "].onComplete[" + i + "]";
      }
    }
    return null;
  }

  private void check(List<Rule> watch, Rollback rollback, boolean written) {
    List<Integer> points = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      if (irreversibleAt(i) != null) {
        points.add(i);
      }
    }
    Rollback.AfterPointOfNoReturn after = rollback.afterPointOfNoReturn();
    String afterPath = "rollback.afterPointOfNoReturn";
    if (points.isEmpty()) {
      if (written) {
        reading.problem(
            afterPath,
            "this plan has no irreversible action, so no point of no return; leave this out");
      }
      return;
    }
    int first = points.get(0);
    String firstAt = irreversibleAt(first);
    if (after == null && !written) {
      reading.problem(
          afterPath,
          firstAt
              + " cannot be undone (a point of no return): say what a breach after it does, hold"
              + " or {stage: NAME} (a stage from "
              + stages.get(first).name()
              + " on); undoing everything would send traffic back onto what it removed");
    } else if (after != null && !after.hold()) {
      int target = indexOf(after.stage());
      if (target < 0) {
        reading.problem(
            afterPath + ".stage", "\"" + after.stage() + "\" is not a stage of this plan");
      } else if (target < first) {
        reading.problem(
            afterPath + ".stage",
            "stage "
                + after.stage()
                + " comes before the point of no return at "
                + firstAt
                + "; name a stage from "
                + stages.get(first).name()
                + " on, or hold");
      } else {
        belowPointOfNoReturn(
            points,
            target,
            percentAt(stages, target, rollback.percent()),
            afterPath + ".stage",
            "going back to stage " + after.stage());
      }
    }
    for (int j = first + 1; j < stages.size(); j++) {
      Stage s = stages.get(j);
      if (s.percent() != null) {
        belowPointOfNoReturn(
            points, j - 1, s.percent(), "stages[" + j + "].percent", "stage " + s.name());
      }
      int before = percentAt(stages, j - 1, rollback.percent());
      for (int g = 0; g < s.gates().size(); g++) {
        if (s.gates().get(g).rollback() == Rule.Scope.STAGE) {
          belowPointOfNoReturn(
              points,
              j - 1,
              before,
              "stages[" + j + "].gates[" + g + "].rollback",
              "rolling back stage " + s.name() + " alone");
        }
      }
      for (int w = 0; w < watch.size(); w++) {
        Rule r = watch.get(w);
        if (r.rollback() == Rule.Scope.STAGE && r.watches(s.name())) {
          belowPointOfNoReturn(
              points,
              j - 1,
              before,
              "watch[" + w + "].rollback",
              "rolling back stage " + s.name() + " alone");
        }
      }
    }
  }

  /**
   * A problem at {@code path} when {@code percent}, set by {@code what}, is below the share in
   * effect at a point of no return at or before stage {@code upTo}.
   */
  private void belowPointOfNoReturn(
      List<Integer> points, int upTo, int percent, String path, String what) {
    for (int k : points) {
      if (k > upTo) {
        return;
      }
      int atPoint = percentAt(stages, k, Integer.MIN_VALUE);
      if (atPoint != Integer.MIN_VALUE && percent < atPoint) {
        reading.problem(
            path,
            what
                + " sets traffic to "
                + percent
                + "%, below the "
                + atPoint
                + "% in effect when "
                + irreversibleAt(k)
                + " (irreversible) ran: that traffic would go back onto what it removed");
        return;
      }
    }
  }

  private int indexOf(String name) {
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }
}
