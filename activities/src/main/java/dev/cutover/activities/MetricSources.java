package dev.cutover.activities;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker's {@link MetricSource}s, keyed by the kind of {@link Check.Source} each measures. A
 * new kind of check needs a record implementing {@code Check.Source} and a source registered here;
 * the registry refuses to be built without one for every kind, so a kind cannot be forgotten.
 *
 * <p>Immutable and thread-safe.
 */
final class MetricSources {
  private final Map<Class<? extends Check.Source>, MetricSource<?>> bySource =
      new LinkedHashMap<>();

  /**
   * @throws IllegalArgumentException when two sources measure the same kind, or a kind of check
   *     source has none
   */
  MetricSources(List<MetricSource<?>> sources) {
    for (MetricSource<?> s : sources) {
      if (bySource.put(s.sourceType(), s) != null) {
        throw new IllegalArgumentException(
            "two metric sources for " + s.sourceType().getSimpleName());
      }
    }
    List<String> missing =
        Arrays.stream(Check.Source.class.getPermittedSubclasses())
            .filter(k -> !bySource.containsKey(k))
            .map(Class::getSimpleName)
            .toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("no metric source for " + String.join(", ", missing));
    }
  }

  /** The source that measures checks like {@code check}. */
  MetricSource<?> sourceFor(Check check) {
    return bySource.get(check.source().getClass());
  }

  /**
   * Measures {@code check} with the source registered for its kind; never throws for a source that
   * is down.
   */
  Reading measure(Check check, Connection connection) {
    return measure(check, connection, CheckContext.NONE);
  }

  /** {@link #measure(Check, Connection)} with what the check may use of its stage. */
  Reading measure(Check check, Connection connection, CheckContext context) {
    return sourceFor(check).measure(check, connection, context);
  }
}
