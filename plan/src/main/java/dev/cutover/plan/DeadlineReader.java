package dev.cutover.plan;

import java.time.Duration;

/**
 * Reads a stage's {@code deadline}: {@code applyWithin}, {@code completeWithin} (at least one) and
 * {@code then} ({@code rollback}, the default, or {@code hold}). Each limit is from 1s to 30 days
 * whatever the rules (the field is newer than every limit); {@code completeWithin} is longer than
 * the stage's soak (else it would always pass) and than {@code applyWithin}.
 */
final class DeadlineReader {
  private static final Field<Duration> APPLY_WITHIN = Type.DURATION.field("applyWithin");
  private static final Field<Duration> COMPLETE_WITHIN = Type.DURATION.field("completeWithin");
  private static final Field<Deadline.Then> THEN = Type.oneOf(Deadline.Then.class).field("then");
  static final Field<Obj> DEADLINE =
      Field.object("deadline", Section.of(APPLY_WITHIN, COMPLETE_WITHIN, THEN));

  static final Duration MIN = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofDays(30);
  static final String LIMITS = "must be between 1s and 30d";

  private DeadlineReader() {}

  static boolean withinLimits(Duration d) {
    return d.compareTo(MIN) >= 0 && d.compareTo(MAX) <= 0;
  }

  /** The deadline of the stage {@code stage} soaking {@code soak}, or null when it has none. */
  static Deadline read(Obj stage, Duration soak) {
    if (!stage.has(DEADLINE)) {
      return null;
    }
    Obj o = stage.get(DEADLINE);
    if (o == null || !o.valid()) {
      return null;
    }
    Duration apply = limit(o, APPLY_WITHIN);
    Duration complete = limit(o, COMPLETE_WITHIN);
    Deadline.Then then = o.get(THEN);
    boolean problem = false;
    if (!o.has(APPLY_WITHIN) && !o.has(COMPLETE_WITHIN)) {
      o.problem(
          "",
          "a deadline has applyWithin (its changes made by then), completeWithin (the stage"
              + " complete by then) or both");
      problem = true;
    }
    if (complete != null && soak != null && complete.compareTo(soak) <= 0) {
      o.problem(
          COMPLETE_WITHIN,
          Durations.format(complete)
              + " is not longer than the stage's soak ("
              + Durations.format(soak)
              + "): the deadline would always pass");
      problem = true;
    }
    if (apply != null && complete != null && apply.compareTo(complete) >= 0) {
      o.problem(
          APPLY_WITHIN,
          "is shorter than completeWithin (the stage applies its changes before it completes)");
      problem = true;
    }
    o.done();
    if (problem || (apply == null && complete == null)) {
      return null;
    }
    return new Deadline(apply, complete, then == null ? Deadline.Then.ROLLBACK : then);
  }

  private static Duration limit(Obj o, Field<Duration> field) {
    Duration d = o.get(field);
    if (d != null && !withinLimits(d)) {
      o.problem(field, LIMITS);
      return null;
    }
    return d;
  }
}
