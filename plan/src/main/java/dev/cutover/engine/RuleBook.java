package dev.cutover.engine;

import static dev.cutover.engine.Engine.ENGINE;

import dev.cutover.engine.CutoverState.Hold;
import dev.cutover.engine.RuleState.Role;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules: which are active, when each is measured, how its readings are judged, and what its
 * breaches and inconclusive runs lead to (a notification, a hold, or a rollback).
 */
final class RuleBook extends Part {
  /**
   * A rule keeps room for at most this many ERROR/NO_DATA outcomes besides the evidence a breach
   * needs.
   */
  private static final int MAX_ERROR_LIMIT_KEPT = 50;

  RuleBook(Engine engine) {
    super(engine);
  }

  // ------------------------------------------------------------------ which rules are active

  void addPrerequisites(Turn t, long now) {
    for (int i = 0; i < plan.prerequisites().size(); i++) {
      add(
          t,
          "prerequisites[" + i + "]",
          Role.PREREQUISITE,
          -1,
          i,
          plan.prerequisites().get(i),
          now);
    }
  }

  /**
   * The watch rules of the current stage, those not active already; a rule limited to other stages
   * ({@code stages}) stops.
   */
  void addWatch(Turn t, long now) {
    String stage = t.position.stage() >= 0 ? t.stage().name() : null;
    for (int i = 0; i < plan.watch().size(); i++) {
      String id = "watch[" + i + "]";
      if (stage != null && !plan.watch().get(i).watches(stage)) {
        t.rules.remove(id);
      } else if (!t.rules.containsKey(id)) {
        add(t, id, Role.WATCH, -1, i, plan.watch().get(i), now);
      }
    }
  }

  /** The gates of stage {@code index}. */
  void addGates(Turn t, int index, long now) {
    Stage stage = plan.stages().get(index);
    for (int i = 0; i < stage.gates().size(); i++) {
      add(
          t,
          "stages[" + index + "].gates[" + i + "]",
          Role.GATE,
          index,
          i,
          stage.gates().get(i),
          now);
    }
  }

  private void add(Turn t, String id, Role role, int stage, int index, Rule r, long now) {
    t.rules.put(id, RuleState.fresh(id, role, stage, index, r.check(), r.severity(), now));
  }

  /** The rule a WAIT or DRAIN step measures until its check passes. */
  void addWait(Turn t, String id, Step step, String check, long now) {
    t.rules.put(
        id,
        RuleState.fresh(
            id,
            step.kind() == Step.Kind.DRAIN ? Role.DRAIN : Role.WAIT,
            step.stage(),
            step.index(),
            check,
            Rule.Severity.LOW,
            now));
  }

  void removeRoles(Turn t, Role... roles) {
    List<Role> gone = List.of(roles);
    t.rules.values().removeIf(r -> gone.contains(r.role()));
  }

  /** Whether every active rule of {@code role} has a latest measurement, and it passed. */
  static boolean allPass(Turn t, Role role) {
    for (RuleState r : t.rules.values()) {
      if (r.role() == role && (r.latest() == null || r.latest().outcome() != Outcome.PASS)) {
        return false;
      }
    }
    return true;
  }

  /** Asks for a fresh measurement of every gate not being measured; false when there is no gate. */
  static boolean measureGatesNow(Turn t, long now) {
    boolean anyGate = false;
    for (RuleState r : List.copyOf(t.rules.values())) {
      if (r.role() == Role.GATE) {
        anyGate = true;
        if (r.inFlight() == null) {
          t.rules.put(r.id(), r.withDue(now));
        }
      }
    }
    return anyGate;
  }

  // ------------------------------------------------------------------ the plan behind a rule

  Rule rule(RuleState r) {
    return switch (r.role()) {
      case PREREQUISITE -> plan.prerequisites().get(r.index());
      case GATE -> plan.stages().get(r.stage()).gates().get(r.index());
      case WATCH -> plan.watch().get(r.index());
      case WAIT, DRAIN ->
          new Rule(
              r.check(),
              waitEvery(r),
              null,
              null,
              Rule.Severity.LOW,
              Duration.ZERO,
              Duration.ZERO,
              Rule.Scope.ALL,
              null,
              Integer.MAX_VALUE,
              Rule.OnInconclusive.HOLD);
    };
  }

  private Duration waitEvery(RuleState r) {
    if (r.role() == Role.DRAIN) {
      return plan.rollback().drain().every();
    }
    List<Action> actions =
        r.stage() >= 0 ? plan.stages().get(r.stage()).actions() : plan.rollback().actions();
    return ((Action.Wait) actions.get(r.index())).every();
  }

  Comparison passOf(RuleState r) {
    return rule(r).passOverride().orElse(plan.check(r.check()).pass());
  }

