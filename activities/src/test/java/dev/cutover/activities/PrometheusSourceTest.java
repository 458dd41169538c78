package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prometheus answers in the shapes its HTTP API really uses (/api/v1/query), served by
 * MockWebServer.
 */
class PrometheusSourceTest {
  private static final String QUERY =
      "sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))";

  private MockWebServer server;
  private CutoverActivitiesImpl activities;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings("PROM_TOKEN", "prom-t0ken"), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() throws IOException {
    activities.close();
    server.shutdown();
  }

  private Reading measure(String extra) {
    Map<String, JsonNode> connections =
        Map.of(
            "prom",
            tree(
                "prometheus: "
                    + server.url("/")
                    + "\nheaders: { Authorization: \"Bearer ${env:PROM_TOKEN}\" }\n"));
    JsonNode check = tree("prometheus: prom\nquery: '" + QUERY + "'\npass: '< 0.05'\n" + extra);
    List<Reading> readings =
        activities.measure(
            new MeasureRequest(
                "cutover-prom",
                List.of(new MeasureRequest.CheckSpec("error_rate", check, connections))));
    return readings.get(0);
  }

  private static String vector(String... samples) {
    StringBuilder result = new StringBuilder();
    for (int i = 0; i < samples.length; i++) {
      if (i > 0) {
        result.append(',');
      }
      result
          .append("{\"metric\":{\"__name__\":\"up\",\"instance\":\"api-")
          .append(i)
          .append(":9090\",\"job\":\"api\"},\"value\":[1700000000.123,\"")
          .append(samples[i])
          .append("\"]}");
    }
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + result
        + "]}}";
  }

  @Test
  void asksAnInstantQueryWithTheConnectionsHeadersAndATimeout() throws InterruptedException {
    server.enqueue(new MockResponse().setBody(vector("0.0123")));

    Reading r = measure("");

    assertThat(r).isEqualTo(Reading.value("error_rate", 0.0123, "1 series"));
    RecordedRequest req = server.takeRequest(1, TimeUnit.SECONDS);
    HttpUrl url = req.getRequestUrl();
    assertThat(req.getMethod()).isEqualTo("GET");
    assertThat(url.encodedPath()).isEqualTo("/api/v1/query");
    assertThat(url.queryParameter("query")).isEqualTo(QUERY);
    assertThat(url.queryParameter("timeout")).isEqualTo("10s");
    assertThat(req.getHeader("Authorization")).isEqualTo("Bearer prom-t0ken");
  }

  @Test
  void anEmptyVectorIsNoData() {
    server.enqueue(new MockResponse().setBody(vector()));

    assertThat(measure("")).isEqualTo(Reading.noData("error_rate", "no series"));
  }

  @Test
  void aScalarIsItsValue() {
    server.enqueue(
        new MockResponse()
            .setBody(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1700000000.123,\"42\"]}}"));

    assertThat(measure("")).isEqualTo(Reading.value("error_rate", 42.0, "scalar"));
  }

  @Test
  void severalSeriesWithoutReduceAreAnError() {
    server.enqueue(new MockResponse().setBody(vector("0.01", "0.2", "0.03")));

    assertThat(measure(""))
        .isEqualTo(Reading.error("error_rate", "3 series; say reduce: max|min|sum|avg"));
  }

  static Stream<Arguments> reductions() {
    return Stream.of(
        Arguments.of("max", Reading.value("error_rate", 0.2, "max of 3 series")),
        Arguments.of("min", Reading.value("error_rate", 0.01, "min of 3 series")),
        Arguments.of("sum", Reading.value("error_rate", 0.24, "sum of 3 series")),
        Arguments.of("avg", Reading.value("error_rate", 0.08, "avg of 3 series")));
  }

  @ParameterizedTest(name = "reduce: {0}")
  @MethodSource("reductions")
  void reduceCombinesSeveralSeries(String reduce, Reading expected) {
    server.enqueue(new MockResponse().setBody(vector("0.01", "0.2", "0.03")));

    Reading r = measure("reduce: " + reduce + "\n");

    assertThat(r.kind()).isEqualTo(Reading.Kind.VALUE);
    assertThat(r.reason()).isEqualTo(expected.reason());
    assertThat(r.value()).isCloseTo(expected.value(), org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void reduceLeavesNaNSeriesOut() {
    server.enqueue(new MockResponse().setBody(vector("0.01", "NaN", "0.03")));

    assertThat(measure("reduce: max\n"))
        .isEqualTo(Reading.value("error_rate", 0.03, "max of 2 series (1 NaN left out)"));
  }

  @Test
  void aNaNSampleIsNoData() {
    // 0/0: a ratio over a window with no requests at all.
    server.enqueue(new MockResponse().setBody(vector("NaN")));

    assertThat(measure("")).isEqualTo(Reading.noData("error_rate", "NaN (1 series)"));
  }

  @Test
  void anInfiniteSampleIsNoData() {
    server.enqueue(new MockResponse().setBody(vector("+Inf")));

    assertThat(measure(""))
        .isEqualTo(Reading.noData("error_rate", "+Inf (1 series; a division by zero?)"));
  }

  @Test
  void anErrorStatusIsAnErrorInPrometheussWords() {
    server.enqueue(
        new MockResponse()
            .setResponseCode(400)
            .setBody(
                "{\"status\":\"error\",\"errorType\":\"bad_data\","
                    + "\"error\":\"invalid parameter \\\"query\\\": 1:6: parse error: unexpected end of input\"}"));

    assertThat(measure(""))
        .isEqualTo(
            Reading.error(
                "error_rate",
                "prometheus prom answered 400: "
                    + "bad_data: invalid parameter \"query\": 1:6: parse error: unexpected end of input"));
  }

  @Test
  void aQueryTimeoutReportedByPrometheusIsAnError() {
    server.enqueue(
        new MockResponse()
            .setResponseCode(503)
            .setBody(
                "{\"status\":\"error\",\"errorType\":\"timeout\","
                    + "\"error\":\"query timed out in expression evaluation\"}"));

    assertThat(measure(""))
        .isEqualTo(
            Reading.error(
                "error_rate",
                "prometheus prom answered 503: timeout: query timed out in expression evaluation"));
  }

  @Test
  void aProxyErrorPageIsAnError() {
    server.enqueue(
        new MockResponse().setResponseCode(502).setBody("<html><body>Bad Gateway</body></html>"));

    assertThat(measure(""))
        .isEqualTo(
            Reading.error(
                "error_rate",
                "prometheus prom answered 502: <html><body>Bad Gateway</body></html>"));
  }

  @Test
  void aRangeVectorIsAnError() {
    server.enqueue(
        new MockResponse()
            .setBody(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
                    + "[{\"metric\":{},\"values\":[[1700000000,\"1\"],[1700000015,\"2\"]]}]}}"));

    assertThat(measure(""))
        .isEqualTo(
            Reading.error(
                "error_rate",
                "result type matrix; a check's query returns an instant vector or a scalar"));
  }

  @Test
  void aHangingPrometheusIsAnErrorWithinTheChecksTimeout() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    long start = System.nanoTime();

    Reading r = measure("timeout: 1s\n");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(r).isEqualTo(Reading.error("error_rate", "prometheus prom: no answer within 1s"));
  }

  @Test
  void anErrorThatEchoesTheTokenIsRedacted() {
    server.enqueue(
        new MockResponse()
            .setResponseCode(401)
            .setBody(
                "{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":\"bad token prom-t0ken\"}"));

    assertThat(measure(""))
        .isEqualTo(
            Reading.error(
                "error_rate", "prometheus prom answered 401: unauthorized: bad token ***"));
  }
}
