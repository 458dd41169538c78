package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Expect;
import dev.cutover.plan.HeaderExpect;
import dev.cutover.plan.JsonPaths;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures an {@code http} check: sends its request (relative targets against the http connection's
 * base URL, connection headers then the check's), follows redirects only when the check says {@code
 * followRedirects: true} (at most 5, each hop's host checked by the worker's {@link HostPolicy};
 * otherwise a 3xx is the answer judged), reads at most 1 MiB of body, and reports unmet {@code
 * expect}ations and the number at {@code value}. A refused host, or a redirect it will not follow,
 * is an ERROR reading saying why.
 *
 * <p>Thread-safe: stateless apart from the shared {@link HttpCalls}.
 */
final class HttpSource implements MetricSource<Check.HttpProbe> {
  private final HttpCalls http;
  private final Duration cap;

  /**
   * @param cap upper bound on any HTTP timeout, whatever the check says
   */
  HttpSource(HttpCalls http, Duration cap) {
    this.http = http;
    this.cap = cap;
  }

  @Override
  public Class<Check.HttpProbe> sourceType() {
    return Check.HttpProbe.class;
  }

  @Override
  public Reading measure(Check check, Check.HttpProbe probe, Connection connection) {
    String name = check.name();
    Secrets secrets = http.secrets();
    Duration timeout = HttpCalls.min(check.timeout(), cap);
    HttpCalls.Prepared prepared;
    try {
      prepared = http.prepare(probe.call(), connection, HttpCalls.Vars.NONE, null);
    } catch (EffectException e) {
      return Reading.error(name, secrets.redact(e.getMessage()));
    }
    HttpCalls.Answer answer;
    try {
      answer = http.send(prepared.request(), timeout, probe.followRedirects());
    } catch (IOException e) {
      return Reading.error(
          name, secrets.redact(prepared.description() + ": " + HttpCalls.failure(e, timeout)));
    }
    List<String> unmet = new ArrayList<>();
    Expect expect = probe.expect();
    if (expect != null) {
      if (expect.status() == null ? !answer.ok() : expect.status() != answer.status()) {
        unmet.add(
            "status "
                + answer.status()
                + ", expected "
                + (expect.status() == null ? "2xx" : expect.status()));
      }
      if (!expect.json().isEmpty()) {
        unmet.addAll(unmetJson(answer, expect.json()));
      }
      unmet.addAll(unmetHeaders(answer, expect.headers()));
    }
    String reason = "status " + answer.status();
    Double value = null;
    if (probe.valuePath() != null) {
      JsonNode root = answer.json();
      JsonNode at = JsonPaths.read(root, probe.valuePath());
      if (at.isNumber()) {
        value = at.doubleValue();
      } else if (unmet.isEmpty()) {
        // Expectations that failed say more than a missing number; otherwise the number is all.
        String found =
            answer.truncated()
                ? "not read (body larger than 1 MiB)"
                : root == null
                    ? "missing (body is not JSON)"
                    : at.isMissingNode() ? "missing" : at + ", not a number";
        return Reading.noData(
            name, secrets.redact(probe.valuePath() + " is " + found + "; " + reason));
      }
    }
    List<String> redacted = unmet.stream().map(secrets::redact).toList();
    return expect == null
        ? Reading.value(name, value, reason)
        : Reading.expectations(name, value, redacted, reason);
  }

  /**
   * One entry per header expectation that does not hold. The header's actual value is not quoted (a
   * response header may carry a session or a token); how many values it had is.
   */
  static List<String> unmetHeaders(HttpCalls.Answer answer, Map<String, HeaderExpect> expected) {
    List<String> unmet = new ArrayList<>();
    for (Map.Entry<String, HeaderExpect> e : new TreeMap<>(expected).entrySet()) {
      List<String> values = answer.header(e.getKey());
      if (!e.getValue().test(values)) {
        String found =
            values.isEmpty()
                ? "not sent"
                : values.size() == 1 ? "sent with another value" : values.size() + " other values";
        unmet.add("header " + e.getKey() + " is " + found + ", expected " + e.getValue());
      }
    }
    return unmet;
  }

  /** One entry per JSON expectation that does not hold, as an operator would say it. */
  static List<String> unmetJson(HttpCalls.Answer answer, Map<String, JsonNode> expected) {
    List<String> unmet = new ArrayList<>();
    JsonNode root = answer.json();
    // Sorted by path: the plan model does not keep the written order, and a stable message is
    // easier to compare across measurements.
    for (Map.Entry<String, JsonNode> e : new TreeMap<>(expected).entrySet()) {
      JsonNode actual = JsonPaths.read(root, e.getKey());
      if (!JsonPaths.sameValue(actual, e.getValue())) {
        String found =
            answer.truncated()
                ? "not read (body larger than 1 MiB)"
                : root == null
                    ? "missing (body is not JSON)"
                    : actual.isMissingNode() ? "missing" : actual.toString();
        unmet.add(e.getKey() + " is " + found + ", expected " + e.getValue());
      }
    }
    return unmet;
  }
}
