package dev.cutover.plan;

/**
 * What a check may use of the stage it is measured in, filled in by the worker as values, never as
 * text of the plan: bound parameters in SQL ({@link SqlParameters}), numbers we format in a
 * Prometheus query or an HTTP check's request.
 *
 * @param stageStart when the current stage started (epoch milliseconds of workflow time); null
 *     before the first stage
 * @param baseline the check's stage baseline; null when it has none (yet)
 */
public record CheckContext(Long stageStart, Double baseline) {
  /** Nothing known: before the first stage, or a cutover started before stage context. */
  public static final CheckContext NONE = new CheckContext(null, null);
}
