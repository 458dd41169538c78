package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Step;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import dev.cutover.workflows.MeasureRequest;
import dev.cutover.workflows.NotifyRequest;
import io.temporal.failure.ApplicationFailure;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * CUTOVER_ALLOWED_HOSTS: the rule as a table, then enforced on real connections to the demo target
 * (a real HTTP server on 127.0.0.1) for checks, Prometheus, effects and notifications.
 */
class HostPolicyTest {
  private static final String ALLOW = "; allow it with CUTOVER_ALLOWED_HOSTS";

  private static HostPolicy policy(String allowed) {
    return Fixtures.settings(allowed == null ? Map.of() : Map.of(HostPolicy.VARIABLE, allowed))
        .hosts();
  }

  private static InetAddress ip(String literal) {
    InetAddress a = HostPolicy.literal(literal);
    assertThat(a).as(literal).isNotNull();
    return a;
  }

  // ------------------------------------------------------------------ the rule

  static Stream<Arguments> unsetList() {
    return Stream.of(
        Arguments.of("127.0.0.1", "127.0.0.1", "host 127.0.0.1 is loopback" + ALLOW),
        Arguments.of("127.8.9.10", "127.8.9.10", "host 127.8.9.10 is loopback" + ALLOW),
        Arguments.of("::1", "::1", "host 0:0:0:0:0:0:0:1 is loopback" + ALLOW),
        Arguments.of(
            "169.254.169.254", "169.254.169.254", "host 169.254.169.254 is link-local" + ALLOW),
        Arguments.of("fe80::1", "fe80::1", "host fe80:0:0:0:0:0:0:1 is link-local" + ALLOW),
        Arguments.of(
            "0.0.0.0",
            "0.0.0.0",
            "host 0.0.0.0 is the unspecified address (it reaches this machine)" + ALLOW),
        Arguments.of(
            "::",
            "::",
            "host 0:0:0:0:0:0:0:0 is the unspecified address (it reaches this machine)" + ALLOW),
        // IPv4-compatible IPv6 carrying a loopback address; an IPv4-mapped one parses as IPv4
        // itself.
        Arguments.of(
            "::127.0.0.1",
            "::127.0.0.1",
            "host 0:0:0:0:0:0:7f00:1 carries 127.0.0.1, which is loopback" + ALLOW),
        Arguments.of("::ffff:127.0.0.1", "::ffff:127.0.0.1", "host 127.0.0.1 is loopback" + ALLOW),
        // After DNS: a name is judged by what it resolved to, and the message says both.
        Arguments.of("localhost", "127.0.0.1", "host localhost (127.0.0.1) is loopback" + ALLOW),
        Arguments.of(
            "metadata.google.internal",
            "169.254.169.254",
            "host metadata.google.internal (169.254.169.254) is link-local" + ALLOW),
        Arguments.of("10.1.2.3", "10.1.2.3", null),
        Arguments.of("api.example.com", "93.184.216.34", null),
        Arguments.of("fd00::5", "fd00::5", null));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @MethodSource("unsetList")
  void withoutTheVariableEverythingButLoopbackLinkLocalAndUnspecifiedIsAllowed(
      String host, String address, String refusal) {
    assertThat(policy(null).refusal(host, ip(address))).isEqualTo(refusal);
    assertThat(policy("  ").refusal(host, ip(address))).as("blank is unset").isEqualTo(refusal);
  }

  static Stream<Arguments> setList() {
    String notIn = " is not in CUTOVER_ALLOWED_HOSTS";
    return Stream.of(
        Arguments.of("10.2.3.4", "10.2.3.4", null),
        Arguments.of("10.255.255.255", "10.255.255.255", null),
        Arguments.of("11.0.0.1", "11.0.0.1", "host 11.0.0.1" + notIn),
        Arguments.of("192.168.7.9", "192.168.7.9", null),
        Arguments.of("192.168.8.1", "192.168.8.1", "host 192.168.8.1" + notIn),
        Arguments.of("127.0.0.1", "127.0.0.1", null),
        Arguments.of("127.0.0.2", "127.0.0.2", "host 127.0.0.2 is loopback" + ALLOW),
        Arguments.of("::1", "::1", null),
        Arguments.of(
            "169.254.169.254", "169.254.169.254", "host 169.254.169.254 is link-local" + ALLOW),
        // A listed name: the operator vouches for it, whatever it resolves to.
        Arguments.of("flags.internal", "10.9.9.9", null),
        Arguments.of("FLAGS.Internal.", "172.16.0.4", null),
        Arguments.of("flags.internal", "127.0.0.5", null),
        // A name not listed is judged by its address alone.
        Arguments.of("other.internal", "172.16.0.4", "host other.internal (172.16.0.4)" + notIn),
        Arguments.of("evil.example", "10.2.3.4", null),
        Arguments.of(
            "evil.example", "127.0.0.9", "host evil.example (127.0.0.9) is loopback" + ALLOW),
        Arguments.of(
            "api.example.com", "93.184.216.34", "host api.example.com (93.184.216.34)" + notIn));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @MethodSource("setList")
  void withTheVariableOnlyWhatItListsIsAllowed(String host, String address, String refusal) {
    HostPolicy p = policy(" 10.0.0.0/8, 192.168.7.0/24 ,127.0.0.1,::1/128,flags.internal,,");

    assertThat(p.refusal(host, ip(address))).isEqualTo(refusal);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "foo bar",
        "http://flags.internal",
        "10.0.0.0/33",
        "10.0.0.0/x",
        "flags.internal/8",
        "::1/129",
        "under_score.internal",
        "-leading.internal",
        "1.2.3.4.5.6.7.8.9/3",
        "999.1.1.1",
        "10.0.0.256/8"
      })
  void anEntryThatIsNoHostAddressOrRangeStopsTheWorkerNamingIt(String entry) {
    assertThatThrownBy(() -> policy("10.0.0.1," + entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("CUTOVER_ALLOWED_HOSTS: \"")
        .hasMessageContaining(entry);
  }

  @Test
  void aBadEntryFailsTheActivitiesAtConstructionSoTheWorkerNeverStartsWithAPolicyItCannotRead() {
    assertThatThrownBy(
            () ->
                new CutoverActivitiesImpl(
                    Fixtures.settings(Map.of("CUTOVER_ALLOWED_HOSTS", "127.0.0.1, 10.0.0.0/40")),
                    Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CUTOVER_ALLOWED_HOSTS: \"10.0.0.0/40\" has a prefix length outside 0..32");
  }

  // ------------------------------------------------------------------ enforced on real connections

  @Nested
  class OnTheDemoTarget {
    private DemoTarget target;

    @BeforeEach
    void start() {
      target = DemoTarget.start(0);
    }

    @AfterEach
    void stop() {
      target.close();
    }

    private Reading health(CutoverActivitiesImpl activities, String base) {
      return HttpSourceTest.measureOne(
          activities, base, "http: GET app:/health\nexpect: { status: 200 }\n");
    }

    @Test
    void aCheckOnALoopbackHostIsAnErrorSayingHowToAllowIt() {
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(Map.of(Secrets.ALLOWED, "APP_TOKEN", "APP_TOKEN", "app-token-7c1")),
              Duration.ofSeconds(5))) {
        assertThat(health(activities, target.baseUrl()))
            .isEqualTo(
                Reading.error("probe", "GET app:/health: host 127.0.0.1 is loopback" + ALLOW));
      }
      try (CutoverActivitiesImpl allowed =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "APP_TOKEN",
                      "APP_TOKEN",
                      "app-token-7c1",
                      "CUTOVER_ALLOWED_HOSTS",
                      "127.0.0.1")),
              Duration.ofSeconds(5))) {
        assertThat(health(allowed, target.baseUrl()))
            .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
      }
    }

