package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Command;
import dev.cutover.plan.Notify;
import dev.cutover.workflows.NotifyRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Routed notifications against local stand-ins for Slack, PagerDuty and a JSON webhook that check
 * each body as the vendor documents it ({@link VendorStandIns}).
 */
class NotifyChannelsTest {
  private static final String ROUTING_KEY = "R0123456789abcdef0123456789ABCDE"; // 32 characters
  private static final String CHAIN = "5f0c8a3e-7d7a-4a43-9b55-0c1d2e3f4a5b";

  private VendorStandIns vendors;
  private CutoverActivitiesImpl activities;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  private static final List<Notify.Channel> CHANNELS =
      List.of(
          new Notify.Channel("team", Notify.ChannelType.SLACK, "${env:SLACK_WEBHOOK}"),
          new Notify.Channel("oncall", Notify.ChannelType.PAGERDUTY, "${env:PD_ROUTING_KEY}"),
          new Notify.Channel("audit", Notify.ChannelType.WEBHOOK, "${env:AUDIT_HOOK}"));

  private static final List<Notify.Route> ROUTES =
      List.of(
          new Notify.Route(
              List.of("oncall"),
              List.of("breach", "escalation", "rollback_failed"),
              Notify.Severity.CRITICAL),
          new Notify.Route(List.of("team"), List.of(), Notify.Severity.INFO),
          new Notify.Route(List.of("audit"), List.of(), Notify.Severity.WARNING));

  @BeforeEach
  void start() throws Exception {
    vendors = new VendorStandIns();
    activities = activities(new Notifier.Backoff(Duration.ofMillis(200), 4, Duration.ofSeconds(5)));
    log.start();
    ((Logger) LoggerFactory.getLogger(Notifier.class)).addAppender(log);
  }

