package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.StagePlaceholders;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Measures a {@code prometheus} check with an instant query ({@code GET /api/v1/query}): a scalar,
 * or a vector of one series, or several series combined by the check's {@code reduce}.
 *
 * <p>Outcomes: an empty vector is NO_DATA ("no series"); a NaN or infinite sample is NO_DATA (a
 * ratio over no traffic is no evidence either way); several series without {@code reduce}, a range
 * vector or string, a non-200 answer or {@code "status": "error"} are ERROR with Prometheus's own
 * words. With {@code reduce}, NaN samples are left out and only an all-NaN vector is NO_DATA.
 *
 * <p>Thread-safe: stateless apart from the shared {@link HttpCalls}.
 */
final class PrometheusSource implements MetricSource<Check.PromQuery> {
  private final HttpCalls http;
  private final Duration cap;

  /**
   * @param cap upper bound on any HTTP timeout, whatever the check says
   */
  PrometheusSource(HttpCalls http, Duration cap) {
    this.http = http;
    this.cap = cap;
  }

  @Override
  public Class<Check.PromQuery> sourceType() {
    return Check.PromQuery.class;
  }

  @Override
  public Reading measure(Check check, Check.PromQuery query, Connection connection) {
    return measure(check, query, connection, CheckContext.NONE);
  }

  /**
   * As {@link #measure(Check, Check.PromQuery, Connection)}, with the query's stage placeholders
   * ({@link StagePlaceholders}) filled in from {@code context}, as numbers.
   */
  @Override
  public Reading measure(
      Check check, Check.PromQuery query, Connection connection, CheckContext context) {
    String name = check.name();
    String wrong = wrongConnection(query.connectionName(), connection);
    if (wrong != null) {
      return Reading.error(name, wrong);
    }
    String promql = query.query();
    if (StagePlaceholders.uses(promql)) {
      String missing = StagePlaceholders.problem(promql, context);
      if (missing != null) {
        return Reading.error(name, missing);
      }
      promql = StagePlaceholders.fill(promql, context, System.currentTimeMillis());
    }
    Duration timeout = HttpCalls.min(check.timeout(), cap);
    return instant(
        name,
        connection,
        promql,
        query.reduce(),
        timeout,
        timeout,
        n -> n + " series; say reduce: max|min|sum|avg");
  }

  /** Why {@code connection} cannot answer a Prometheus query, or null when it can. */
  static String wrongConnection(String named, Connection connection) {
    if (connection == null) {
      return "no connection named \"" + named + "\"";
    }
    if (connection.kind() != Connection.Kind.PROMETHEUS) {
      return "connection \""
          + connection.name()
          + "\" is "
          + connection.kind().name().toLowerCase(Locale.ROOT)
          + ", not prometheus";
    }
    return null;
  }

  Duration cap() {
    return cap;
  }

  /**
   * One instant query against {@code connection} (a Prometheus connection), bounded by {@code
   * timeout}; a timeout is reported as "no answer within {@code budget}" (the check's whole
   * timeout, of which this query may have only the rest). Several series without {@code reduce} are
   * an ERROR saying {@code several.apply(n)}. Never throws for an unreachable or refusing
   * Prometheus.
   */
  Reading instant(
      String name,
      Connection connection,
      String promql,
      Check.Reduce reduce,
      Duration timeout,
      Duration budget,
      IntFunction<String> several) {
    return query(
        name,
        connection,
        promql,
        timeout,
        budget,
        (where, answer) -> interpret(name, where, answer, reduce, several));
  }

  /** How an answer becomes a reading, given where it came from ("prometheus NAME"). */
  @FunctionalInterface
  interface Interpreter {
    Reading read(String where, HttpCalls.Answer answer);
  }

  /**
   * As {@link #instant}, with the answer read by {@code interpreter} (its reason made secret-free
   * here).
   */
  Reading query(
      String name,
      Connection connection,
      String promql,
      Duration timeout,
      Duration budget,
      Interpreter interpreter) {
    Secrets secrets = http.secrets();
    String where = "prometheus " + connection.name();
    Request request;
    try {
      HttpUrl base = HttpUrl.parse(HttpCalls.resolveUrl(secrets, connection.url(), where));
      if (base == null) {
        return Reading.error(name, where + ": not an http(s) URL once filled in");
      }
      Headers.Builder headers = new Headers.Builder();
      for (Map.Entry<String, String> h : connection.headers().entrySet()) {
        headers.set(h.getKey(), HttpCalls.carried(secrets.resolve(h.getValue()), h.getKey()));
      }
      HttpUrl url =
          base.newBuilder()
              .addPathSegments("api/v1/query")
              .addQueryParameter("query", promql)
              // Prometheus stops evaluating at its own timeout, so a slow query does not outlive
              // us.
              .addQueryParameter("timeout", Math.max(1, timeout.toSeconds()) + "s")
              .build();
      List<String> written = new ArrayList<>(connection.headers().values());
      written.add(connection.url());
      request =
          new Request.Builder()
              .url(url)
              .headers(headers.build())
              .get()
              .tag(
                  HttpCalls.Carried.class,
                  HttpCalls.Carried.of(false, written.toArray(String[]::new)))
              .build();
    } catch (EffectException e) {
      return Reading.error(name, secrets.redact(e.getMessage()));
    } catch (IllegalArgumentException e) {
      return Reading.error(name, where + ": a header has a name or value HTTP cannot carry");
    }
    HttpCalls.Answer answer;
    try {
      answer = http.send(request, timeout);
    } catch (IOException e) {
      return Reading.error(name, secrets.redact(where + ": " + HttpCalls.failure(e, budget)));
    }
    return secretFree(interpreter.read(where, answer), secrets);
  }

