package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Step;
import dev.cutover.workflows.CutoverActivities;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
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
 * Applying traffic, flags and actions: happy paths on the real demo target, faults on
 * MockWebServer.
 */
class EffectsTest {
  private static final String TOKEN = "tok-5ecret-0a1b2c";
  private static final Map<String, String> ENV = Fixtures.env("FLAG_TOKEN", TOKEN);
  private static final JsonNode TRAFFIC =
      tree(
          """
      set: { http: "PUT flags:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
      get: { http: "GET flags:/api/flags/v2-rollout", value: "$.value" }
      """);
  private static final JsonNode FLAGS_API =
      tree(
          """
      set: { http: "PUT flags:/api/flags/${flag}", body: '{"value": ${value}}' }
      get: { http: "GET flags:/api/flags/${flag}", value: "$.value" }
      """);

  static Map<String, JsonNode> connections(String baseUrl) {
    return Map.of(
        "flags",
        tree("http: " + baseUrl + "\nheaders: { Authorization: \"Bearer ${env:FLAG_TOKEN}\" }\n"));
  }

  static EffectRequest traffic(String baseUrl, int percent, JsonNode traffic) {
    return new EffectRequest(
        "cutover-demo",
        "cutover-demo/stage-0/traffic",
        "canary",
        new Step(Step.Kind.TRAFFIC, 0, 0, percent, null, "stage-0/traffic"),
        traffic,
        null,
        null,
        connections(baseUrl));
  }

  static EffectRequest flags(String baseUrl, Map<String, JsonNode> flags) {
    return new EffectRequest(
        "cutover-demo",
        "cutover-demo/stage-1/flags",
        "write",
        new Step(Step.Kind.FLAGS, 1, 0, null, flags, "stage-1/flags"),
        null,
        FLAGS_API,
        null,
        connections(baseUrl));
  }

  static EffectRequest action(String baseUrl, String key, String stage, JsonNode action) {
    return new EffectRequest(
        "cutover-demo",
        key,
        stage,
        new Step(Step.Kind.ACTION, 3, 0, null, null, "stage-3/action-0"),
        null,
        null,
        action,
        connections(baseUrl));
  }

  /** Against the real demo target: what an operator's flag service would record. */
  @Nested
  class OnTheDemoTarget {
    private DemoTarget target;
    private CutoverActivitiesImpl activities;

    @BeforeEach
    void start() {
      target = DemoTarget.start(0);
      activities = new CutoverActivitiesImpl(Fixtures.settings(ENV), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
      activities.close();
      target.close();
    }

    @Test
    void setsTrafficReadsItBackAndSaysSo() {
      String done = activities.apply(traffic(target.baseUrl(), 10, TRAFFIC));

      assertThat(done).isEqualTo("PUT flags:/api/flags/v2-rollout -> 200; read back 10");
      assertThat(target.changes())
          .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "flag", "v2-rollout", "10", "cutover-demo/stage-0/traffic"));
      assertThat(target.flags()).containsEntry("v2-rollout", "10");
    }

