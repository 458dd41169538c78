package dev.cutover.activities;

import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures a {@code compare} check: the four counts (failures and totals of the new path and of the
 * baseline) from one connection, returned as {@link Reading#counts} keyed by {@link
 * ProportionTest#COUNTS}. Judging them (the two-proportion test, {@code minSamples}) is the
 * engine's, not this source's.
 *
 * <ul>
 *   <li>SQL: the four queries run through {@link SqlSource#counts} under the same walls as any SQL
 *       check (one statement each, a query, read-only transaction, statement and lock timeouts), in
 *       one transaction so that they see one snapshot.
 *   <li>Prometheus: four instant queries, one after the other, sharing the check's timeout. Each
 *       must give one sample (a scalar or a one-series vector); {@code reduce} does not apply, so
 *       several series are an ERROR asking for an aggregation.
 * </ul>
 *
 * The first count that cannot be read decides the reading: ERROR or NO_DATA, its reason starting
 * with the count's name ({@code "baseTotal: no series"}). Never throws for a source that is down.
 *
 * <p>A compare check of a continuous metric is measured by {@link MetricTotals}.
 *
 * <p>Thread-safe: stateless apart from the shared sources.
 */
final class CompareSource implements MetricSource<Check.Compare> {
  private final SqlSource sql;
  private final PrometheusSource prometheus;
  private final MetricTotals metrics;

  CompareSource(SqlSource sql, PrometheusSource prometheus) {
    this.sql = sql;
    this.prometheus = prometheus;
    this.metrics = new MetricTotals(sql, prometheus);
  }

  /** The count queries in {@link ProportionTest#COUNTS} order. */
  static Map<String, String> queries(Check.Compare c) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put(ProportionTest.NEW_FAILURES, c.newFailures());
    q.put(ProportionTest.NEW_TOTAL, c.newTotal());
    q.put(ProportionTest.BASE_FAILURES, c.baseFailures());
    q.put(ProportionTest.BASE_TOTAL, c.baseTotal());
    return q;
  }

  @Override
  public Class<Check.Compare> sourceType() {
    return Check.Compare.class;
  }

  @Override
  public Reading measure(Check check, Check.Compare compare, Connection connection) {
    String name = check.name();
    if (compare.metric() != null) {
      return metrics.measure(check, compare, connection);
    }
    if (compare.kind() == Check.Compare.Kind.SQL) {
      return sql.counts(
          name, compare.connectionName(), connection, queries(compare), check.timeout());
    }
    String wrong = PrometheusSource.wrongConnection(compare.connectionName(), connection);
    if (wrong != null) {
      return Reading.error(name, wrong);
    }
    Duration timeout = HttpCalls.min(check.timeout(), prometheus.cap());
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Double> counts = new LinkedHashMap<>();
    for (Map.Entry<String, String> q : queries(compare).entrySet()) {
      String count = q.getKey();
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis < 1) {
        return Reading.error(
            name,
            count
                + ": the check's timeout of "
                + Durations.format(timeout)
                + " ran out before this count was asked");
      }
      Reading r =
          prometheus.instant(
              name,
              connection,
              q.getValue(),
              null,
              Duration.ofMillis(leftMillis),
              timeout,
              n -> n + " series; a compare count is one number: aggregate it, e.g. sum(...)");
      if (r.kind() != Reading.Kind.VALUE) {
        return new Reading(name, r.kind(), null, r.unmet(), count + ": " + r.reason(), null);
      }
      counts.put(count, r.value());
    }
    return Reading.counts(name, counts, "");
  }
}