    @Test
    void aLoopbackNameIsRefusedOnTheAddressItResolvesTo() {
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(Map.of(Secrets.ALLOWED, "APP_TOKEN", "APP_TOKEN", "app-token-7c1")),
              Duration.ofSeconds(5))) {
        assertThat(health(activities, "http://localhost:" + target.port()))
            .isEqualTo(
                Reading.error(
                    "probe", "GET app:/health: host localhost (127.0.0.1) is loopback" + ALLOW));
      }
    }

    static Stream<Arguments> loopbackSpellings() {
      // Ways of writing "this machine" into a URL that OkHttp accepts, and what each is refused as.
      String loopback = " is loopback" + ALLOW;
      return Stream.of(
          Arguments.of("127.0.0.1", "host 127.0.0.1" + loopback),
          Arguments.of("127.1", "host 127.0.0.1" + loopback),
          Arguments.of("2130706433", "host 127.0.0.1" + loopback),
          Arguments.of("[::ffff:127.0.0.1]", "host 127.0.0.1" + loopback),
          Arguments.of(
              "0.0.0.0",
              "host 0.0.0.0 is the unspecified address (it reaches this machine)" + ALLOW),
          Arguments.of("LOCALHOST", "host localhost (127.0.0.1)" + loopback));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loopbackSpellings")
    void noSpellingOfLoopbackGetsThrough(String host, String refusal) {
      String base = "http://" + host + ":" + target.port();
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "APP_TOKEN",
                      "APP_TOKEN",
                      "app-token-7c1",
                      "CUTOVER_ALLOWED_HOSTS",
                      "10.0.0.0/8")),
              Duration.ofSeconds(5))) {
        assertThat(health(activities, base))
            .isEqualTo(Reading.error("probe", "GET app:/health: " + refusal));
      }
      // The same URL reaches the target once loopback is allowed: the refusal above was the
      // policy's.
      try (CutoverActivitiesImpl allowed =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "APP_TOKEN",
                      "APP_TOKEN",
                      "app-token-7c1",
                      "CUTOVER_ALLOWED_HOSTS",
                      "127.0.0.0/8,0.0.0.0,localhost")),
              Duration.ofSeconds(5))) {
        assertThat(health(allowed, base))
            .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
      }
    }

    @Test
    void aNameResolvingToTheMetadataAddressIsRefusedAfterDnsWithoutConnecting() {
      Dns fake =
          host ->
              switch (host) {
                case "metadata.test" -> List.of(address("metadata.test", 169, 254, 169, 254));
                default -> throw new UnknownHostException(host);
              };
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(Map.of(Secrets.ALLOWED, "APP_TOKEN", "APP_TOKEN", "app-token-7c1")),
              Duration.ofSeconds(5),
              new OkHttpClient.Builder().dns(fake).build())) {
        long start = System.nanoTime();

        Reading r = health(activities, "http://metadata.test");

        assertThat(r)
            .isEqualTo(
                Reading.error(
                    "probe",
                    "GET app:/health: host metadata.test (169.254.169.254) is link-local" + ALLOW));
        // A connection attempt to 169.254.169.254 would hang here until the timeout.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      }
    }

    @Test
    void aDnsAnswerMixingRefusedAndAllowedAddressesConnectsOnlyToTheAllowedOnes() {
      // Rebinding-style answer: the metadata address first, then the real (allowed) one.
      Dns fake = host -> List.of(address(host, 169, 254, 169, 254), address(host, 127, 0, 0, 1));
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "APP_TOKEN",
                      "APP_TOKEN",
                      "app-token-7c1",
                      "CUTOVER_ALLOWED_HOSTS",
                      "127.0.0.1")),
              Duration.ofSeconds(3),
              new OkHttpClient.Builder().dns(fake).build())) {
        assertThat(health(activities, "http://app.test:" + target.port()))
            .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
      }
    }

    @Test
    void withAListAnUnlistedHostIsRefusedBeforeAnyConnection() {
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "APP_TOKEN",
                      "APP_TOKEN",
                      "app-token-7c1",
                      "CUTOVER_ALLOWED_HOSTS",
                      "127.0.0.1")),
              Duration.ofSeconds(5))) {
        long start = System.nanoTime();

        // 192.0.2.0/24 is TEST-NET-1: nothing answers there, so a real attempt would time out.
        Reading r = health(activities, "http://192.0.2.1");

        assertThat(r)
            .isEqualTo(
                Reading.error(
                    "probe", "GET app:/health: host 192.0.2.1 is not in CUTOVER_ALLOWED_HOSTS"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      }
    }

    @Test
    void prometheusOnALoopbackHostIsAnErrorReading() {
      Map<String, JsonNode> connections =
          Map.of("prom", tree("prometheus: " + target.baseUrl() + "\n"));
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(Fixtures.settings(Map.of()), Duration.ofSeconds(5))) {
        List<Reading> r =
            activities.measure(
                new MeasureRequest(
                    "cutover-x",
                    List.of(
                        new MeasureRequest.CheckSpec(
                            "error_rate",
                            tree("prometheus: prom\nquery: up\npass: '== 1'\n"),
                            connections))));

        assertThat(r)
            .containsExactly(
                Reading.error("error_rate", "prometheus prom: host 127.0.0.1 is loopback" + ALLOW));
      }
    }

    @Test
    void anEffectOnALoopbackHostIsANonRetryableInvalidRequestAndChangesNothing() {
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(Secrets.ALLOWED, "FLAG_TOKEN", "FLAG_TOKEN", "flag-token-7c1")),
              Duration.ofSeconds(5))) {
        EffectRequest request =
            new EffectRequest(
                "cutover-demo",
                "cutover-demo/stage-0/traffic",
                "canary",
                new Step(Step.Kind.TRAFFIC, 0, 0, 10, null, "stage-0/traffic"),
                tree(
                    """
                set: { http: "PUT flags:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
                get: { http: "GET flags:/api/flags/v2-rollout", value: "$.value" }
                """),
                null,
                null,
                EffectsTest.connections(target.baseUrl()));

        ApplicationFailure f = failure(() -> activities.apply(request));

        assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
        assertThat(f.isNonRetryable()).isTrue();
        assertThat(f.getOriginalMessage())
            .isEqualTo("PUT flags:/api/flags/v2-rollout: host 127.0.0.1 is loopback" + ALLOW);
        assertThat(target.changes()).isEmpty();
      }
    }

    @Test
    void anActionOnALinkLocalHostIsANonRetryableInvalidRequest() {
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(Map.of("CUTOVER_ALLOWED_HOSTS", "127.0.0.1")),
              Duration.ofSeconds(5))) {
        EffectRequest request =
            EffectsTest.action(
                target.baseUrl(),
                "cutover-demo/stage-3/actions/0",
                "deprecate",
                tree(
                    "http: \"POST http://169.254.169.254/latest/api/token\"\nexpect: { status: 200 }\n"));

        ApplicationFailure f = failure(() -> activities.apply(request));

        assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
        assertThat(f.isNonRetryable()).isTrue();
        assertThat(f.getOriginalMessage())
            .isEqualTo(
                "POST http://169.254.169.254/latest/api/token: host 169.254.169.254 is link-local"
                    + ALLOW);
      }
    }

    @Test
    void aNotificationToARefusedWebhookIsLoggedAndNeverThrown() {
      ListAppender<ILoggingEvent> log = new ListAppender<>();
      log.start();
      Logger logger = (Logger) LoggerFactory.getLogger(Notifier.class);
      logger.addAppender(log);
      try (CutoverActivitiesImpl activities =
          new CutoverActivitiesImpl(
              Fixtures.settings(
                  Map.of(
                      Secrets.ALLOWED,
                      "SLACK_WEBHOOK",
                      "SLACK_WEBHOOK",
                      target.baseUrl() + "/api/actions/webhook")),
              Duration.ofSeconds(5))) {
        activities.notifyPeople(
            new NotifyRequest("cutover-x", "${env:SLACK_WEBHOOK}", "PAGE", "ROLLBACK FAILING"));
      } finally {
        logger.detachAppender(log);
      }

      assertThat(log.list.stream().map(ILoggingEvent::getFormattedMessage))
          .contains("notify cutover-x: the webhook failed: host 127.0.0.1 is loopback" + ALLOW);
      assertThat(target.changes()).isEmpty();
    }
  }

  private static InetAddress address(String host, int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(host, new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
