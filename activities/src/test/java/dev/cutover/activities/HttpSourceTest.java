package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Reading;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * HTTP checks measured through the activity: health on the demo target, faults on MockWebServer.
 */
class HttpSourceTest {
  private static final String HEALTH =
      """
      http: GET app:/health
      expect: { status: 200, json: { "$.status": healthy, "$.processors_available": true } }
      """;

  static Reading measureOne(CutoverActivitiesImpl activities, String baseUrl, String checkYaml) {
    Map<String, JsonNode> connections =
        Map.of(
            "app",
            tree(
                "http: "
                    + baseUrl
                    + "\nheaders: { Authorization: \"Bearer ${env:APP_TOKEN}\" }\n"));
    List<Reading> readings =
        activities.measure(
            new MeasureRequest(
                "cutover-http",
                List.of(new MeasureRequest.CheckSpec("probe", tree(checkYaml), connections))));
    assertThat(readings).hasSize(1);
    return readings.get(0);
  }

  @Nested
  class OnTheDemoTarget {
    private DemoTarget target;
    private CutoverActivitiesImpl activities;

    @BeforeEach
    void start() {
      target = DemoTarget.start(0);
      activities =
          new CutoverActivitiesImpl(
              Fixtures.settings("APP_TOKEN", "app-token-1"), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
      activities.close();
      target.close();
    }

    @Test
    void aHealthyTargetMeetsEveryExpectation() {
      Reading r = measureOne(activities, target.baseUrl(), HEALTH);

      assertThat(r).isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
    }

    @Test
    void anUnhealthyTargetListsEachUnmetExpectation() {
      target.setHealthy(false);

      Reading r = measureOne(activities, target.baseUrl(), HEALTH);

      assertThat(r.kind()).isEqualTo(Reading.Kind.VALUE);
      assertThat(r.unmet())
          .containsExactly(
              "status 503, expected 200",
              "$.processors_available is false, expected true",
              "$.status is \"unhealthy\", expected \"healthy\"");
    }

    @Test
    void withoutAnExpectedStatusAny2xxWillDo() {
      target.setHealthy(false);

      Reading r =
          measureOne(
              activities,
              target.baseUrl(),
              """
          http: GET app:/health
          expect: { json: { "$.status": unhealthy } }
          """);

      assertThat(r.unmet()).containsExactly("status 503, expected 2xx");
    }

    @Test
    void aValuePathYieldsTheNumber() {
      Reading r =
          measureOne(
              activities,
              target.baseUrl(),
              """
          http: GET app:/stats
          value: $.percent
          pass: "== 0"
          """);

      assertThat(r).isEqualTo(Reading.value("probe", 0.0, "status 200"));
    }

    @Test
    void aValuePathThatIsNotANumberIsNoData() {
      Reading r =
          measureOne(
              activities,
              target.baseUrl(),
              """
          http: GET app:/health
          value: $.status
          pass: "== 1"
          """);

      assertThat(r)
          .isEqualTo(Reading.noData("probe", "$.status is \"healthy\", not a number; status 200"));
    }

    @Test
    void aMissingValuePathIsNoData() {
      Reading r =
          measureOne(
              activities,
              target.baseUrl(),
              """
          http: GET app:/health
          value: $.latency_ms
          pass: "< 100"
          """);

      assertThat(r).isEqualTo(Reading.noData("probe", "$.latency_ms is missing; status 200"));
    }
  }

  @Nested
  class OnAFaultyServer {
    private MockWebServer server;
    private CutoverActivitiesImpl activities;