  private CutoverActivitiesImpl activities(Notifier.Backoff backoff) {
    return new CutoverActivitiesImpl(
        Fixtures.settings(
            Fixtures.env(
                "SLACK_WEBHOOK",
                vendors.slackUrl(),
                "PD_ROUTING_KEY",
                ROUTING_KEY,
                "AUDIT_HOOK",
                vendors.url("/hook"),
                ActivitySettings.PAGERDUTY_URL,
                vendors.pagerDutyUrl())),
        Duration.ofSeconds(2),
        new OkHttpClient(),
        backoff);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(Notifier.class)).detachAppender(log);
    activities.close();
    vendors.close();
  }

  private String logged() {
    return String.join("\n", log.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  private static NotifyRequest request(NotifyRequest.Event... events) {
    return new NotifyRequest(
        "cutover-checkout",
        null,
        events[0].level(),
        events[0].text(),
        CHAIN,
        CHANNELS,
        ROUTES,
        List.of(events));
  }

  private static NotifyRequest.Event event(String kind, String subject, String level, String text) {
    return new NotifyRequest.Event(kind, subject, level, text, null);
  }

  private static final NotifyRequest.Event BREACH =
      event(
          "breach",
          "stages[1].gates[0]",
          "PAGE",
          "[checkout] check error_rate (stages[1].gates[0]) breached: 0.12 fails < 0.05; rolling"
              + " back in 10m unless someone acknowledges error_rate");

  private static final NotifyRequest.Event CLEARED =
      event("cleared", "stages[1].gates[0]", "INFO", "[checkout] check error_rate passes again");

  @Test
  void aCriticalBreachTriggersPagerDutyAndPostsReadableBlocksToSlack() {
    assertThat(activities.notifyPeopleTook(request(BREACH))).isTrue();

    assertThat(vendors.pagerDuty).hasSize(1);
    VendorStandIns.Received pd = vendors.pagerDuty.get(0);
    assertThat(pd.status()).as(pd.problem()).isEqualTo(202);
    assertThat(pd.contentType()).startsWith("application/json");
    JsonNode b = pd.body();
    assertThat(b.path("routing_key").asText()).isEqualTo(ROUTING_KEY);
    assertThat(b.path("event_action").asText()).isEqualTo("trigger");
    assertThat(b.path("dedup_key").asText())
        .isEqualTo("cutover/cutover-checkout/" + CHAIN + "/stages[1].gates[0]");
    assertThat(b.path("payload").path("severity").asText()).isEqualTo("critical");
    assertThat(b.path("payload").path("source").asText()).isEqualTo("cutover-checkout");
    assertThat(b.path("payload").path("summary").asText()).isEqualTo(BREACH.text());

    assertThat(vendors.slack).hasSize(1);
    VendorStandIns.Received slack = vendors.slack.get(0);
    assertThat(slack.status()).as(slack.problem()).isEqualTo(200);
    // Slack reads & < > in text as markup: they are escaped as its docs ask.
    assertThat(slack.body().path("text").asText()).isEqualTo(BREACH.text().replace("<", "&lt;"));
    assertThat(slack.body().path("blocks").get(0).path("text").path("text").asText())
        .isEqualTo(
            ":rotating_light: *breach* [checkout] check error_rate (stages[1].gates[0]) breached:"
                + " 0.12 fails &lt; 0.05; rolling back in 10m unless someone acknowledges"
                + " error_rate");

    assertThat(vendors.webhook).hasSize(1);
    VendorStandIns.Received hook = vendors.webhook.get(0);
    assertThat(hook.status()).as(hook.problem()).isEqualTo(204);
    assertThat(hook.body().path("events").get(0).path("key").asText())
        .isEqualTo(b.path("dedup_key").asText());
  }

  @Test
  void theBreachClearingResolvesThePageUnderTheSameKeyAndNothingElsePages() {
    activities.notifyPeopleTook(request(BREACH));
    activities.notifyPeopleTook(request(CLEARED));

    assertThat(vendors.pagerDuty)
        .extracting(r -> r.body().path("event_action").asText())
        .containsExactly("trigger", "resolve");
    assertThat(vendors.pagerDuty.get(1).body().path("dedup_key").asText())
        .isEqualTo(vendors.pagerDuty.get(0).body().path("dedup_key").asText());
    assertThat(vendors.pagerDuty.get(1).status()).isEqualTo(202);
    assertThat(vendors.alerts)
        .containsExactly(
            Map.entry("cutover/cutover-checkout/" + CHAIN + "/stages[1].gates[0]", false));
    // The clearing is info: Slack (info and up) gets it, the audit webhook (warning and up) not.
    assertThat(vendors.slack).hasSize(2);
    assertThat(vendors.webhook).hasSize(1);
  }

  @Test
  void aRetriedSendNeverPagesTwice() {
    activities.notifyPeopleTook(request(BREACH));
    activities.notifyPeopleTook(request(BREACH)); // the activity retried after a worker crash

    assertThat(vendors.pagerDuty).hasSize(2);
    assertThat(vendors.opened).hasValue(1);
  }

  @Test
  void routesByKindAndSeverity() {
    NotifyRequest.Event started =
        event("stage_started", "canary", "INFO", "[checkout] stage 1/3 canary starts");
    NotifyRequest.Event warnBreach =
        event("breach", "watch[0]", "WARN", "[checkout] check latency breached; the stage holds");
    NotifyRequest.Event failing =
        event("rollback_failed", "rollback", "PAGE", "[checkout] ROLLBACK FAILING (attempt 1)");

    activities.notifyPeopleTook(request(started));
    activities.notifyPeopleTook(request(warnBreach));
    activities.notifyPeopleTook(request(failing));

    assertThat(vendors.pagerDuty)
        .extracting(r -> r.body().path("payload").path("summary").asText())
        .containsExactly(failing.text());
    assertThat(vendors.slack).hasSize(3);
    assertThat(vendors.webhook)
        .extracting(r -> r.body().path("events").get(0).path("kind").asText())
        .containsExactly("breach", "rollback_failed");
  }

  @Test
  void eventsHeldBackDuringAFloodAreEachPagedAndPostedAsOneMessage() {
    NotifyRequest.Event paused = event("paused", null, "INFO", "[checkout] paused by alice");
    NotifyRequest flood =
        new NotifyRequest(
            "cutover-checkout",
            null,
            "PAGE",
            "[checkout] 3 notifications in a burst:\n" + paused.text() + "\n" + BREACH.text(),
            CHAIN,
            CHANNELS,
            ROUTES,
            List.of(paused, BREACH, paused));

    activities.notifyPeopleTook(flood);

    assertThat(vendors.pagerDuty).hasSize(1);
    assertThat(vendors.slack).hasSize(1);
    assertThat(vendors.slack.get(0).body().path("blocks")).hasSize(4); // 3 events and the context
  }

  @Test
  void aStatusUpdateCarriesEachGateAgainstItsThresholdWhatItWaitsForAndTheNextDecision() {
    Command.Notify.Report report =
        new Command.Notify.Report(
            "SOAKING",
            "canary",
            10,
            List.of(
                new Command.Notify.Gate(
                    "stages[1].gates[0]", "error_rate", "gate", "PASS", 0.012, "< 0.05"),
                new Command.Notify.Gate("watch[0]", "latency_p95", "watch", null, null, "< 2")),
            "the soak of canary (30m)",
            1_767_225_600_000L);
    NotifyRequest.Event status =
        new NotifyRequest.Event(
            "status", null, "INFO", "[checkout] status: SOAKING, stage 2/3 canary", report);

    activities.notifyPeopleTook(request(status));

    JsonNode blocks = vendors.slack.get(0).body().path("blocks");
    assertThat(vendors.slack.get(0).status()).isEqualTo(200);
    assertThat(blocks.get(1).path("fields").get(0).path("text").asText())
        .isEqualTo("*error_rate* (gate)\n0.012 PASS · pass &lt; 0.05");
    assertThat(blocks.get(1).path("fields").get(1).path("text").asText())
        .isEqualTo("*latency_p95* (watch)\nno value not measured yet · pass &lt; 2");
    assertThat(blocks.get(2).path("elements").get(0).path("text").asText())
        .isEqualTo(
            "waiting for the soak of canary (30m) · next decision"
                + " <!date^1767225600^{date_short_pretty} {time}|2026-01-01T00:00:00Z>");
    // The audit webhook takes warnings and up: a status update is info.
    assertThat(vendors.webhook).isEmpty();
  }

  @Test
  void theGenericWebhookGetsTheDocumentedSchemaWithTheReport() {
    List<Notify.Route> all =
        List.of(new Notify.Route(List.of("audit"), List.of(), Notify.Severity.INFO));
    Command.Notify.Report report =
        new Command.Notify.Report(
            "AWAITING_APPROVAL",
            "canary",
            10,
            List.of(
                new Command.Notify.Gate(
                    "stages[1].gates[0]", "error_rate", "gate", "PASS", 0.0, "< 0.05")),
            "an approval from alice or bob",
            null);
    NotifyRequest r =
        new NotifyRequest(
            "cutover-checkout",
            null,
            "INFO",
            "status",
            CHAIN,
            CHANNELS,
            all,
            List.of(new NotifyRequest.Event("status", null, "INFO", "status", report)));

    activities.notifyPeopleTook(r);

    JsonNode body = vendors.webhook.get(0).body();
    assertThat(vendors.webhook.get(0).status()).as(vendors.webhook.get(0).problem()).isEqualTo(204);
    assertThat(body.path("schema").asText()).isEqualTo("cutover.notification/v1");
    JsonNode rep = body.path("events").get(0).path("report");
    assertThat(rep.path("state").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(rep.path("waitingFor").asText()).isEqualTo("an approval from alice or bob");
    assertThat(rep.path("nextDecisionAt").isNull()).isTrue();
    assertThat(rep.path("gates").get(0).path("pass").asText()).isEqualTo("< 0.05");
    assertThat(rep.path("gates").get(0).path("value").asDouble()).isEqualTo(0.0);
  }

  @Test
  void aLongMessageIsClippedToWhatPagerDutyAndSlackTakeAndALongSubjectGetsAHashedKey() {
    String text = "[checkout] " + "x".repeat(5000);
    String subject = "s".repeat(300);

    activities.notifyPeopleTook(request(event("breach", subject, "PAGE", text)));

    VendorStandIns.Received pd = vendors.pagerDuty.get(0);
    assertThat(pd.status()).as(pd.problem()).isEqualTo(202);
    assertThat(pd.body().path("payload").path("summary").asText()).hasSize(1024).endsWith("…");
    assertThat(pd.body().path("dedup_key").asText()).hasSize("cutover/".length() + 64);
    assertThat(vendors.slack.get(0).status()).as(vendors.slack.get(0).problem()).isEqualTo(200);
  }

  @Test
  void aChannelThatIsDownIsTriedAgainWithBackoffWithoutDelayingTheOthers() {
    vendors.slackFailFirst.set(2);
    long start = System.nanoTime();

    assertThat(activities.notifyPeopleTook(request(BREACH))).isTrue();

    assertThat(vendors.slack)
        .extracting(VendorStandIns.Received::status)
        .containsExactly(503, 503, 200);
    long gap1 = vendors.slack.get(1).atNanos() - vendors.slack.get(0).atNanos();
    long gap2 = vendors.slack.get(2).atNanos() - vendors.slack.get(1).atNanos();
    assertThat(Duration.ofNanos(gap1)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
    assertThat(Duration.ofNanos(gap2)).isGreaterThanOrEqualTo(Duration.ofMillis(390));
    // PagerDuty was paged at once, not after Slack's retries.
    assertThat(Duration.ofNanos(vendors.pagerDuty.get(0).atNanos() - start))
        .isLessThan(Duration.ofMillis(190));
    assertThat(logged())
        .contains(
            "notify cutover-checkout: channel team answered 503: service_unavailable; trying again"
                + " in 200 ms")
        .doesNotContain("s3cr3t");
  }

  @Test
  void aChannelThatStaysDownIsGivenUpAfterItsAttemptsAndTheCallReturns() {
    vendors.pagerDutyFailFirst.set(100);

    assertThat(activities.notifyPeopleTook(request(BREACH))).isFalse();

    assertThat(vendors.pagerDuty).hasSize(4);
    assertThat(logged())
        .contains(
            "channel oncall answered 503: {\"status\":\"unavailable\"}; gave up after 4 attempts");
  }

  @Test
  void whatTheVendorRefusesIsNotSentAgain() {
    try (CutoverActivitiesImpl badKey =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                Fixtures.env(
                    "SLACK_WEBHOOK",
                    vendors.slackUrl(),
                    "PD_ROUTING_KEY",
                    "too-short",
                    "AUDIT_HOOK",
                    vendors.url("/hook"),
                    ActivitySettings.PAGERDUTY_URL,
                    vendors.pagerDutyUrl())),
            Duration.ofSeconds(2),
            new OkHttpClient(),
            new Notifier.Backoff(Duration.ofMillis(50), 4, Duration.ofSeconds(5)))) {
      badKey.notifyPeopleTook(request(BREACH));
    }

    assertThat(vendors.pagerDuty).hasSize(1);
    assertThat(vendors.pagerDuty.get(0).status()).isEqualTo(400);
    assertThat(logged()).contains("channel oncall answered 400").doesNotContain("too-short");
  }

  @Test
  void aRoutingKeyNotInTheAllowedSecretsIsNeverSentNorLogged() {
    try (CutoverActivitiesImpl strict =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                Fixtures.env(
                    "SLACK_WEBHOOK",
                    vendors.slackUrl(),
                    "PD_ROUTING_KEY",
                    ROUTING_KEY,
                    Secrets.ALLOWED,
                    "SLACK_WEBHOOK",
                    ActivitySettings.PAGERDUTY_URL,
                    vendors.pagerDutyUrl())),
            Duration.ofSeconds(2),
            new OkHttpClient(),
            Notifier.Backoff.DEFAULT)) {
      strict.notifyPeopleTook(request(BREACH));
    }

    assertThat(vendors.pagerDuty).isEmpty();
    assertThat(vendors.slack).hasSize(1);
    assertThat(logged())
        .contains(
            "${env:PD_ROUTING_KEY} is not allowed: CUTOVER_ALLOWED_SECRETS does not list"
                + " PD_ROUTING_KEY")
        .doesNotContain(ROUTING_KEY);
  }

  @Test
  void aChannelOnAHostThePolicyRefusesIsNotSentTo() {
    try (CutoverActivitiesImpl policed =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                Fixtures.env(
                    "SLACK_WEBHOOK",
                    vendors.slackUrl(),
                    "PD_ROUTING_KEY",
                    ROUTING_KEY,
                    HostPolicy.VARIABLE,
                    "hooks.slack.com",
                    ActivitySettings.PAGERDUTY_URL,
                    vendors.pagerDutyUrl())),
            Duration.ofSeconds(2),
            new OkHttpClient(),
            new Notifier.Backoff(Duration.ofMillis(50), 4, Duration.ofSeconds(5)))) {
      policed.notifyPeopleTook(request(BREACH));
    }

    assertThat(vendors.slack).isEmpty();
    assertThat(vendors.pagerDuty).isEmpty();
    assertThat(logged()).contains("channel team failed:").doesNotContain("s3cr3t");
  }
}
