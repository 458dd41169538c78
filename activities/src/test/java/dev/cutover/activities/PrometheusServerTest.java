package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.Outcome;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.engine.State;
import dev.cutover.engine.Step;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.MeasureChecksRequest;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Gates on a real Prometheus (CUTOVER_TEST_PROMETHEUS_BIN, scraping every second) that scrapes a
 * metrics endpoint whose counters the test drives exactly, judged by the pure engine in real time
 * (RealTimeCutover): a sustained breach of a {@code rate(...)} or {@code histogram_quantile(...)}
 * rule with {@code for: 6s} rolls back; one bad scrape inside the window does not; no series is
 * NO_DATA (and holds the cutover); several series without {@code reduce} is an ERROR.
 *
 * <p>Each test drives series of its own ({@code scenario} label), so they do not disturb each
 * other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusServerTest {
  private static final Duration WINDOW = Duration.ofSeconds(3);
  private static Process prometheus;
  private static Path dir;
  private static Metrics metrics;
  private static String prometheusUrl;
  private static CutoverActivitiesImpl activities;

  @BeforeAll
  static void startPrometheus() throws Exception {
    String bin = System.getenv("CUTOVER_TEST_PROMETHEUS_BIN");
    if (bin == null || bin.isBlank()) {
      if ("1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
        fail(
            "CUTOVER_TEST_PROMETHEUS_BIN is not set, but CUTOVER_TEST_REQUIRE_SERVICES=1: run ./run-tests");
      }
      return;
    }
    metrics = Metrics.start();
    // 100 requests a second on every path of every scenario, from the start, so that rates exist.
    for (String scenario : List.of("sustained", "blip", "nodata-neighbour")) {
      metrics.rate("app_requests_total{scenario=\"" + scenario + "\",path=\"v2\"}", 100);
      metrics.rate("app_errors_total{scenario=\"" + scenario + "\",path=\"v2\"}", 0);
    }
    metrics.rate("app_requests_total{scenario=\"compare\",path=\"v1\"}", 900);
    metrics.rate("app_errors_total{scenario=\"compare\",path=\"v1\"}", 9);
    metrics.rate("app_requests_total{scenario=\"compare\",path=\"v2\"}", 100);
    metrics.rate("app_errors_total{scenario=\"compare\",path=\"v2\"}", 10);
    fastLatency();
    metrics.rate("app_shard_calls_total{shard=\"a\"}", 1);
    metrics.rate("app_shard_calls_total{shard=\"b\"}", 2);
    metrics.rate("app_shard_calls_total{shard=\"c\"}", 3);

    dir = Files.createTempDirectory("cutover-prometheus-");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
          evaluation_interval: 1s
        scrape_configs:
          - job_name: test
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(metrics.port()));
    int port = Fixtures.closedPort();
    prometheusUrl = "http://127.0.0.1:" + port;
    prometheus =
        new ProcessBuilder(
                bin,
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1h")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(Map.of("CUTOVER_ALLOWED_HOSTS", "127.0.0.1")),
            Duration.ofSeconds(10));
    // Ready once a rate over the window can be computed: a few scrapes in.
    awaitValue(
        "count_over_time(app_requests_total{scenario=\"blip\"}[" + WINDOW.toSeconds() + "s])",
        3,
        Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopPrometheus() throws Exception {
    if (activities != null) {
      activities.close();
    }
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (metrics != null) {
      metrics.stop();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void assumeStarted() {
    Assumptions.assumeTrue(
        prometheus != null, "CUTOVER_TEST_PROMETHEUS_BIN is not set; run ./run-tests");
  }

  private static void fastLatency() {
    // 100 observations a second, every one under 0.1 s.
    for (String le : List.of("0.1", "0.5", "1", "+Inf")) {
      metrics.rate("app_latency_seconds_bucket{scenario=\"latency\",le=\"" + le + "\"}", 100);
    }
  }

  private static void slowLatency() {
    // The same traffic, every observation now between 0.5 s and 1 s.
    metrics.rate("app_latency_seconds_bucket{scenario=\"latency\",le=\"0.1\"}", 0);
    metrics.rate("app_latency_seconds_bucket{scenario=\"latency\",le=\"0.5\"}", 0);
  }

  /**
   * A plan with check {@code gate} (and {@code ok}, which always passes), one canary stage whose
   * traffic the driver applies, {@code gates} as its gates and {@code watch} as its one watch rule.
   */
  private static String plan(String name, String gateYaml, String gates, String watch) {
    return """
        version: 1
        name: %s
        connections:
          prom: { prometheus: "%s" }
          flags: { http: "http://127.0.0.1:1" }
        checks:
          ok: { prometheus: prom, query: "vector(0)", pass: "== 0" }
          gate:
        %s
        traffic:
          set: { http: "PUT flags:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
        stages:
          - { name: canary, percent: 10, soak: 5m, every: 1s, gates: [%s] }
        watch:
          - %s
        rollback: { percent: 0 }
        """
        .formatted(name, prometheusUrl, gateYaml.indent(4).stripTrailing(), gates, watch);
  }

  private static final String WATCH_GATE = "{ check: gate, every: 1s, for: 6s }";

  private static String errorRatio(String scenario) {
    return """
        prometheus: prom
        query: 'sum(rate(app_errors_total{scenario="%1$s"}[3s])) / sum(rate(app_requests_total{scenario="%1$s"}[3s]))'
        pass: "< 0.05"
        timeout: 2s
        """
        .formatted(scenario);
  }

  private static boolean rolledBack(RealTimeCutover c) {
    return c.phases.contains(State.ROLLING_BACK);
  }

  // ------------------------------------------------------------------ rate(...)

  @Test
  void aSustainedErrorRateAboveThresholdForTheWholeWindowRollsBack() {
    assumeStarted();
    RealTimeCutover cutover =
        new RealTimeCutover(
            plan("prom-sustained", errorRatio("sustained"), "ok", WATCH_GATE), activities);
    cutover.start("carol");
    assertThat(
            cutover.runUntil(
                c -> c.of("watch[0]").stream().anyMatch(m -> m.outcome() == Outcome.PASS),
                Duration.ofSeconds(10)))
        .as("a first passing measurement")
        .isTrue();

    metrics.rate("app_errors_total{scenario=\"sustained\",path=\"v2\"}", 20);

    assertThat(cutover.runUntil(PrometheusServerTest::rolledBack, Duration.ofSeconds(25)))
        .as("rolled back; measurements: %s", cutover.of("watch[0]"))
        .isTrue();
    List<Measurement> watch = cutover.of("watch[0]");
    Measurement firstFail =
        watch.stream().filter(m -> m.outcome() == Outcome.FAIL).findFirst().orElseThrow();
    Measurement last = watch.get(watch.size() - 1);
    // Every measurement from the first failure on failed, and the breach needed the whole window.
    assertThat(watch.subList(watch.indexOf(firstFail), watch.size()))
        .allMatch(m -> m.outcome() == Outcome.FAIL);
    assertThat(last.at() - firstFail.at())
        .as("%s; rollback %s", watch, cutover.state().rollback())
        .isBetween(5_000L, 8_000L);
    assertThat(last.value()).isCloseTo(0.2, offset(1e-9));
    assertThat(last.reason()).isEqualTo("0.2 fails < 0.05");
    // The rollback's first effect puts traffic back to 0%.
    Step undo = cutover.applied.get(cutover.applied.size() - 1);
    assertThat(undo.kind()).isEqualTo(Step.Kind.TRAFFIC);
    assertThat(undo.percent()).isZero();
    assertThat(cutover.state().rollback().reason()).contains("gate");
  }

  @Test
  void aSingleBadScrapeInsideTheWindowDoesNotRollBack() {
    assumeStarted();
    RealTimeCutover cutover =
        new RealTimeCutover(plan("prom-blip", errorRatio("blip"), "ok", WATCH_GATE), activities);
    cutover.start("carol");
    assertThat(
            cutover.runUntil(
                c -> c.of("watch[0]").stream().anyMatch(m -> m.outcome() == Outcome.PASS),
                Duration.ofSeconds(10)))
        .isTrue();

    // One scrape sees 300 extra errors at once (a burst), then errors stop again.
    metrics.bump("app_errors_total{scenario=\"blip\",path=\"v2\"}", 300);
    cutover.runFor(Duration.ofSeconds(13));

    List<Measurement> watch = cutover.of("watch[0]");
    assertThat(watch).as("the burst was seen").anyMatch(m -> m.outcome() == Outcome.FAIL);
    int firstFail = indexOf(watch, Outcome.FAIL);
    assertThat(watch.subList(firstFail, watch.size()))
        .as("and passed off")
        .anyMatch(m -> m.outcome() == Outcome.PASS);
    assertThat(watch.get(watch.size() - 1).outcome()).isEqualTo(Outcome.PASS);
    assertThat(cutover.phases).doesNotContain(State.ROLLING_BACK);
    assertThat(cutover.state().phase()).isEqualTo(State.SOAKING);
    assertThat(cutover.state().rules().get("watch[0]").breachedSince()).isNull();
    assertThat(cutover.applied).extracting(Step::percent).containsExactly(10);
  }

  // ------------------------------------------------------------------ histogram_quantile(...)

  @Test
  void aSustainedP95LatencyAboveThresholdRollsBack() {
    assumeStarted();
    String p95 =
        """
        prometheus: prom
        query: 'histogram_quantile(0.95, sum by (le) (rate(app_latency_seconds_bucket{scenario="latency"}[3s])))'
        pass: "< 0.5"
        timeout: 2s
        """;
    RealTimeCutover cutover =
        new RealTimeCutover(plan("prom-latency", p95, "ok", WATCH_GATE), activities);
    cutover.start("carol");
    assertThat(
            cutover.runUntil(
                c -> c.of("watch[0]").stream().anyMatch(m -> m.outcome() == Outcome.PASS),
                Duration.ofSeconds(10)))
        .isTrue();
    assertThat(cutover.of("watch[0]").get(0).value()).isCloseTo(0.095, offset(1e-9));

    slowLatency();
    try {
      assertThat(cutover.runUntil(PrometheusServerTest::rolledBack, Duration.ofSeconds(25)))
          .as("rolled back; measurements: %s", cutover.of("watch[0]"))
          .isTrue();
    } finally {
      fastLatency();
    }
    List<Measurement> watch = cutover.of("watch[0]");
    Measurement last = watch.get(watch.size() - 1);
    // All of the window's observations are in the (0.5, 1] bucket: 0.5 + 0.95 * 0.5.
    assertThat(last.value()).isCloseTo(0.975, offset(1e-9));
    assertThat(last.reason()).isEqualTo("0.975 fails < 0.5");
    assertThat(last.at() - watch.get(indexOf(watch, Outcome.FAIL)).at()).isBetween(5_000L, 8_000L);
  }

  // ------------------------------------------------------------------ no series, several series

  @Test
  void aQueryWithNoSeriesIsNoDataAndAfterErrorLimitTheCutoverHoldsWithoutSoaking() {
    assumeStarted();
    String absent =
        """
        prometheus: prom
        query: 'sum(rate(app_requests_total{scenario="absent"}[3s]))'
        pass: "> 0"
        """;
    RealTimeCutover cutover =
        new RealTimeCutover(
            plan("prom-absent", absent, "gate", "{ check: ok, every: 1s }"), activities);
    cutover.start("carol");

    assertThat(
            cutover.runUntil(c -> c.state().displayState() == State.HELD, Duration.ofSeconds(10)))
        .isTrue();

    assertThat(cutover.of("stages[0].gates[0]"))
        .hasSize(3)
        .allSatisfy(
            m -> {
              assertThat(m.outcome()).isEqualTo(Outcome.NO_DATA);
              assertThat(m.reason()).isEqualTo("no series");
            });
    CutoverState s = cutover.state();
    assertThat(s.holds())
        .extracting(CutoverState.Hold::kind)
        .containsExactly(CutoverState.Hold.Kind.INCONCLUSIVE);
    assertThat(s.soak().accumulated()).isZero();
    assertThat(s.soak().runningSince()).isNull();
    assertThat(cutover.phases).doesNotContain(State.ROLLING_BACK);
  }

  @Test
  void severalSeriesWithoutReduceAreAnErrorAndWithReduceOneNumber() {
    assumeStarted();
    String query = "rate(app_shard_calls_total[3s])";

    Reading several = measure("shards", "prometheus: prom\nquery: '" + query + "'\npass: '< 10'\n");
    Reading summed =
        measure("shards", "prometheus: prom\nquery: '" + query + "'\nreduce: sum\npass: '< 10'\n");

    assertThat(several).isEqualTo(Reading.error("shards", "3 series; say reduce: max|min|sum|avg"));
    assertThat(summed.kind()).isEqualTo(Reading.Kind.VALUE);
    assertThat(summed.reason()).isEqualTo("sum of 3 series");
    assertThat(summed.value()).isCloseTo(6.0, offset(0.3));
  }

  @Test
  void aCompareOfTwoLabelValuesIsJudgedByTheProportionTest() {
    assumeStarted();
    String yaml =
        """
        compare:
          prometheus: prom
          new:      { failures: 'sum(increase(app_errors_total{scenario="compare",path="v2"}[3s]))', total: 'sum(increase(app_requests_total{scenario="compare",path="v2"}[3s]))' }
          baseline: { failures: 'sum(increase(app_errors_total{scenario="compare",path="v1"}[3s]))', total: 'sum(increase(app_requests_total{scenario="compare",path="v1"}[3s]))' }
          margin: 0.02
          minSamples: 100
        """;

    Reading r = measure("v2_vs_v1", yaml);

    assertThat(r.kind()).as(r.toString()).isEqualTo(Reading.Kind.VALUE);
    assertThat(r.counts().get("newTotal")).isCloseTo(300.0, offset(30.0));
    assertThat(r.counts().get("baseTotal")).isCloseTo(2700.0, offset(270.0));
    Check.Compare spec = (Check.Compare) PlanReader.check("v2_vs_v1", tree(yaml)).source();
    Measurement m = ProportionTest.judge(spec, r, 1L);
    assertThat(m.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(m.reason())
        .startsWith(
            "new 10% vs baseline 1% (+9 points): worse by more than 2 points at 95% confidence (z=");
  }

  @Test
  void theStagePlaceholdersReachPrometheusAsNumbersItEvaluates() {
    assumeStarted();
    long stageStart = System.currentTimeMillis() - 60_000;
    Check check =
        PlanReader.check(
            "since_stage",
            tree(
                "prometheus: prom\n"
                    + "query: 'vector(${baseline}) * 2"
                    + " + 0 * count_over_time(vector(1)[${stage_age}:10s] @ ${stage_start})'\n"));
    Connection prom =
        new Connection("prom", Connection.Kind.PROMETHEUS, prometheusUrl, null, null, Map.of());
    Reading r =
        activities
            .measureChecks(
                new MeasureChecksRequest(
                    "cutover-prom",
                    List.of(
                        new MeasureChecksRequest.Item(
                            check, prom, new CheckContext(stageStart, 0.25)))))
            .get(0);
    // Parsed and evaluated by Prometheus: the baseline doubled; the range and @ are valid PromQL.
    assertThat(r).isEqualTo(Reading.value("since_stage", 0.5, "1 series"));

    Reading before =
        activities
            .measureChecks(
                new MeasureChecksRequest(
                    "cutover-prom",
                    List.of(new MeasureChecksRequest.Item(check, prom, CheckContext.NONE))))
            .get(0);
    assertThat(before)
        .isEqualTo(
            Reading.error(
                "since_stage", "${baseline} has no value yet (no stage baseline captured)"));
  }

  // ------------------------------------------------------------------ helpers

  private static Reading measure(String name, String yaml) {
    Map<String, JsonNode> connections = Map.of("prom", tree("prometheus: " + prometheusUrl + "\n"));
    return activities
        .measure(
            new MeasureRequest(
                "cutover-prom",
                List.of(new MeasureRequest.CheckSpec(name, tree(yaml), connections))))
        .get(0);
  }

  private static int indexOf(List<Measurement> ms, Outcome outcome) {
    for (int i = 0; i < ms.size(); i++) {
      if (ms.get(i).outcome() == outcome) {
        return i;
      }
    }
    throw new AssertionError("no " + outcome + " in " + ms);
  }

  /** Waits until Prometheus answers {@code query} with a value of at least {@code atLeast}. */
  private static void awaitValue(String query, double atLeast, Duration timeout) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(
                        URI.create(
                            prometheusUrl
                                + "/api/v1/query?query="
                                + java.net.URLEncoder.encode(query, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        last = r.body();
        JsonNode result = HttpCalls.JSON.readTree(r.body()).path("data").path("result");
        if (result.size() > 0 && result.get(0).path("value").path(1).asDouble() >= atLeast) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      if (!prometheus.isAlive()) {
        fail("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      Thread.sleep(250);
    }
    fail(
        "prometheus not ready within "
            + timeout
            + ": "
            + last
            + "\n"
            + Files.readString(dir.resolve("prometheus.log")));
  }

  /**
   * A /metrics endpoint whose counters grow at rates the test sets, exactly: each scrape adds rate
   * x elapsed time to every series at the same instant, so ratios of series are exact.
   */
  static final class Metrics {
    private final HttpServer server;
    private final Map<String, double[]> series =
        new LinkedHashMap<>(); // name -> {value, rate, bump}
    private long last = System.nanoTime();

    private Metrics(HttpServer server) {
      this.server = server;
    }

    static Metrics start() throws IOException {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      Metrics m = new Metrics(server);
      server.createContext(
          "/metrics",
          ex -> {
            byte[] body = m.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          });
      server.start();
      return m;
    }

    int port() {
      return server.getAddress().getPort();
    }

    synchronized void rate(String name, double perSecond) {
      advance();
      series.computeIfAbsent(name, n -> new double[3])[1] = perSecond;
    }

    /** Adds {@code amount} to a series at the next scrape only (a burst seen by one scrape). */
    synchronized void bump(String name, double amount) {
      series.get(name)[2] += amount;
    }

    private void advance() {
      long now = System.nanoTime();
      double seconds = (now - last) / 1e9;
      last = now;
      for (double[] s : series.values()) {
        s[0] += s[1] * seconds;
      }
    }

    private synchronized String scrape() {
      advance();
      StringBuilder out = new StringBuilder();
      for (Map.Entry<String, double[]> e : series.entrySet()) {
        double[] s = e.getValue();
        s[0] += s[2];
        s[2] = 0;
        out.append(e.getKey()).append(' ').append(s[0]).append('\n');
      }
      return out.toString();
    }

    void stop() {
      server.stop(0);
    }
  }
}