    @BeforeEach
    void start() throws IOException {
      server = new MockWebServer();
      server.start();
      activities =
          new CutoverActivitiesImpl(
              Fixtures.settings("APP_TOKEN", "app-token-1"), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws IOException {
      activities.close();
      server.shutdown();
    }

    private String base() {
      return server.url("/").toString();
    }

    @Test
    void sendsConnectionHeadersThenTheChecksOwnAndItsBody() throws InterruptedException {
      server.enqueue(new MockResponse().setBody("{\"ok\": true}"));

      Reading r =
          measureOne(
              activities,
              base(),
              """
          http: POST app:/probe
          headers: { X-Probe: "cutover", Authorization: "Token ${env:APP_TOKEN}" }
          body: '{"dry_run": true}'
          expect: { json: { "$.ok": true } }
          """);

      assertThat(r.unmet()).isEmpty();
      RecordedRequest req = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(req.getMethod()).isEqualTo("POST");
      assertThat(req.getPath()).isEqualTo("/probe");
      assertThat(req.getHeader("X-Probe")).isEqualTo("cutover");
      assertThat(req.getHeaders().values("Authorization")).containsExactly("Token app-token-1");
      assertThat(req.getHeader("Idempotency-Key")).isNull();
      assertThat(req.getBody().readUtf8()).isEqualTo("{\"dry_run\": true}");
    }

    @Test
    void aRedirectIsNotFollowed() {
      server.enqueue(
          new MockResponse().setResponseCode(302).setHeader("Location", base() + "login"));
      server.enqueue(
          new MockResponse().setBody("{\"status\": \"healthy\", \"processors_available\": true}"));

      Reading r = measureOne(activities, base(), HEALTH);

      assertThat(r.unmet())
          .containsExactly(
              "status 302, expected 200",
              "$.processors_available is missing (body is not JSON), expected true",
              "$.status is missing (body is not JSON), expected \"healthy\"");
      assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aHangingResponseIsAnErrorWithinTheChecksTimeout() {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
      long start = System.nanoTime();

      Reading r =
          measureOne(
              activities, base(), "http: GET app:/health\nexpect: { status: 200 }\ntimeout: 1s\n");

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(r).isEqualTo(Reading.error("probe", "GET app:/health: no answer within 1s"));
    }

    @Test
    void aBodyThatTricklesInForeverIsCutOffAtTheTimeout() {
      server.enqueue(
          new MockResponse().setBody("{\"value\": 1}").throttleBody(1, 1, TimeUnit.SECONDS));
      long start = System.nanoTime();

      Reading r =
          measureOne(
              activities,
              base(),
              "http: GET app:/slow\nvalue: $.value\npass: '== 1'\ntimeout: 2s\n");

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
      assertThat(r).isEqualTo(Reading.error("probe", "GET app:/slow: no answer within 2s"));
    }

    @Test
    void anOversizedBodyIsNotReadPastOneMebibyte() {
      Buffer big = new Buffer();
      big.writeUtf8("{\"value\": 1, \"padding\": \"");
      big.write(new byte[8 << 20]);
      big.writeUtf8("\"}");
      server.enqueue(new MockResponse().setBody(big));

      Reading r =
          measureOne(activities, base(), "http: GET app:/big\nvalue: $.value\npass: '== 1'\n");

      assertThat(r)
          .isEqualTo(
              Reading.noData("probe", "$.value is not read (body larger than 1 MiB); status 200"));
    }

    @Test
    void aStatusOnlyExpectationDoesNotNeedTheBody() {
      Buffer big = new Buffer();
      big.write(new byte[2 << 20]);
      server.enqueue(new MockResponse().setBody(big));

      Reading r = measureOne(activities, base(), "http: GET app:/big\nexpect: { status: 200 }\n");

      assertThat(r).isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
    }

    @Test
    void aRefusedConnectionIsAnError() {
      Reading r = measureOne(activities, "http://127.0.0.1:" + Fixtures.closedPort(), HEALTH);

      assertThat(r.kind()).isEqualTo(Reading.Kind.ERROR);
      assertThat(r.reason()).startsWith("GET app:/health: ConnectException: ");
    }

    @Test
    void anAbsoluteTargetNeedsNoConnection() throws InterruptedException {
      server.enqueue(new MockResponse().setBody("{\"n\": 7}"));

      Reading r =
          measureOne(
              activities,
              "http://unused.invalid",
              "http: GET " + base() + "count\nvalue: $.n\npass: '> 1'\n");

      assertThat(r).isEqualTo(Reading.value("probe", 7.0, "status 200"));
      assertThat(server.takeRequest(1, TimeUnit.SECONDS).getHeader("Authorization")).isNull();
    }

    @Test
    void aServerThatEchoesTheTokenHasItRedactedFromTheUnmetList() {
      server.enqueue(
          new MockResponse()
              .setResponseCode(401)
              .setBody("{\"status\": \"Bearer app-token-1 is revoked\"}"));

      Reading r = measureOne(activities, base(), HEALTH);

      assertThat(r.unmet()).contains("$.status is \"Bearer *** is revoked\", expected \"healthy\"");
      assertThat(String.join(" ", r.unmet())).doesNotContain("app-token-1");
    }
  }
}