    /**
     * A worker beats while an effect runs, so that one that dies mid-effect is noticed after the
     * workflow's heartbeat timeout rather than the effect's minute (FleetIT kills one).
     */
    @Test
    void aSlowEffectBeatsWhileItRuns() {
      target.setFlagDelay(Duration.ofSeconds(3));
      AtomicInteger beats = new AtomicInteger();
      TestActivityEnvironment temporal = TestActivityEnvironment.newInstance();
      try {
        temporal.registerActivitiesImplementations(activities);
        temporal.setActivityHeartbeatListener(Object.class, details -> beats.incrementAndGet());
        CutoverActivities stub =
            temporal.newActivityStub(
                CutoverActivities.class,
                ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofMinutes(1))
                    // The SDK sends at most one beat per 80% of this: 2 s lets a 3 s write show
                    // two.
                    .setHeartbeatTimeout(Duration.ofSeconds(2))
                    .build());

        assertThat(stub.apply(traffic(target.baseUrl(), 10, TRAFFIC))).contains("read back 10");
      } finally {
        temporal.close();
      }
      assertThat(beats.get()).as("heartbeats during a 3 s write").isGreaterThanOrEqualTo(2);
    }

    @Test
    void aRetriedTrafficStepTakesEffectOnceAndStillReadsBack() {
      String first = activities.apply(traffic(target.baseUrl(), 50, TRAFFIC));
      String retried = activities.apply(traffic(target.baseUrl(), 50, TRAFFIC));

      assertThat(retried)
          .isEqualTo(first)
          .isEqualTo("PUT flags:/api/flags/v2-rollout -> 200; read back 50");
      assertThat(target.flags()).containsEntry("v2-rollout", "50");
      assertThat(target.changes()).extracting(Change::value).containsExactly("50");
    }

    @Test
    void setsEveryFlagInTheStepsOrderEachWithItsOwnKey() {
      Map<String, JsonNode> flags = new LinkedHashMap<>();
      flags.put("OPS_VIEW_DB_WRITE", BooleanNode.TRUE);
      flags.put("COLOR", TextNode.valueOf("blue"));
      flags.put("OPS_VIEW_DB_READ", BooleanNode.FALSE);
      flags.put("LIMIT", IntNode.valueOf(25));

      String done = activities.apply(flags(target.baseUrl(), flags));

      assertThat(done)
          .isEqualTo(
              "PUT flags:/api/flags/OPS_VIEW_DB_WRITE -> 200; read back true; "
                  + "PUT flags:/api/flags/COLOR -> 200; read back \"blue\"; "
                  + "PUT flags:/api/flags/OPS_VIEW_DB_READ -> 200; read back false; "
                  + "PUT flags:/api/flags/LIMIT -> 200; read back 25");
      assertThat(target.changes())
          .extracting(Change::name, Change::value, Change::idempotencyKey)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "OPS_VIEW_DB_WRITE", "true", "cutover-demo/stage-1/flags:OPS_VIEW_DB_WRITE"),
              org.assertj.core.groups.Tuple.tuple(
                  "COLOR", "\"blue\"", "cutover-demo/stage-1/flags:COLOR"),
              org.assertj.core.groups.Tuple.tuple(
                  "OPS_VIEW_DB_READ", "false", "cutover-demo/stage-1/flags:OPS_VIEW_DB_READ"),
              org.assertj.core.groups.Tuple.tuple(
                  "LIMIT", "25", "cutover-demo/stage-1/flags:LIMIT"));
    }

    @Test
    void anActionSentTwiceWithTheSameKeyTakesEffectOnce() {
      JsonNode action =
          tree(
              """
          http: "POST flags:/api/actions/remove-v1-${stage}"
          body: '{"stage": "${stage}"}'
          expect: { status: 200, json: { "$.ok": true } }
          """);
      EffectRequest request =
          action(target.baseUrl(), "cutover-demo/stage-3/action-0", "deprecate", action);

      String first = activities.apply(request);
      String second = activities.apply(request);

      assertThat(first).isEqualTo("POST flags:/api/actions/remove-v1-deprecate -> 200");
      assertThat(second).isEqualTo(first);
      assertThat(target.changes())
          .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "action",
                  "remove-v1-deprecate",
                  "{\"stage\": \"deprecate\"}",
                  "cutover-demo/stage-3/action-0"));
    }

    @Test
    void anActionWithAnotherKeyTakesEffectAgain() {
      JsonNode action = tree("http: \"POST flags:/api/actions/purge\"\n");

      activities.apply(
          action(target.baseUrl(), "cutover-demo/stage-3/action-0", "deprecate", action));
      activities.apply(
          action(target.baseUrl(), "cutover-demo/rollback/action-0", "deprecate", action));

      assertThat(target.changes())
          .extracting(Change::idempotencyKey)
          .containsExactly("cutover-demo/stage-3/action-0", "cutover-demo/rollback/action-0");
    }

    @Test
    void anActionWhoseExpectationFailsIsNotRetried() {
      JsonNode action =
          tree(
              """
          http: "POST flags:/api/actions/purge"
          expect: { status: 200, json: { "$.name": "something-else", "$.ok": true } }
          """);

      ApplicationFailure f =
          failure(() -> activities.apply(action(target.baseUrl(), "k1", "deprecate", action)));

      assertThat(f.getType()).isEqualTo(FailureTypes.EXPECTATION_FAILED);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "POST flags:/api/actions/purge did not meet expect: "
                  + "$.name is \"purge\", expected \"something-else\"");
    }

    @Test
    void aFlagTheTargetRejectsIsAClientErrorNamingTheCallAsWritten() {
      // The demo target answers 400 to a value that is not a scalar it accepts.
      JsonNode badBody =
          tree(
              """
          set: { http: "PUT flags:/api/flags/${flag}", body: '{"nope": ${value}}' }
          """);
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "read",
              new Step(
                  Step.Kind.FLAGS, 0, 0, null, Map.of("OPS_VIEW_DB_READ", BooleanNode.TRUE), "k"),
              null,
              badBody,
              null,
              connections(target.baseUrl()));

      ApplicationFailure f = failure(() -> activities.apply(request));

      assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "PUT flags:/api/flags/OPS_VIEW_DB_READ answered 400: {\"error\":\"body must have a \\\"value\\\"\"}");
      assertThat(target.changes()).isEmpty();
    }
  }

  /** Faults a real server does not produce on demand. */
  @Nested
  class OnAFaultyServer {
    private MockWebServer server;
    private CutoverActivitiesImpl activities;

    @BeforeEach
    void start() throws IOException {
      server = new MockWebServer();
      server.start();
      activities = new CutoverActivitiesImpl(Fixtures.settings(ENV), Duration.ofSeconds(1));
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
    void aServerErrorIsUnavailableAndRetried() {
      server.enqueue(new MockResponse().setResponseCode(500).setBody("boom"));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.UNAVAILABLE);
      assertThat(f.isNonRetryable()).isFalse();
      assertThat(f.getOriginalMessage())
          .isEqualTo("PUT flags:/api/flags/v2-rollout answered 500: boom");
    }

    @Test
    void tooManyRequestsAndRequestTimeoutAreUnavailableToo() {
      server.enqueue(new MockResponse().setResponseCode(429));
      server.enqueue(new MockResponse().setResponseCode(408));

      ApplicationFailure busy = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));
      ApplicationFailure slow = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(List.of(busy.getType(), slow.getType())).containsOnly(FailureTypes.UNAVAILABLE);
      assertThat(busy.getOriginalMessage())
          .isEqualTo("PUT flags:/api/flags/v2-rollout answered 429");
      assertThat(slow.isNonRetryable()).isFalse();
    }

    @Test
    void aForbiddenIsAClientErrorThatIsNotRetried() {
      server.enqueue(new MockResponse().setResponseCode(403));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage()).isEqualTo("PUT flags:/api/flags/v2-rollout answered 403");
      assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aDifferentValueReadBackIsAMismatchWorthRetrying() throws InterruptedException {
      server.enqueue(new MockResponse().setBody("{\"value\": 10}"));
      server.enqueue(new MockResponse().setBody("{\"name\": \"v2-rollout\", \"value\": 50}"));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.READ_BACK_MISMATCH);
      assertThat(f.isNonRetryable()).isFalse();
      assertThat(f.getOriginalMessage())
          .isEqualTo("read back 50 from GET flags:/api/flags/v2-rollout, expected 10");
      RecordedRequest set = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(set.getMethod()).isEqualTo("PUT");
      assertThat(set.getPath()).isEqualTo("/api/flags/v2-rollout");
      assertThat(set.getBody().readUtf8()).isEqualTo("{\"value\": 10}");
      assertThat(set.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
      assertThat(set.getHeader("Idempotency-Key")).isEqualTo("cutover-demo/stage-0/traffic");
      RecordedRequest get = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(get.getMethod()).isEqualTo("GET");
      assertThat(get.getHeader("Idempotency-Key")).isEqualTo("cutover-demo/stage-0/traffic");
    }

    @Test
    void aNumberReadBackCompareByValueNotByText() {
      server.enqueue(new MockResponse().setBody("{}"));
      server.enqueue(new MockResponse().setBody("{\"value\": 10.0}"));

      assertThat(activities.apply(traffic(base(), 10, TRAFFIC)))
          .isEqualTo("PUT flags:/api/flags/v2-rollout -> 200; read back 10.0");
    }

    @Test
    void aReadBackWithoutTheValueIsAMismatchSayingSo() {
      server.enqueue(new MockResponse().setBody("{}"));
      server.enqueue(new MockResponse().setBody("<html>maintenance</html>"));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "read back a body that is not JSON from GET flags:/api/flags/v2-rollout, expected 10");
    }

    @Test
    void aHangingServerIsUnavailableWithinTheTimeout() {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
      long start = System.nanoTime();

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(f.getType()).isEqualTo(FailureTypes.UNAVAILABLE);
      assertThat(f.getOriginalMessage())
          .isEqualTo("PUT flags:/api/flags/v2-rollout: no answer within 1s");
    }

    @Test
    void anEffectRequestWaitsAtMostTenSecondsWhateverTheCap() {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
      try (CutoverActivitiesImpl generous =
          new CutoverActivitiesImpl(Fixtures.settings(ENV), Duration.ofMinutes(5))) {
        long start = System.nanoTime();

        ApplicationFailure f = failure(() -> generous.apply(traffic(base(), 10, TRAFFIC)));

        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isBetween(Duration.ofMillis(9500), Duration.ofSeconds(13));
        assertThat(f.getOriginalMessage())
            .isEqualTo("PUT flags:/api/flags/v2-rollout: no answer within 10s");
      }
    }

    @Test
    void aClosedPortIsUnavailable() {
      ApplicationFailure f =
          failure(
              () ->
                  activities.apply(
                      traffic("http://127.0.0.1:" + Fixtures.closedPort(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.UNAVAILABLE);
      assertThat(f.getOriginalMessage())
          .startsWith("PUT flags:/api/flags/v2-rollout: ConnectException: ");
    }

    @Test
    void aRedirectIsNotFollowedAndIsAClientError() {
      server.enqueue(
          new MockResponse().setResponseCode(307).setHeader("Location", base() + "elsewhere"));
      server.enqueue(new MockResponse().setBody("{\"value\": 10}"));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "PUT flags:/api/flags/v2-rollout answered 307 "
                  + "(a redirect; redirects are not followed, so give the final URL)");
      assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aServerThatEchoesTheTokenNeverPutsItInTheFailure() {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse()
                  .setResponseCode(401)
                  .setBody(
                      "{\"error\": \"token rejected: "
                          + request.getHeader("Authorization")
                          + "\"}");
            }
          });

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "PUT flags:/api/flags/v2-rollout answered 401: {\"error\": \"token rejected: Bearer ***\"}");
      assertThat(f.getMessage()).doesNotContain(TOKEN);
    }

    @Test
    void aUrlThatIsASecretIsNeverInTheFailureNorIsItsPath() {
      Map<String, JsonNode> conns = Map.of("flags", tree("http: ${env:FLAGS_URL}\n"));
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "canary",
              new Step(Step.Kind.TRAFFIC, 0, 0, 10, null, "k"),
              TRAFFIC,
              null,
              null,
              conns);
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
              return new MockResponse().setResponseCode(404).setBody("no such path " + r.getPath());
            }
          });
      try (CutoverActivitiesImpl withUrlToken =
          new CutoverActivitiesImpl(
              Fixtures.settings("FLAGS_URL", base() + "t/tok3n-s3cr3t"), Duration.ofSeconds(1))) {
        ApplicationFailure f = failure(() -> withUrlToken.apply(request));

        assertThat(f.getOriginalMessage())
            .isEqualTo(
                "PUT flags:/api/flags/v2-rollout answered 404: no such path ***/api/flags/v2-rollout");
      }
    }

    @Test
    void aSecretInsideAUrlIsRefusedForEveryCutoverAndNothingIsSent() {
      Map<String, JsonNode> conns =
          Map.of("flags", tree("http: " + base() + "t/${env:URL_TOKEN}\n"));
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "canary",
              new Step(Step.Kind.TRAFFIC, 0, 0, 10, null, "k"),
              TRAFFIC,
              null,
              null,
              conns);
      try (CutoverActivitiesImpl withUrlToken =
          new CutoverActivitiesImpl(
              Fixtures.settings("URL_TOKEN", "tok3n-s3cr3t"), Duration.ofSeconds(1))) {
        ApplicationFailure f = failure(() -> withUrlToken.apply(request));

        assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
        assertThat(f.isNonRetryable()).isTrue();
        assertThat(f.getOriginalMessage())
            .isEqualTo(
                "PUT flags:/api/flags/v2-rollout: connections.flags:"
                    + " ${env:URL_TOKEN} is inside a URL: a secret never goes into a URL (servers and proxies log URLs, and"
                    + " the plan would choose where it goes); send it in a header or the body, or let the worker's operator"
                    + " set the whole URL as one ${env:NAME}");
        assertThat(server.getRequestCount()).isZero();
      }
    }

    @Test
    void aVariableTheWorkerDoesNotAllowIsAnInvalidRequestNamingItAndTheSettingAndSendsNothing() {
      try (CutoverActivitiesImpl notAllowed =
          new CutoverActivitiesImpl(
              Fixtures.settings("FLAG_TOKEN", TOKEN, Secrets.ALLOWED, "OTHER_TOKEN"),
              Duration.ofSeconds(1))) {
        ApplicationFailure f = failure(() -> notAllowed.apply(traffic(base(), 10, TRAFFIC)));

        assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
        assertThat(f.isNonRetryable()).isTrue();
        assertThat(f.getOriginalMessage())
            .isEqualTo(
                "${env:FLAG_TOKEN} is not allowed: CUTOVER_ALLOWED_SECRETS does not list FLAG_TOKEN");
        assertThat(server.getRequestCount()).isZero();
      }
    }

    @Test
    void anUnsetVariableIsAnInvalidRequestNamingItAndSendsNothing() {
      try (CutoverActivitiesImpl noToken =
          new CutoverActivitiesImpl(
              Fixtures.settings(Secrets.ALLOWED, "FLAG_TOKEN"), Duration.ofSeconds(1))) {
        ApplicationFailure f = failure(() -> noToken.apply(traffic(base(), 10, TRAFFIC)));

        assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
        assertThat(f.isNonRetryable()).isTrue();
        assertThat(f.getOriginalMessage())
            .isEqualTo("environment variable FLAG_TOKEN is not set on the worker");
        assertThat(server.getRequestCount()).isZero();
      }
    }

    @Test
    void anInvalidFragmentIsAnInvalidRequestWithItsPath() {
      JsonNode broken = tree("set: { http: \"PUT flags:/api/flags/x\", bdy: '{}' }\n");

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, broken)));

      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "invalid traffic: "
                  + "traffic.set.http: traffic.set never uses ${percent}; put it in the body or the URL; "
                  + "traffic.set.bdy: unknown field \"bdy\"; did you mean \"body\"? (expected one of: http, headers, body)");
      assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aConnectionMissingFromTheRequestIsAnInvalidRequest() {
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "canary",
              new Step(Step.Kind.TRAFFIC, 0, 0, 10, null, "k"),
              TRAFFIC,
              null,
              null,
              Map.of());

      ApplicationFailure f = failure(() -> activities.apply(request));

      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.getOriginalMessage())
          .isEqualTo("PUT flags:/api/flags/v2-rollout: no connection named \"flags\"");
    }

    @Test
    void anActionAnsweredWithTheExpectedClientStatusSucceeds() {
      server.enqueue(
          new MockResponse().setResponseCode(409).setBody("{\"state\": \"already-done\"}"));
      JsonNode action =
          tree(
              """
          http: "POST flags:/api/actions/migrate"
          expect: { status: 409, json: { "$.state": already-done } }
          """);

      assertThat(activities.apply(action(base(), "k", "full", action)))
          .isEqualTo("POST flags:/api/actions/migrate -> 409");
    }

    @Test
    void anActionAnsweredWithAnotherSuccessStatusFailsItsExpectation() {
      server.enqueue(new MockResponse().setResponseCode(202));
      JsonNode action =
          tree("http: \"POST flags:/api/actions/migrate\"\nexpect: { status: 200 }\n");

      ApplicationFailure f = failure(() -> activities.apply(action(base(), "k", "full", action)));

      assertThat(f.getType()).isEqualTo(FailureTypes.EXPECTATION_FAILED);
      assertThat(f.isNonRetryable()).isTrue();
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "POST flags:/api/actions/migrate did not meet expect: status 202, expected 200");
    }

    @Test
    void aRollbackActionUsingStageWithoutAStageIsAnInvalidRequest() {
      JsonNode action = tree("http: \"POST flags:/api/actions/${stage}\"\n");
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              null,
              new Step(Step.Kind.ROLLBACK_ACTION, -1, 0, null, null, "rollback/0"),
              null,
              null,
              action,
              connections(base()));

      ApplicationFailure f = failure(() -> activities.apply(request));

      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "POST flags:/api/actions/${stage}: uses ${stage}, but this step belongs to no stage");
    }

    @Test
    void aWaitStepIsNotAnEffect() {
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "canary",
              new Step(Step.Kind.WAIT, 0, 0, null, null, "k"),
              null,
              null,
              null,
              Map.of());

      ApplicationFailure f = failure(() -> activities.apply(request));

      assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.getOriginalMessage())
          .isEqualTo("WAIT is carried out by the workflow, not applied");
    }

    @Test
    void aFlagValueGoesIntoAUrlAsEncodedTextAndIntoTheBodyAsJson() throws InterruptedException {
      server.enqueue(new MockResponse().setBody("{}"));
      JsonNode api =
          tree(
              "set: { http: \"PUT flags:/api/flags/${flag}/${value}\", body: '{\"v\": ${value}}' }\n");
      EffectRequest request =
          new EffectRequest(
              "cutover-demo",
              "k",
              "read",
              new Step(
                  Step.Kind.FLAGS,
                  0,
                  0,
                  null,
                  Map.of("MODE", TextNode.valueOf("blue green/${env:FLAG_TOKEN}")),
                  "k"),
              null,
              api,
              null,
              connections(base()));

      activities.apply(request);

      RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(r.getPath()).isEqualTo("/api/flags/MODE/blue%20green%2F%24%7Benv%3AFLAG_TOKEN%7D");
      // A value is never scanned for references: it cannot pull a secret out of the worker.
      assertThat(r.getBody().readUtf8()).isEqualTo("{\"v\": \"blue green/${env:FLAG_TOKEN}\"}");
      assertThat(r.getHeader("Idempotency-Key")).isEqualTo("k:MODE");
    }

    @Test
    void anOversizedReadBackIsBoundedAndAMismatch() {
      server.enqueue(new MockResponse().setBody("{}"));
      Buffer big = new Buffer();
      big.writeUtf8("{\"value\": 10, \"padding\": \"");
      big.write(new byte[3 << 20]);
      big.writeUtf8("\"}");
      server.enqueue(new MockResponse().setBody(big));

      ApplicationFailure f = failure(() -> activities.apply(traffic(base(), 10, TRAFFIC)));

      assertThat(f.getOriginalMessage())
          .isEqualTo(
              "read back a body larger than 1 MiB from GET flags:/api/flags/v2-rollout, expected 10");
    }
  }
}