  /** A high breach acknowledged for this stage counts as medium. */
  Rule.Severity effectiveSeverity(RuleState r, Rule rule, List<String> acknowledged) {
    if (rule.severity() == Rule.Severity.HIGH && acknowledged.contains(r.check())) {
      return Rule.Severity.MEDIUM;
    }
    return rule.severity();
  }

  /**
   * When a breach of {@code r} rolls back unless it clears: its grace or escalateAfter; null:
   * never.
   */
  Long breachDeadline(RuleState r, List<String> acknowledged) {
    if (r.breachedSince() == null || (r.role() != Role.GATE && r.role() != Role.WATCH)) {
      return null;
    }
    Rule rule = rule(r);
    return switch (effectiveSeverity(r, rule, acknowledged)) {
      case HIGH -> r.breachedSince() + rule.grace().toMillis();
      case MEDIUM -> r.breachedSince() + rule.escalateAfter().toMillis();
      default -> null;
    };
  }

  // ------------------------------------------------------------------ measuring

  /** One {@link Command.Measure} for every rule that has come due, each check once. */
  void scheduleMeasurements(Turn t, long now) {
    List<String> checks = new ArrayList<>();
    long seq = t.seq + 1;
    for (RuleState r : List.copyOf(t.rules.values())) {
      if (r.inFlight() != null || r.nextDueAt() > now) {
        continue;
      }
      long every = rule(r).every().toMillis();
      long next = r.nextDueAt() + every;
      if (next <= now) {
        next = now + every; // missed slots (a worker was down): measure now, then on a fresh grid
      }
      t.rules.put(r.id(), r.measuring(seq, next));
      if (!checks.contains(r.check())) {
        checks.add(r.check());
      }
    }
    if (!checks.isEmpty()) {
      t.seq = seq;
      t.commands.add(new Command.Measure(seq, checks));
    }
  }

  /** Judges the readings of batch {@code m.seq()} for every rule that waited for it. */
  void onMeasured(Turn t, Event.Measured m, long now) {
    for (RuleState r : List.copyOf(t.rules.values())) {
      if (r.inFlight() == null || r.inFlight() != m.seq()) {
        continue;
      }
      Reading reading =
          m.readings().stream()
              .filter(x -> x.check().equals(r.check()))
              .findFirst()
              .orElse(Reading.error(r.check(), "no reading returned for this check"));
      Rule rule = rule(r);
      Check.Source source = plan.check(r.check()).source();
      Comparison pass = passOf(r);
      Comparison resolved = Baselines.resolve(pass, r.check(), t);
      Measurement measured;
      RuleState judged = r;
      if (source instanceof Check.Compare cmp && cmp.metric() != null) {
        SequentialCompare.Judged j = ContinuousCompare.judge(cmp, reading, now, r.evidence());
        measured = j.measurement();
        judged = r.withEvidence(j.evidence());
      } else if (source instanceof Check.Compare cmp
          && cmp.method() == Check.Compare.Method.SEQUENTIAL) {
        SequentialCompare.Judged j = SequentialCompare.judge(cmp, reading, now, r.evidence());
        measured = j.measurement();
        judged = r.withEvidence(j.evidence());
      } else if (source instanceof Check.Compare cmp) {
        measured = ProportionTest.judge(cmp, reading, now);
      } else if (pass != null && resolved == null && reading.kind() == Reading.Kind.VALUE) {
        measured =
            new Measurement(
                now, Outcome.NO_DATA, null, "no stage baseline captured for " + r.check() + " yet");
      } else {
        measured = Judge.judge(reading, resolved, now);
      }
      List<Measurement> recent = new ArrayList<>(r.recent());
      recent.add(measured);
      int keep = Breach.keep(rule, Math.min(rule.errorLimit(), MAX_ERROR_LIMIT_KEPT));
      while (recent.size() > keep) {
        recent.remove(0);
      }
      int streak = measured.outcome().conclusive() ? 0 : r.errorStreak() + 1;
      t.rules.put(r.id(), judged.measured(recent, streak));
      if (r.role() == Role.PREREQUISITE
          && measured.outcome() != Outcome.PASS
          && (r.latest() == null || r.latest().outcome() == Outcome.PASS)) {
        t.notify(
            Command.Notify.Level.WARN,
            "prerequisite "
                + r.check()
                + " is "
                + measured.outcome()
                + ": "
                + measured.reason()
                + "; the first stage waits until it passes");
      }
    }
  }

  // ------------------------------------------------------------------ breaches

