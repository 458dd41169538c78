package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cutover.workflows.NotifyRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class NotifierTest {
  private MockWebServer server;
  private CutoverActivitiesImpl activities;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                "SLACK_WEBHOOK", server.url("/hooks/T000/B000/s3cr3tpath").toString()),
            Duration.ofSeconds(1));
    log.start();
    ((Logger) LoggerFactory.getLogger(Notifier.class)).addAppender(log);
  }

  @AfterEach
  void stop() throws IOException {
    ((Logger) LoggerFactory.getLogger(Notifier.class)).detachAppender(log);
    activities.close();
    server.shutdown();
  }

  private String logged() {
    return String.join("\n", log.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  @Test
  void postsSlackCompatibleJsonToTheResolvedWebhook() throws InterruptedException {
    server.enqueue(new MockResponse().setBody("ok"));

    activities.notifyPeople(
        new NotifyRequest(
            "cutover-x",
            "${env:SLACK_WEBHOOK}",
            "warn",
            "Rolling back \"canary\": error_rate 0.12 fails < 0.05"));

    RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(r.getPath()).isEqualTo("/hooks/T000/B000/s3cr3tpath");
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    assertThat(r.getBody().readUtf8())
        .isEqualTo("{\"text\":\"Rolling back \\\"canary\\\": error_rate 0.12 fails < 0.05\"}");
  }

  @Test
  void withoutAWebhookItOnlyLogs() {
    activities.notifyPeople(new NotifyRequest("cutover-x", null, "info", "canary soaking"));

    assertThat(server.getRequestCount()).isZero();
    assertThat(logged()).isEqualTo("notify [info] cutover-x: canary soaking");
  }

  @Test
  void aFailingWebhookIsLoggedWithoutItsAddressAndDoesNotThrow() {
    server.enqueue(
        new MockResponse()
            .setResponseCode(500)
            .setBody("no_service for /hooks/T000/B000/s3cr3tpath"));

    activities.notifyPeople(
        new NotifyRequest("cutover-x", "${env:SLACK_WEBHOOK}", "warn", "hello"));

    assertThat(logged()).contains("notify cutover-x: the webhook answered 500: no_service for ***");
    assertThat(logged()).doesNotContain("s3cr3tpath");
  }

  @Test
  void aHangingWebhookDoesNotStallTheCutover() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    long start = System.nanoTime();

    activities.notifyPeople(
        new NotifyRequest("cutover-x", "${env:SLACK_WEBHOOK}", "warn", "hello"));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(logged()).contains("notify cutover-x: the webhook failed: no answer within 1s");
  }

  @Test
  void anUnsetWebhookVariableIsLoggedAndDoesNotThrow() {
    activities.notifyPeople(new NotifyRequest("cutover-x", "${env:NO_SUCH_HOOK}", "warn", "hello"));

    assertThat(server.getRequestCount()).isZero();
    assertThat(logged())
        .contains(
            "notify cutover-x: ${env:NO_SUCH_HOOK} is not allowed: CUTOVER_ALLOWED_SECRETS"
                + " does not list NO_SUCH_HOOK");
  }

  @Test
  void theNotifierWaitsAtMostFiveSecondsWhateverTheCap() throws IOException {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    try (CutoverActivitiesImpl generous =
        new CutoverActivitiesImpl(
            Fixtures.settings("SLACK_WEBHOOK", server.url("/hook").toString()),
            Duration.ofMinutes(2))) {
      long start = System.nanoTime();

      generous.notifyPeople(
          new NotifyRequest("cutover-x", "${env:SLACK_WEBHOOK}", "warn", "hello"));

      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(4500), Duration.ofSeconds(7));
    }
  }
}
