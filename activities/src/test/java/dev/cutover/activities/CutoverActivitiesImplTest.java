package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The measure activity's own promises: order, concurrency, and no throwing for bad checks. */
class CutoverActivitiesImplTest {
  private MockWebServer server;
  private CutoverActivitiesImpl activities;
  private Map<String, JsonNode> connections;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            MockResponse r =
                new MockResponse()
                    .setBody("{\"n\": " + path.substring(path.lastIndexOf('/') + 1) + "}");
            return path.startsWith("/slow/") ? r.setHeadersDelay(1200, TimeUnit.MILLISECONDS) : r;
          }
        });
    server.start();
    // DB_PASSWORD is allowed but not set.
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(Secrets.ALLOWED, "DB_PASSWORD"), Duration.ofSeconds(10));
    connections =
        Map.of(
            "app", tree("http: " + server.url("/") + "\n"),
            "db",
                tree(
                    "postgres: jdbc:postgresql://127.0.0.1:1/x\nuser: u\npassword: ${env:DB_PASSWORD}\n"));
  }

  @AfterEach
  void stop() throws IOException {
    activities.close();
    server.shutdown();
  }

  private MeasureRequest.CheckSpec http(String name, String path) {
    return new MeasureRequest.CheckSpec(
        name, tree("http: GET app:" + path + "\nvalue: $.n\npass: '> 0'\n"), connections);
  }

  @Test
  void measuresChecksConcurrentlyAndAnswersInRequestOrder() {
    MeasureRequest request =
        new MeasureRequest(
            "cutover-x",
            List.of(
                http("first", "/slow/1"),
                http("second", "/fast/2"),
                http("third", "/slow/3"),
                http("fourth", "/slow/4")));
    long start = System.nanoTime();

    List<Reading> readings = activities.measure(request);

    assertThat(readings)
        .containsExactly(
            Reading.value("first", 1.0, "status 200"), Reading.value("second", 2.0, "status 200"),
            Reading.value("third", 3.0, "status 200"), Reading.value("fourth", 4.0, "status 200"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2400));
  }

  @Test
  void anInvalidCheckIsAnErrorReadingWithItsProblemsNotAFailedActivity() {
    MeasureRequest request =
        new MeasureRequest(
            "cutover-x",
            List.of(
                new MeasureRequest.CheckSpec(
                    "typo",
                    tree("http: GET app:/fast/1\nvalue: $.n\npass: '> 0'\ntimout: 5s\n"),
                    connections),
                http("fine", "/fast/2")));

    List<Reading> readings = activities.measure(request);

    assertThat(readings).hasSize(2);
    assertThat(readings.get(0).kind()).isEqualTo(Reading.Kind.ERROR);
    assertThat(readings.get(0).reason())
        .startsWith(
            "invalid check: checks.typo.timout: unknown field \"timout\"; did you mean \"timeout\"?");
    assertThat(readings.get(1)).isEqualTo(Reading.value("fine", 2.0, "status 200"));
  }

  @Test
  void aConnectionMissingFromTheRequestIsAnErrorReading() {
    MeasureRequest request =
        new MeasureRequest(
            "cutover-x",
            List.of(
                new MeasureRequest.CheckSpec(
                    "orphan",
                    tree("http: GET nowhere:/x\nexpect: { status: 200 }\n"),
                    connections)));

    assertThat(activities.measure(request))
        .containsExactly(Reading.error("orphan", "no connection named \"nowhere\" in the request"));
  }

  @Test
  void aConnectionOfAnotherKindIsAnErrorReading() {
    MeasureRequest request =
        new MeasureRequest(
            "cutover-x",
            List.of(
                new MeasureRequest.CheckSpec(
                    "mixed", tree("prometheus: app\nquery: up\npass: '== 1'\n"), connections)));

    assertThat(activities.measure(request))
        .containsExactly(Reading.error("mixed", "connection \"app\" is http, not prometheus"));
  }

  @Test
  void anUnsetVariableIsAnErrorReadingNamingIt() {
    MeasureRequest request =
        new MeasureRequest(
            "cutover-x",
            List.of(
                new MeasureRequest.CheckSpec(
                    "rows",
                    tree("sql: db\nquery: SELECT 1 AS value\npass: '== 1'\n"),
                    connections)));

    assertThat(activities.measure(request))
        .containsExactly(
            Reading.error("rows", "environment variable DB_PASSWORD is not set on the worker"));
  }

  @Test
  void anEmptyRequestHasNoReadings() {
    assertThat(activities.measure(new MeasureRequest("cutover-x", List.of()))).isEmpty();
  }

  @Test
  void aNonPositiveTimeoutCapIsRefusedAtConstruction() {
    assertThatThrownBy(() -> new CutoverActivitiesImpl(Fixtures.settings(Map.of()), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("httpTimeoutCap must be positive");
  }

  @Test
  void theTimeoutCapCutsAChecksLongerTimeout() {
    try (CutoverActivitiesImpl capped =
        new CutoverActivitiesImpl(Fixtures.settings(), Duration.ofMillis(500))) {
      MeasureRequest request =
          new MeasureRequest(
              "cutover-x",
              List.of(
                  new MeasureRequest.CheckSpec(
                      "slow",
                      tree("http: GET app:/slow/1\nvalue: $.n\npass: '> 0'\ntimeout: 30s\n"),
                      connections)));

      assertThat(capped.measure(request))
          .containsExactly(Reading.error("slow", "GET app:/slow/1: no answer within 500ms"));
    }
  }
}