  static Reading interpret(
      String name,
      String where,
      HttpCalls.Answer answer,
      Check.Reduce reduce,
      IntFunction<String> several) {
    Reading failed = failed(name, where, answer);
    if (failed != null) {
      return failed;
    }
    JsonNode data = answer.json().path("data");
    String type = data.path("resultType").asText();
    JsonNode result = data.path("result");
    switch (type) {
      case "scalar":
        return sample(name, result, "scalar");
      case "vector":
        {
          int n = result.size();
          if (n == 0) {
            return Reading.noData(name, "no series");
          }
          if (n == 1) {
            return sample(name, result.get(0).path("value"), "1 series");
          }
          if (reduce == null) {
            return Reading.error(name, several.apply(n));
          }
          List<Double> values = new ArrayList<>();
          for (JsonNode series : result) {
            Double v = parse(series.path("value").path(1).asText(null));
            if (v == null) {
              return Reading.error(name, where + ": a sample that is not a number");
            }
            if (!v.isNaN()) {
              values.add(v);
            }
          }
          if (values.isEmpty()) {
            return Reading.noData(name, "NaN in all " + n + " series");
          }
          double r =
              switch (reduce) {
                case MAX -> values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                case MIN -> values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                case SUM -> values.stream().mapToDouble(Double::doubleValue).sum();
                case AVG ->
                    values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
              };
          String how =
              reduce.name().toLowerCase(Locale.ROOT)
                  + " of "
                  + values.size()
                  + " series"
                  + (values.size() < n ? " (" + (n - values.size()) + " NaN left out)" : "");
          return finite(name, r, how);
        }
      default:
        return Reading.error(
            name,
            "result type "
                + (type.isEmpty() ? "missing" : type)
                + "; a check's query returns an instant vector or a scalar");
    }
  }

  /** The reading for an answer that is not a successful query result; null when it is one. */
  static Reading failed(String name, String where, HttpCalls.Answer answer) {
    if (answer.truncated()) {
      return Reading.error(
          name, where + ": answer larger than 1 MiB; aggregate the query to fewer series");
    }
    JsonNode root = answer.json();
    if (answer.status() != 200 || root == null || !"success".equals(root.path("status").asText())) {
      String detail;
      if (root != null && root.hasNonNull("error")) {
        detail =
            (root.hasNonNull("errorType") ? root.get("errorType").asText() + ": " : "")
                + HttpCalls.firstLine(root.get("error").asText());
      } else {
        detail = answer.snippet();
      }
      return Reading.error(
          name, where + " answered " + answer.status() + (detail.isEmpty() ? "" : ": " + detail));
    }
    return null;
  }

  /** A {@code [timestamp, "value"]} pair. */
  private static Reading sample(String name, JsonNode pair, String how) {
    Double v = parse(pair.path(1).asText(null));
    if (v == null) {
      return Reading.error(name, "sample is not a number: " + pair);
    }
    return finite(name, v, how);
  }

  private static Reading finite(String name, double v, String how) {
    if (Double.isNaN(v)) {
      return Reading.noData(name, "NaN (" + how + ")");
    }
    if (Double.isInfinite(v)) {
      return Reading.noData(
          name, (v > 0 ? "+Inf" : "-Inf") + " (" + how + "; a division by zero?)");
    }
    return Reading.value(name, v, how);
  }

  /** Prometheus writes samples as strings: numbers, {@code NaN}, {@code +Inf}, {@code -Inf}. */
  static Double parse(String text) {
    if (text == null) {
      return null;
    }
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          return null;
        }
    }
  }

  private static Reading secretFree(Reading r, Secrets secrets) {
    return new Reading(
        r.check(), r.kind(), r.value(), r.unmet(), secrets.redact(r.reason()), r.counts());
  }
}
