package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code followRedirects: true} on checks and actions: at most five hops, each hop's host under the
 * host policy, credentials kept to their origin, the whole chain inside the timeout. Redirect
 * chains on demand are what MockWebServer is for; the default (not followed) is pinned in
 * HttpSourceTest and EffectsTest.
 */
class RedirectsTest {
  private static final String HEALTHY = "{\"status\": \"healthy\"}";
  private static final String CHECK =
      """
      http: GET app:/start
      followRedirects: true
      expect: { status: 200, json: { "$.status": healthy } }
      """;

  private MockWebServer server;
  private MockWebServer other;
  private CutoverActivitiesImpl activities;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    other = new MockWebServer();
    other.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                "APP_TOKEN", "app-token-redirect-1", "FLAG_TOKEN", "flag-token-redirect-2"),
            Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws IOException {
    activities.close();
    server.shutdown();
    other.shutdown();
  }

  /** The test server by name ("localhost"), and the other one by address: two origins. */
  private String base() {
    return "http://localhost:" + server.getPort();
  }

  private String otherBase() {
    return "http://127.0.0.1:" + other.getPort();
  }

  private static MockResponse redirect(int status, String location) {
    return new MockResponse().setResponseCode(status).setHeader("Location", location);
  }

  private Reading measure(CutoverActivitiesImpl with, String check) {
    return HttpSourceTest.measureOne(with, base(), check);
  }

  @Test
  void aCheckThatSaysSoFollowsARedirectToTheFinalAnswer() throws InterruptedException {
    server.enqueue(redirect(302, "/moved"));
    server.enqueue(new MockResponse().setBody(HEALTHY));

    assertThat(measure(activities, CHECK))
        .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
    assertThat(server.takeRequest(1, TimeUnit.SECONDS).getPath()).isEqualTo("/start");
    assertThat(server.takeRequest(1, TimeUnit.SECONDS).getPath()).isEqualTo("/moved");
  }

  @Test
  void fiveRedirectsAreFollowedAndASixthIsAnError() {
    for (int i = 1; i <= 5; i++) {
      server.enqueue(redirect(i % 2 == 0 ? 307 : 301, "/hop-" + i));
    }
    server.enqueue(new MockResponse().setBody(HEALTHY));
    assertThat(measure(activities, CHECK))
        .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
    assertThat(server.getRequestCount()).isEqualTo(6);

    for (int i = 1; i <= 6; i++) {
      server.enqueue(redirect(302, "/loop-" + i));
    }
    server.enqueue(new MockResponse().setBody(HEALTHY));

    assertThat(measure(activities, CHECK))
        .isEqualTo(
            Reading.error("probe", "GET app:/start: more than 5 redirects; give the final URL"));
    assertThat(server.getRequestCount()).as("the sixth redirect is not followed").isEqualTo(12);
  }

  @Test
  void aRedirectToALoopbackAddressIsRefusedThoughTheFirstHostWasAllowed() throws IOException {
    // Only the name "localhost" is allowed: the redirect to 127.0.0.1 (the other server) is not.
    try (CutoverActivitiesImpl byName =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                Map.of(
                    "APP_TOKEN",
                    "app-token-redirect-1",
                    "CUTOVER_ALLOWED_HOSTS",
                    "localhost",
                    Secrets.ALLOWED,
                    "APP_TOKEN")),
            Duration.ofSeconds(5))) {
      server.enqueue(redirect(302, otherBase() + "/health"));
      other.enqueue(new MockResponse().setBody(HEALTHY));

      assertThat(measure(byName, CHECK))
          .isEqualTo(
              Reading.error(
                  "probe",
                  "GET app:/start: host 127.0.0.1 is loopback; allow it with CUTOVER_ALLOWED_HOSTS"));
      assertThat(other.getRequestCount()).isZero();
    }
  }

  @Test
  void aRedirectToTheCloudMetadataAddressIsRefused() {
    server.enqueue(
        redirect(301, "http://169.254.169.254/latest/meta-data/iam/security-credentials/"));
    long start = System.nanoTime();

    assertThat(measure(activities, CHECK))
        .isEqualTo(
            Reading.error(
                "probe",
                "GET app:/start: host 169.254.169.254 is link-local; allow it with CUTOVER_ALLOWED_HOSTS"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void credentialsStayWithTheirOriginWhenARedirectLeavesIt() throws InterruptedException {
    String check =
        """
        http: GET app:/start
        headers: { X-Api-Key: "${env:APP_TOKEN}", X-Probe: cutover }
        followRedirects: true
        expect: { status: 200 }
        """;
    server.enqueue(redirect(302, "/same-origin"));
    server.enqueue(redirect(302, otherBase() + "/elsewhere"));
    other.enqueue(new MockResponse().setBody(HEALTHY));

    assertThat(measure(activities, check))
        .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));

    RecordedRequest first = server.takeRequest(1, TimeUnit.SECONDS);
    RecordedRequest sameOrigin = server.takeRequest(1, TimeUnit.SECONDS);
    RecordedRequest elsewhere = other.takeRequest(1, TimeUnit.SECONDS);
    assertThat(first.getHeader("Authorization")).isEqualTo("Bearer app-token-redirect-1");
    assertThat(sameOrigin.getHeader("Authorization")).isEqualTo("Bearer app-token-redirect-1");
    assertThat(sameOrigin.getHeader("X-Api-Key")).isEqualTo("app-token-redirect-1");
    assertThat(elsewhere.getPath()).isEqualTo("/elsewhere");
    assertThat(elsewhere.getHeader("Authorization")).isNull();
    assertThat(elsewhere.getHeader("X-Api-Key")).isNull();
    assertThat(elsewhere.getHeader("X-Probe")).isEqualTo("cutover");
  }

  @Test
  void aLocationThatIsNotHttpIsAnError() {
    server.enqueue(redirect(302, "ftp://files.example/health"));

    assertThat(measure(activities, CHECK))
        .isEqualTo(
            Reading.error(
                "probe", "GET app:/start: redirect 302 to a Location that is not an http(s) URL"));
  }

  @Test
  void theWholeChainFitsInTheChecksTimeout() {
    for (int i = 1; i <= 4; i++) {
      server.enqueue(redirect(302, "/slow-" + i).setHeadersDelay(400, TimeUnit.MILLISECONDS));
    }
    server.enqueue(new MockResponse().setBody(HEALTHY));
    long start = System.nanoTime();

    Reading r = measure(activities, CHECK + "timeout: 1s\n");

    assertThat(r).isEqualTo(Reading.error("probe", "GET app:/start: no answer within 1s"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1600));
  }

  // ------------------------------------------------------------------ actions

  private EffectRequest action(String yaml) {
    return EffectsTest.action(base(), "cutover-demo/stage-3/actions/0", "deprecate", tree(yaml));
  }

  @Test
  void anActionThatSaysSoFollowsA307KeepingItsMethodBodyAndKey() throws InterruptedException {
    server.enqueue(redirect(307, "/v2/announce"));
    server.enqueue(new MockResponse().setBody("{\"ok\": true}"));

    String done =
        activities.apply(
            action(
                """
        http: "POST flags:/announce"
        body: '{"stage": "${stage}"}'
        followRedirects: true
        expect: { status: 200, json: { "$.ok": true } }
        """));

    assertThat(done).isEqualTo("POST flags:/announce -> 200");
    server.takeRequest(1, TimeUnit.SECONDS);
    RecordedRequest followed = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(followed.getMethod()).isEqualTo("POST");
    assertThat(followed.getPath()).isEqualTo("/v2/announce");
    assertThat(followed.getBody().readUtf8()).isEqualTo("{\"stage\": \"deprecate\"}");
    assertThat(followed.getHeader("Idempotency-Key")).isEqualTo("cutover-demo/stage-3/actions/0");
  }

  @Test
  void anActionAnswered303IsFollowedWithAGetAsBrowsersDo() throws InterruptedException {
    server.enqueue(redirect(303, "/result/42"));
    server.enqueue(new MockResponse().setBody("{\"ok\": true}"));

    assertThat(
            activities.apply(
                action(
                    """
        http: "POST flags:/jobs"
        body: '{"run": true}'
        followRedirects: true
        """)))
        .isEqualTo("POST flags:/jobs -> 200");
    server.takeRequest(1, TimeUnit.SECONDS);
    RecordedRequest followed = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(followed.getMethod()).isEqualTo("GET");
    assertThat(followed.getBodySize()).isZero();
  }

  @Test
  void anActionRedirectedOntoARefusedHostIsANonRetryableInvalidRequest() {
    server.enqueue(redirect(302, "http://169.254.169.254/latest/api/token"));

    ApplicationFailure f =
        failure(
            () ->
                activities.apply(
                    action(
                        """
        http: "POST flags:/announce"
        followRedirects: true
        """)));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "POST flags:/announce: host 169.254.169.254 is link-local; allow it with CUTOVER_ALLOWED_HOSTS");
  }

  @Test
  void anActionCaughtInARedirectLoopIsANonRetryableClientError() {
    for (int i = 0; i < 6; i++) {
      server.enqueue(redirect(307, "/again"));
    }

    ApplicationFailure f =
        failure(
            () ->
                activities.apply(
                    action(
                        """
        http: "POST flags:/announce"
        followRedirects: true
        """)));

    assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .isEqualTo("POST flags:/announce: more than 5 redirects; give the final URL");
  }
}
