package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.ContinuousCompare;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures a compare check of a continuous metric: each side's running totals, named as {@link
 * ContinuousCompare} reads them. Judging them is the engine's.
 *
 * <ul>
 *   <li>SQL: {@code count}, {@code sum} and {@code sumOfSquares} of each side, through {@link
 *       SqlSource#counts} (one transaction, one snapshot, under the walls of every SQL check).
 *   <li>Prometheus: each side's {@code buckets} query, which must give one series per {@code le}
 *       label (at most {@link ContinuousCompare#MAX_BUCKETS}), and its {@code sum} for the mean;
 *       one query after the other, sharing the check's timeout.
 * </ul>
 *
 * The first total that cannot be read decides the reading, its reason starting with the total's
 * name ({@code "baseline.buckets: no series"}). Thread-safe: stateless apart from the sources.
 */
final class MetricTotals {
  private final SqlSource sql;
  private final PrometheusSource prometheus;

  MetricTotals(SqlSource sql, PrometheusSource prometheus) {
    this.sql = sql;
    this.prometheus = prometheus;
  }

  /** Each side's queries, named {@code new.count}, {@code baseline.buckets} and so on. */
  static Map<String, String> queries(Check.Compare.Metric m) {
    Map<String, String> q = new LinkedHashMap<>();
    m.news().queries().forEach((k, v) -> q.put(ContinuousCompare.key(ContinuousCompare.NEW, k), v));
    m.baseline()
        .queries()
        .forEach((k, v) -> q.put(ContinuousCompare.key(ContinuousCompare.BASELINE, k), v));
    return q;
  }

  Reading measure(Check check, Check.Compare compare, Connection connection) {
    String name = check.name();
    Map<String, String> queries = queries(compare.metric());
    if (compare.kind() == Check.Compare.Kind.SQL) {
      return sql.counts(name, compare.connectionName(), connection, queries, check.timeout());
    }
    String wrong = PrometheusSource.wrongConnection(compare.connectionName(), connection);
    if (wrong != null) {
      return Reading.error(name, wrong);
    }
    Duration timeout = HttpCalls.min(check.timeout(), prometheus.cap());
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Double> totals = new LinkedHashMap<>();
    for (Map.Entry<String, String> q : queries.entrySet()) {
      String total = q.getKey();
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis < 1) {
        return Reading.error(
            name,
            total
                + ": the check's timeout of "
                + Durations.format(timeout)
                + " ran out before this total was asked");
      }
      boolean buckets = total.endsWith(".buckets");
      String side = total.substring(0, total.indexOf('.'));
      Reading r =
          prometheus.query(
              name,
              connection,
              q.getValue(),
              Duration.ofMillis(leftMillis),
              timeout,
              buckets
                  ? (where, answer) -> buckets(name, where, answer, side)
                  : (where, answer) ->
                      PrometheusSource.interpret(
                          name,
                          where,
                          answer,
                          null,
                          n -> n + " series; a sum is one number: aggregate it, e.g. sum(...)"));
      if (r.kind() != Reading.Kind.VALUE) {
        return new Reading(name, r.kind(), null, r.unmet(), total + ": " + r.reason(), null);
      }
      if (buckets) {
        totals.putAll(r.counts());
      } else {
        totals.put(total, r.value());
      }
    }
    return Reading.counts(name, totals, "");
  }

  /** One side's bucket counts from a vector with one series per {@code le}. */
  static Reading buckets(String name, String where, HttpCalls.Answer answer, String side) {
    Reading failed = PrometheusSource.failed(name, where, answer);
    if (failed != null) {
      return failed;
    }
    JsonNode data = answer.json().path("data");
    if (!"vector".equals(data.path("resultType").asText())) {
      return Reading.error(
          name, "buckets are an instant vector, one series per le, e.g. sum by (le) (..._bucket)");
    }
    JsonNode result = data.path("result");
    if (result.isEmpty()) {
      return Reading.noData(name, "no series");
    }
    if (result.size() > ContinuousCompare.MAX_BUCKETS) {
      return Reading.error(
          name,
          result.size()
              + " series; at most "
              + ContinuousCompare.MAX_BUCKETS
              + " buckets, one series per le: aggregate by le only");
    }
    Map<String, Double> counts = new LinkedHashMap<>();
    for (JsonNode series : result) {
      JsonNode le = series.path("metric").path("le");
      if (!le.isTextual() || ContinuousCompare.bound(le.asText()) == null) {
        return Reading.error(
            name,
            "a series without a numeric le label; buckets give one series per le, e.g. sum by"
                + " (le) (..._bucket{...})");
      }
      String key = ContinuousCompare.key(side, ContinuousCompare.LE + le.asText());
      if (series.path("metric").size() > 1 || counts.containsKey(key)) {
        return Reading.error(
            name,
            "several series for le=\""
                + le.asText()
                + "\"; aggregate by le only, e.g. sum by (le) (...)");
      }
      Double v = PrometheusSource.parse(series.path("value").path(1).asText(null));
      if (v == null) {
        return Reading.error(name, where + ": a sample that is not a number");
      }
      counts.put(key, v);
    }
    return new Reading(name, Reading.Kind.VALUE, null, List.of(), "", counts);
  }
}
