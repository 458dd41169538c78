package dev.cutover.activities;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;

/**
 * Where one kind of check gets its number: the plug-in boundary between a check as the plan states
 * it and the system that answers it. A source measures; judging the reading against {@code pass} is
 * shared and happens elsewhere ({@link dev.cutover.engine.Judge}). Each source is registered in
 * {@link MetricSources} under its {@link #sourceType}, the kind of {@link Check.Source} it
 * measures.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #measure} never throws for a source that is unreachable, slow or refuses the
 *       question: that is {@code Reading.error(check, reason)} with a short reason, free of any
 *       secret. An empty answer is {@code Reading.noData}.
 *   <li>It returns within the check's {@code timeout} (plus, for a database, the time to open a
 *       connection, at most 5 s).
 *   <li>{@code connection} is as the plan wrote it ({@code ${env:NAME}} unresolved, null for a
 *       check that names none); the source resolves it at the moment of use.
 *   <li>It changes nothing: a measurement may be repeated any number of times.
 * </ul>
 *
 * Implementations are thread-safe: one instance measures for every cutover on a worker.
 *
 * @param <S> the kind of check source it measures
 */
public interface MetricSource<S extends Check.Source> {
  /** The kind of check source this one measures: its key in {@link MetricSources}. */
  Class<S> sourceType();

  /** Measures {@code check}, whose source is {@code source}. */
  Reading measure(Check check, S source, Connection connection);

  /**
   * Measures {@code check} with what it may use of its stage ({@code context}: the stage's start,
   * its baseline), which a source passes as values (bound parameters, numbers it formats), never as
   * text from the plan. A source that uses none of it measures as {@link #measure(Check, Source,
   * Connection)} does.
   */
  default Reading measure(Check check, S source, Connection connection, CheckContext context) {
    return measure(check, source, connection);
  }

  /**
   * Measures {@code check} if its source is of this one's kind; else an ERROR reading saying so.
   */
  default Reading measure(Check check, Connection connection) {
    return measure(check, connection, CheckContext.NONE);
  }

  /** {@link #measure(Check, Connection)} in the stage {@code context} describes. */
  default Reading measure(Check check, Connection connection, CheckContext context) {
    if (!sourceType().isInstance(check.source())) {
      return Reading.error(check.name(), "not a check " + getClass().getSimpleName() + " measures");
    }
    return measure(
        check,
        sourceType().cast(check.source()),
        connection,
        context == null ? CheckContext.NONE : context);
  }
}
