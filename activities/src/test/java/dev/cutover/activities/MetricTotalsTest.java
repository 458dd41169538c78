package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.workflows.MeasureChecksRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A compare check of a statistic (latency) measured from Prometheus: each side's buckets, one
 * series per {@code le}, as Prometheus's HTTP API answers them (served by MockWebServer), through
 * the worker's typed measureChecks activity.
 */
class MetricTotalsTest {
  static final String NEW = "sum by (le) (d_bucket{path=\"v2\"})";
  static final String BASE = "sum by (le) (d_bucket{path=\"v1\"})";
  static final String NEW_SUM = "sum(d_sum{path=\"v2\"})";
  static final String BASE_SUM = "sum(d_sum{path=\"v1\"})";

  private MockWebServer server;
  private CutoverActivitiesImpl activities;
  private final Map<String, MockResponse> answers = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            MockResponse r = answers.get(request.getRequestUrl().queryParameter("query"));
            return r == null ? new MockResponse().setResponseCode(404) : r;
          }
        });
    server.start();
    activities = new CutoverActivitiesImpl(Fixtures.settings(), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() throws IOException {
    activities.close();
    server.shutdown();
  }

  /** A vector of series with the given labels (JSON object text) and values. */
  static String vector(String... labelsAndValues) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < labelsAndValues.length; i += 2) {
      b.append(i > 0 ? "," : "")
          .append("{\"metric\":")
          .append(labelsAndValues[i])
          .append(",\"value\":[1700000000.1,\"")
          .append(labelsAndValues[i + 1])
          .append("\"]}");
    }
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + b + "]}}";
  }

  void answer(String query, String... labelsAndValues) {
    answers.put(query, new MockResponse().setBody(vector(labelsAndValues)));
  }

  void answerAll() {
    answer(NEW, "{\"le\":\"0.1\"}", "50", "{\"le\":\"0.25\"}", "90", "{\"le\":\"+Inf\"}", "100");
    answer(BASE, "{\"le\":\"0.1\"}", "450", "{\"le\":\"0.25\"}", "850", "{\"le\":\"+Inf\"}", "900");
    answer(NEW_SUM, "{}", "12.5");
    answer(BASE_SUM, "{}", "100.25");
  }

  Reading measure(String statistic) {
    boolean mean = statistic.equals("mean");
    Check.Compare.Metric metric =
        new Check.Compare.Metric(
            statistic,
            "s",
            new Check.Compare.Metric.Side(NEW, mean ? NEW_SUM : null, null, null),
            new Check.Compare.Metric.Side(BASE, mean ? BASE_SUM : null, null, null));
    Check check =
        new Check(
            "latency",
            new Check.Compare(
                "prom",
                Check.Compare.Kind.PROMETHEUS,
                null,
                null,
                null,
                null,
                0,
                0.95,
                100,
                Check.Compare.Method.SEQUENTIAL,
                0.05,
                0,
                metric),
            null,
            null,
            Duration.ofSeconds(10));
    Connection prom =
        new Connection(
            "prom", Connection.Kind.PROMETHEUS, server.url("/").toString(), null, null, Map.of());
    return activities
        .measureChecks(
            new MeasureChecksRequest(
                "cutover-lat", List.of(new MeasureChecksRequest.Item(check, prom))))
        .get(0);
  }

  @Test
  void asksEachSidesBucketsAndSumAndNamesEveryBucketByItsBound() throws InterruptedException {
    answerAll();

    Reading r = measure("mean");

    assertThat(r.kind()).isEqualTo(Reading.Kind.VALUE);
    assertThat(r.counts())
        .isEqualTo(
            Map.of(
                "new.le=0.1",
                50.0,
                "new.le=0.25",
                90.0,
                "new.le=+Inf",
                100.0,
                "new.sum",
                12.5,
                "baseline.le=0.1",
                450.0,
                "baseline.le=0.25",
                850.0,
                "baseline.le=+Inf",
                900.0,
                "baseline.sum",
                100.25));
    List<String> asked = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      asked.add(server.takeRequest(1, TimeUnit.SECONDS).getRequestUrl().queryParameter("query"));
    }
    assertThat(asked).containsExactly(NEW, NEW_SUM, BASE, BASE_SUM);
  }

  @Test
  void aQuantileAsksOnlyForTheBuckets() {
    answerAll();

    assertThat(measure("p95").counts()).hasSize(6).doesNotContainKey("new.sum");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void bucketsThatAreNotOneSeriesPerLeAreAnErrorNamingTheSide() {
    answerAll();
    answer(BASE, "{\"le\":\"0.1\",\"pod\":\"a\"}", "1", "{\"le\":\"0.1\",\"pod\":\"b\"}", "2");
    assertThat(measure("p95"))
        .isEqualTo(
            Reading.error(
                "latency",
                "baseline.buckets: several series for le=\"0.1\"; aggregate by le only, e.g. sum"
                    + " by (le) (...)"));

    answer(BASE, "{\"path\":\"v1\"}", "1");
    assertThat(measure("p95"))
        .isEqualTo(
            Reading.error(
                "latency",
                "baseline.buckets: a series without a numeric le label; buckets give one series"
                    + " per le, e.g. sum by (le) (..._bucket{...})"));
  }

  @Test
  void noSeriesIsNoDataNamingTheTotal() {
    answerAll();
    answer(NEW);
    assertThat(measure("p95")).isEqualTo(Reading.noData("latency", "new.buckets: no series"));
  }

  @Test
  void moreBucketsThanAHistogramMayHaveAreAnError() {
    answerAll();
    String[] many = new String[2 * 65];
    for (int i = 0; i < 65; i++) {
      many[2 * i] = "{\"le\":\"" + (i + 1) + "\"}";
      many[2 * i + 1] = "1";
    }
    answer(NEW, many);
    assertThat(measure("p95"))
        .isEqualTo(
            Reading.error(
                "latency",
                "new.buckets: 65 series; at most 64 buckets, one series per le: aggregate by le"
                    + " only"));
  }
}