  /**
   * Looks at every active rule: inconclusive runs, breaches beginning or ending, deadlines passed.
   */
  void evaluate(Turn t, long now) {
    for (RuleState r : List.copyOf(t.rules.values())) {
      if (!t.phase().active()) {
        return; // a rollback began: nothing more to judge
      }
      if (!t.rules.containsKey(r.id()) || r.role() == Role.WAIT || r.role() == Role.DRAIN) {
        continue;
      }
      Rule rule = rule(r);
      if (!r.inconclusive() && r.errorStreak() >= rule.errorLimit()) {
        onInconclusive(t, r, rule, now);
        continue;
      }
      if (r.role() == Role.PREREQUISITE) {
        continue;
      }
      boolean breached = Breach.breached(rule, r.recent());
      if (breached && r.breachedSince() == null) {
        RuleState b = r.withBreach(now);
        t.rules.put(r.id(), b);
        onBreach(t, b, rule, now);
      } else if (!breached && r.breachedSince() != null) {
        t.rules.put(r.id(), r.withBreach(null));
        t.decide(
            now,
            ENGINE,
            "breach-cleared",
            true,
            "check " + r.check() + " (" + r.id() + ") passes again: " + r.latest().reason());
        t.notify(
            Command.Notify.Kind.CLEARED,
            r.id(),
            Command.Notify.Level.INFO,
            "check " + r.check() + " passes again");
      } else if (breached) {
        Rule.Severity sev = effectiveSeverity(r, rule, t.progress.acknowledged());
        long since = r.breachedSince();
        if (sev == Rule.Severity.HIGH && now >= since + rule.grace().toMillis()) {
          engine.rollbacks.start(
              t,
              now,
              "check "
                  + r.check()
                  + " stayed breached for its grace of "
                  + Durations.format(rule.grace())
                  + " without acknowledgement",
              ENGINE,
              rule.rollback(),
              Command.Notify.Kind.ESCALATION,
              r.id());
        } else if (sev == Rule.Severity.MEDIUM && now >= since + rule.escalateAfter().toMillis()) {
          engine.rollbacks.start(
              t,
              now,
              "check "
                  + r.check()
                  + " stayed breached past escalateAfter "
                  + Durations.format(rule.escalateAfter()),
              ENGINE,
              rule.rollback(),
              Command.Notify.Kind.ESCALATION,
              r.id());
        }
      }
    }
  }

  private void onBreach(Turn t, RuleState r, Rule rule, long now) {
    Measurement m = r.latest();
    String what =
        "check "
            + r.check()
            + " ("
            + r.id()
            + ") breached: "
            + m.reason()
            + (rule.forDuration() != null ? " for " + Durations.format(rule.forDuration()) : "")
            + (rule.failures() != null ? " in " + rule.failures() + " measurements" : "");
    t.incident(
        now, "breach", r.id(), what + " [" + rule.severity().name().toLowerCase(Locale.ROOT) + "]");
    Rule.Severity sev = effectiveSeverity(r, rule, t.progress.acknowledged());
    if (sev != Rule.Severity.LOW) {
      t.resetSoak();
      CutoverState.Approval approval = t.progress.approval();
      if (approval != null) {
        t.decide(
            now,
            ENGINE,
            "approval-voided",
            true,
            "approval of "
                + approval.stage()
                + " by "
                + approval.by()
                + " voided by the breach of "
                + r.check());
        t.progress = t.progress.withApproval(null);
      }
    }
    switch (sev) {
      case CRITICAL ->
          engine.rollbacks.start(
              t, now, what, ENGINE, rule.rollback(), Command.Notify.Kind.BREACH, r.id());
      case HIGH ->
          t.notify(
              Command.Notify.Kind.BREACH,
              r.id(),
              Command.Notify.Level.PAGE,
              what
                  + "; rolling back in "
                  + Durations.format(rule.grace())
                  + " unless someone acknowledges "
                  + r.check());
      case MEDIUM ->
          t.notify(
              Command.Notify.Kind.BREACH,
              r.id(),
              Command.Notify.Level.WARN,
              what
                  + "; the stage holds, and rolls back if still breached"
                  + " after "
                  + Durations.format(rule.escalateAfter()));
      case LOW -> t.notify(Command.Notify.Kind.BREACH, r.id(), Command.Notify.Level.INFO, what);
    }
  }

  private void onInconclusive(Turn t, RuleState r, Rule rule, long now) {
    t.rules.put(r.id(), r.declaredInconclusive());
    Measurement m = r.latest();
    String text =
        "check "
            + r.check()
            + " ("
            + r.id()
            + ") is inconclusive: its last "
            + rule.errorLimit()
            + " measurements were ERROR or NO_DATA (latest: "
            + m.outcome()
            + " "
            + m.reason()
            + ")";
    t.incident(now, "inconclusive", r.id(), text);
    if (rule.onInconclusive() == Rule.OnInconclusive.ROLLBACK && r.role() != Role.PREREQUISITE) {
      engine.rollbacks.start(t, now, text, ENGINE, rule.rollback());
      return;
    }
    t.addHold(Hold.Kind.INCONCLUSIVE, r.id(), ENGINE, text, now);
    t.notify(
        Command.Notify.Kind.INCONCLUSIVE,
        r.id(),
        Command.Notify.Level.WARN,
        text + "; holding until someone sends resume (to measure again) or abort");
  }
}
