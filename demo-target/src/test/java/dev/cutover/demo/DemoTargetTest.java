package dev.cutover.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real started instance, over HTTP. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DemoTargetTest {

  /**
   * Short so that "after the window passes" takes about a second; the default is tested separately.
   */
  private static final Duration WINDOW = Duration.ofSeconds(1);

  private static final Duration WAIT = Duration.ofSeconds(10);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private DemoTarget target;

  @BeforeEach
  void start() {
    target = DemoTarget.start(0, WINDOW, 1234);
  }

  @AfterEach
  void stop() {
    target.close();
  }

  // ------------------------------------------------------------------ flags

  @Test
  void a_flag_can_be_set_and_read_back_for_each_kind_of_scalar() throws Exception {
    assertThat(put("/api/flags/v2-rollout", "{\"value\": 25}").summary())
        .isEqualTo(reply(200, "{\"name\":\"v2-rollout\",\"value\":25}"));
    assertThat(put("/api/flags/dark-mode", "{\"value\":true}").summary())
        .isEqualTo(reply(200, "{\"name\":\"dark-mode\",\"value\":true}"));
    assertThat(put("/api/flags/color", "{\"value\":\"blue \\\"ish\\\"\"}").summary())
        .isEqualTo(reply(200, "{\"name\":\"color\",\"value\":\"blue \\\"ish\\\"\"}"));
    assertThat(put("/api/flags/ratio", "{\"value\":0.5}").status()).isEqualTo(200);

    assertThat(get("/api/flags/v2-rollout").summary())
        .isEqualTo(reply(200, "{\"name\":\"v2-rollout\",\"value\":25}"));
    assertThat(get("/api/flags/dark-mode").summary())
        .isEqualTo(reply(200, "{\"name\":\"dark-mode\",\"value\":true}"));
    assertThat(object(get("/api/flags/color"))).containsEntry("value", "blue \"ish\"");
    assertThat(object(get("/api/flags/ratio"))).containsEntry("value", new BigDecimal("0.5"));

    assertThat(target.flags())
        .containsExactly(
            Map.entry("v2-rollout", "25"),
            Map.entry("dark-mode", "true"),
            Map.entry("color", "\"blue \\\"ish\\\"\""),
            Map.entry("ratio", "0.5"));
  }

  @Test
  void a_later_write_replaces_the_flag_value() throws Exception {
    put("/api/flags/v2-rollout", "{\"value\":10}");
    put("/api/flags/v2-rollout", "{\"value\":50}");
    assertThat(object(get("/api/flags/v2-rollout"))).containsEntry("value", new BigDecimal("50"));
    assertThat(target.flags()).containsExactly(Map.entry("v2-rollout", "50"));
  }

  @Test
  void reading_an_unknown_flag_answers_404() throws Exception {
    Reply reply = get("/api/flags/never-set");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(object(reply)).isEqualTo(Map.of("error", "no such flag"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "not json",
        "{\"value\":}",
        "[1]",
        "{\"value\":1} trailing",
        "{\"other\":1}",
        "{\"value\":{\"a\":1}}",
        "{\"value\":[1]}",
        "{\"value\":null}"
      })
  void a_malformed_flag_body_answers_400_and_changes_nothing(String body) throws Exception {
    Reply reply = put("/api/flags/v2-rollout", body);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(object(reply).get("error")).isInstanceOf(String.class);
    assertThat(target.changes()).isEmpty();
    assertThat(target.flags()).isEmpty();
    assertThat(get("/api/flags/v2-rollout").status()).isEqualTo(404);
  }

  @Test
  void a_flag_write_repeating_an_idempotency_key_is_answered_but_not_applied_again()
      throws Exception {
    put("/api/flags/v2-rollout", "{\"value\":5}", "Idempotency-Key", "wf-1/step-1");
    put("/api/flags/other", "{\"value\":true}", "Idempotency-Key", "wf-1/step-1");
    put("/api/flags/v2-rollout", "{\"value\":7}");
    Reply retried = put("/api/flags/v2-rollout", "{\"value\":5}", "Idempotency-Key", "wf-1/step-1");
    assertThat(retried.status()).isEqualTo(200);
    put("/api/flags/v2-rollout", "{\"value\":7}");
    assertThat(target.changes())
        .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
        .containsExactly(
            tuple("flag", "v2-rollout", "5", "wf-1/step-1"),
            tuple("flag", "other", "true", "wf-1/step-1"),
            tuple("flag", "v2-rollout", "7", null),
            tuple("flag", "v2-rollout", "7", null));
    assertThat(target.flags()).containsEntry("v2-rollout", "7");
  }

  // ------------------------------------------------------------------ flag API faults

  @Test
  void a_failing_flag_api_answers_the_status_and_applies_nothing_until_cleared() throws Exception {
    put("/api/flags/v2-rollout", "{\"value\": 10}");
    target.setFlagFailure(500);

    assertThat(put("/api/flags/v2-rollout", "{\"value\": 50}").summary())
        .isEqualTo(reply(500, "{\"error\":\"flag service unavailable (injected)\"}"));
    assertThat(get("/api/flags/v2-rollout").status()).isEqualTo(500);
    assertThat(get("/health").status()).as("the rest of the service still answers").isEqualTo(200);
    assertThat(target.flags()).containsExactly(Map.entry("v2-rollout", "10"));
    assertThat(target.changes()).extracting(Change::value).containsExactly("10");
    assertThat(target.flagRequests()).isEqualTo(3);

    target.setFlagFailure(0);
    assertThat(put("/api/flags/v2-rollout", "{\"value\": 50}").summary())
        .isEqualTo(reply(200, "{\"name\":\"v2-rollout\",\"value\":50}"));
    assertThat(target.flags()).containsExactly(Map.entry("v2-rollout", "50"));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 200, 302, 399, 600})
  void a_flag_failure_is_a_client_or_server_error_status(int status) {
    assertThatThrownBy(() -> target.setFlagFailure(status))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a failure status is 400..599 (or 0 for none): " + status);
  }

  @Test
  void a_hanging_flag_api_holds_the_request_then_hangs_up_and_applies_nothing() throws Exception {
    target.setFlagHang(Duration.ofMillis(800));
    long start = System.nanoTime();

    assertThatThrownBy(() -> put("/api/flags/v2-rollout", "{\"value\": 50}"))
        .isInstanceOf(IOException.class);

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(750));
    assertThat(target.flags()).isEmpty();
    assertThat(target.changes()).isEmpty();
  }

  @Test
  void a_client_gives_up_on_a_hanging_flag_api_while_the_rest_of_the_service_answers()
      throws Exception {
    target.setFlagHang(Duration.ofMinutes(1));
    HttpRequest write =
        HttpRequest.newBuilder(uri("/api/flags/v2-rollout"))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": 50}"))
            .timeout(Duration.ofMillis(300))
            .build();
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> CLIENT.send(write, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    assertThat(get("/health").status()).isEqualTo(200);
    assertThat(get("/stats").status()).isEqualTo(200);
    assertThat(target.flagRequests()).isEqualTo(6);
    assertThat(target.flags()).isEmpty();
  }

  @Test
  void clearing_the_hang_answers_again_at_once() throws Exception {
    target.setFlagHang(Duration.ofMinutes(1));
    Thread release =
        new Thread(
            () -> {
              pause(300);
              target.setFlagHang(Duration.ZERO);
            });
    release.start();
    long start = System.nanoTime();

    // The held request is let go (unanswered) as soon as the hang is cleared...
    assertThatThrownBy(() -> put("/api/flags/v2-rollout", "{\"value\": 50}"))
        .isInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    release.join();
    // ...and the next one is answered.
    assertThat(put("/api/flags/v2-rollout", "{\"value\": 50}").status()).isEqualTo(200);
    assertThat(target.flags()).containsExactly(Map.entry("v2-rollout", "50"));
  }

  @Test
  void a_negative_hang_is_refused() {
    assertThatThrownBy(() -> target.setFlagHang(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a hang cannot be negative: PT-1S");
  }

  // ------------------------------------------------------------------ actions

  @Test
  void an_action_repeated_with_the_same_idempotency_key_is_recorded_once() throws Exception {
    Reply first = post("/api/actions/drain-cache", "{\"region\":\"eu\"}", "Idempotency-Key", "k-1");
    Reply again = post("/api/actions/drain-cache", "{\"region\":\"eu\"}", "Idempotency-Key", "k-1");
    Reply otherKey =
        post("/api/actions/drain-cache", "{\"region\":\"eu\"}", "Idempotency-Key", "k-2");

    assertThat(first.summary()).isEqualTo(reply(200, "{\"ok\":true,\"name\":\"drain-cache\"}"));
    assertThat(again.summary()).isEqualTo(reply(200, "{\"ok\":true,\"duplicate\":true}"));
    assertThat(otherKey.summary()).isEqualTo(reply(200, "{\"ok\":true,\"name\":\"drain-cache\"}"));
    assertThat(target.changes())
        .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
        .containsExactly(
            tuple("action", "drain-cache", "{\"region\":\"eu\"}", "k-1"),
            tuple("action", "drain-cache", "{\"region\":\"eu\"}", "k-2"));
  }

  @Test
  void actions_without_an_idempotency_key_are_recorded_every_time_whatever_their_body()
      throws Exception {
    assertThat(post("/api/actions/page-oncall", "").status()).isEqualTo(200);
    assertThat(post("/api/actions/page-oncall", "plain text, not JSON").status()).isEqualTo(200);
    assertThat(target.changes())
        .extracting(Change::value)
        .containsExactly("", "plain text, not JSON");
    assertThat(target.changes()).allSatisfy(c -> assertThat(c.idempotencyKey()).isNull());
  }

  @Test
  void changes_are_recorded_in_order_and_listed_by_the_admin_endpoint() throws Exception {
    long before = System.currentTimeMillis();
    put("/api/flags/a", "{\"value\":1}");
    post("/api/actions/b", "body-b", "Idempotency-Key", "key-b");
    put("/api/flags/c", "{\"value\":\"x\"}", "Idempotency-Key", "key-c");
    post("/api/actions/d", "");
    long after = System.currentTimeMillis();

    List<Change> changes = target.changes();
    assertThat(changes)
        .extracting(Change::kind, Change::name)
        .containsExactly(
            tuple("flag", "a"), tuple("action", "b"), tuple("flag", "c"), tuple("action", "d"));
    assertThat(changes)
        .extracting(Change::atMillis)
        .isSorted()
        .allSatisfy(t -> assertThat(t).isBetween(before, after));

    Reply reply = get("/admin/changes");
    assertThat(reply.status()).isEqualTo(200);
    List<?> listed = (List<?>) Json.parse(reply.body());
    assertThat(listed).hasSize(4);
    for (int i = 0; i < 4; i++) {
      Map<?, ?> json = (Map<?, ?>) listed.get(i);
      Change change = changes.get(i);
      assertThat(json.get("at_millis")).isEqualTo(BigDecimal.valueOf(change.atMillis()));
      assertThat(json.get("kind")).isEqualTo(change.kind());
      assertThat(json.get("name")).isEqualTo(change.name());
      assertThat(json.get("value")).isEqualTo(change.value());
      assertThat(json.get("idempotency_key"))
          .isEqualTo(change.idempotencyKey() == null ? Json.NULL : change.idempotencyKey());
    }
    assertThat(((Map<?, ?>) listed.get(2)).get("value")).isEqualTo("\"x\"");
  }

  @Test
  void the_changes_snapshot_cannot_be_modified() {
    assertThatThrownBy(() -> target.changes().add(new Change(0, "flag", "x", "1", null)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> target.flags().put("x", "1"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ------------------------------------------------------------------ stats

  @Test
  void stats_show_no_new_path_traffic_while_rollout_is_unset() throws Exception {
    await(
        "the old path to have served traffic",
        () -> metrics().get("http_requests_total{path=\"v1\"}"),
        v1 -> v1 >= 100);
    Map<String, Object> stats = stats();
    assertThat(stats)
        .containsEntry("percent", BigDecimal.ZERO)
        .containsEntry("requests", BigDecimal.ZERO)
        .containsEntry("errors", BigDecimal.ZERO)
        .containsEntry("error_rate", Json.NULL)
        .containsEntry("in_flight", BigDecimal.ZERO);
  }

  @Test
  void stats_error_rate_follows_set_error_rate_once_rollout_is_above_zero() throws Exception {
    target.setErrorRate(1.0);
    put("/api/flags/v2-rollout", "{\"value\":100}");
    assertThat(stats()).containsEntry("percent", new BigDecimal("100"));

    await(
        "error_rate 1 at 100% with every v2 request failing",
        this::stats, s -> rate(s) != null && rate(s) == 1.0);

    target.setErrorRate(0.0);
    await(
        "error_rate 0 once the window has only healthy traffic",
        this::stats,
        s -> rate(s) != null && rate(s) == 0.0);

    target.setErrorRate(0.25);
    Map<String, Object> stats =
        await(
            "error_rate near 0.25 over a full window",
            this::stats,
            s ->
                rate(s) != null && Math.abs(rate(s) - 0.25) < 0.06 && number(s, "requests") >= 400);
    assertThat(number(stats, "errors") / number(stats, "requests")).isEqualTo(rate(stats));
    assertThat(number(stats, "in_flight")).isPositive();
  }

  @Test
  void stats_error_rate_is_null_with_rollout_at_zero_once_the_window_has_passed() throws Exception {
    target.setErrorRate(0.5);
    put("/api/flags/v2-rollout", "{\"value\":40}");
    await(
        "v2 traffic in the window", this::stats, s -> number(s, "requests") > 0 && rate(s) != null);

    put("/api/flags/v2-rollout", "{\"value\":0}");
    Map<String, Object> justAfter = stats();
    assertThat(justAfter).containsEntry("percent", BigDecimal.ZERO);
    assertThat(number(justAfter, "requests"))
        .as("recent v2 traffic is still in the window")
        .isPositive();
    assertThat(number(justAfter, "in_flight"))
        .as("work still draining right after rollback")
        .isPositive();

    Map<String, Object> later =
        await("the window to pass", this::stats, s -> s.get("error_rate") == Json.NULL);
    assertThat(later)
        .containsEntry("requests", BigDecimal.ZERO)
        .containsEntry("errors", BigDecimal.ZERO);
    await("in-flight work to drain", this::stats, s -> number(s, "in_flight") == 0);
  }

  @Test
  void a_rollout_value_that_is_not_a_number_counts_as_zero_and_out_of_range_values_are_clamped()
      throws Exception {
    put("/api/flags/v2-rollout", "{\"value\":250}");
    assertThat(stats()).containsEntry("percent", new BigDecimal("100"));
    put("/api/flags/v2-rollout", "{\"value\":\"50\"}");
    assertThat(stats()).containsEntry("percent", BigDecimal.ZERO);
    put("/api/flags/v2-rollout", "{\"value\":12.5}");
    assertThat(stats()).containsEntry("percent", new BigDecimal("12.5"));
    put("/api/flags/v2-rollout", "{\"value\":-3}");
    assertThat(stats()).containsEntry("percent", BigDecimal.ZERO);
  }

  @Test
  void the_stats_window_of_a_default_instance_spans_ten_seconds() {
    // How the window forgets what is older than its length is TrafficTest's, on a driven clock
    // (the_window_forgets_traffic_older_than_its_length); here, that a default instance's is 10 s.
    try (DemoTarget standard = DemoTarget.start(0)) {
      assertThat(standard.statsWindow()).isEqualTo(Duration.ofSeconds(10));
    }
  }

  // ------------------------------------------------------------------ metrics

  @Test
  void metrics_are_valid_exposition_format_and_count_new_path_requests_only_above_zero_percent()
      throws Exception {
    Reply first = get("/metrics");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(first.body())
        .contains(
            "# TYPE http_requests_total counter\n",
            "# TYPE http_errors_total counter\n",
            "# TYPE http_request_duration_seconds histogram\n");
    Map<String, Double> m0 = Exposition.parse(first.body());
    assertThat(m0)
        .containsKeys(
            "http_requests_total{path=\"v1\"}",
            "http_requests_total{path=\"v2\"}",
            "http_errors_total{path=\"v1\"}",
            "http_errors_total{path=\"v2\"}",
            "http_request_duration_seconds_sum{path=\"v1\"}",
            "http_request_duration_seconds_count{path=\"v2\"}",
            "http_request_duration_seconds_bucket{le=\"+Inf\",path=\"v2\"}");

    target.setErrorRate(0.5);
    Map<String, Double> m1 =
        await(
            "v1 to keep serving",
            this::metrics,
            m ->
                m.get("http_requests_total{path=\"v1\"}")
                    >= m0.get("http_requests_total{path=\"v1\"}") + 200);
    assertThat(m1.get("http_requests_total{path=\"v2\"}")).as("no v2 traffic at 0%").isZero();
    assertThat(m1.get("http_errors_total{path=\"v2\"}")).isZero();
    assertThat(m1.get("http_request_duration_seconds_count{path=\"v2\"}")).isZero();

    put("/api/flags/v2-rollout", "{\"value\":50}");
    Map<String, Double> m2 =
        await(
            "v2 traffic at 50%",
            this::metrics,
            m ->
                m.get("http_requests_total{path=\"v2\"}") >= 200
                    && m.get("http_errors_total{path=\"v2\"}") > 0);
    assertThat(m2.get("http_requests_total{path=\"v1\"}"))
        .isGreaterThan(m1.get("http_requests_total{path=\"v1\"}"));
    assertThat(m2.get("http_errors_total{path=\"v2\"}"))
        .isLessThanOrEqualTo(m2.get("http_requests_total{path=\"v2\"}"));
    assertThat(m2.get("http_request_duration_seconds_sum{path=\"v2\"}")).isPositive();

    put("/api/flags/v2-rollout", "{\"value\":0}");
    Map<String, Double> m3 = metrics(); // a tick may have been under way when the flag changed
    Map<String, Double> m4 =
        await(
            "v1 to keep serving after rollback",
            this::metrics,
            m ->
                m.get("http_requests_total{path=\"v1\"}")
                    >= m3.get("http_requests_total{path=\"v1\"}") + 200);
    assertThat(m4.get("http_requests_total{path=\"v2\"}"))
        .as("v2 frozen after rollback")
        .isLessThanOrEqualTo(
            m3.get("http_requests_total{path=\"v2\"}") + Traffic.REQUESTS_PER_TICK);
    assertThat(m4.get("http_requests_total{path=\"v2\"}"))
        .as("counters are cumulative")
        .isGreaterThanOrEqualTo(m2.get("http_requests_total{path=\"v2\"}"));
  }

  // ------------------------------------------------------------------ health and admin

  @Test
  void health_toggles_between_200_and_503() throws Exception {
    assertThat(get("/health").summary())
        .isEqualTo(reply(200, "{\"status\":\"healthy\",\"processors_available\":true}"));
    target.setHealthy(false);
    assertThat(get("/health").summary())
        .isEqualTo(reply(503, "{\"status\":\"unhealthy\",\"processors_available\":false}"));
    target.setHealthy(true);
    assertThat(get("/health").status()).isEqualTo(200);

    assertThat(post("/admin/health", "{\"healthy\":false}").summary())
        .isEqualTo(reply(200, "{\"healthy\":false}"));
    assertThat(get("/health").status()).isEqualTo(503);
    assertThat(post("/admin/health", "{\"healthy\":true}").status()).isEqualTo(200);
    assertThat(get("/health").status()).isEqualTo(200);

    assertThat(post("/admin/health", "{\"healthy\":\"no\"}").status()).isEqualTo(400);
    assertThat(post("/admin/health", "{}").status()).isEqualTo(400);
    assertThat(get("/health").status()).isEqualTo(200);
    assertThat(target.changes()).as("admin calls are not recorded as changes").isEmpty();
  }

  @Test
  void the_admin_error_rate_endpoint_sets_the_new_path_error_rate() throws Exception {
    put("/api/flags/v2-rollout", "{\"value\":100}");
    assertThat(post("/admin/error-rate", "{\"value\":1}").summary())
        .isEqualTo(reply(200, "{\"error_rate\":1}"));
    await("every v2 request to fail", this::stats, s -> rate(s) != null && rate(s) == 1.0);
    assertThat(post("/admin/error-rate", "{\"value\":0}").status()).isEqualTo(200);
    await("no v2 request to fail", this::stats, s -> rate(s) != null && rate(s) == 0.0);

    assertThat(post("/admin/error-rate", "{\"value\":1.5}").status()).isEqualTo(400);
    assertThat(post("/admin/error-rate", "{\"value\":-0.1}").status()).isEqualTo(400);
    assertThat(post("/admin/error-rate", "{\"value\":\"0.5\"}").status()).isEqualTo(400);
    assertThat(post("/admin/error-rate", "0.5").status()).isEqualTo(400);
  }

  @Test
  void set_error_rate_refuses_values_outside_zero_to_one() {
    assertThatThrownBy(() -> target.setErrorRate(-0.01))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> target.setErrorRate(1.01))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> target.setErrorRate(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknown_paths_answer_404_and_wrong_methods_405_in_json() throws Exception {
    for (String path :
        List.of("/", "/nope", "/api/flags/", "/api/flags/a/b", "/api/actions/", "/healthz")) {
      Reply reply = get(path);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.contentType()).as(path).startsWith("application/json");
      assertThat(object(reply)).as(path).containsKey("error");
    }
    assertThat(send(HttpRequest.newBuilder(uri("/api/flags/x")).DELETE()).status()).isEqualTo(405);
    assertThat(post("/health", "").status()).isEqualTo(405);
    assertThat(post("/stats", "").status()).isEqualTo(405);
    assertThat(post("/metrics", "").status()).isEqualTo(405);
    assertThat(get("/api/actions/x").status()).isEqualTo(405);
    assertThat(get("/admin/error-rate").status()).isEqualTo(405);
    assertThat(post("/admin/changes", "").status()).isEqualTo(405);
    Reply wrong = post("/api/flags/x", "{\"value\":1}");
    assertThat(wrong.status()).isEqualTo(405);
    assertThat(object(wrong)).containsKey("error");
    assertThat(target.changes()).isEmpty();
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void it_listens_on_loopback_at_the_reported_port_until_closed() throws Exception {
    assertThat(target.port()).isPositive();
    assertThat(target.baseUrl()).isEqualTo("http://127.0.0.1:" + target.port());
    assertThat(get("/health").status()).isEqualTo(200);

    target.close();
    target.close(); // idempotent
    assertThatThrownBy(() -> get("/health")).isInstanceOf(IOException.class);
  }

  @Test
  void a_port_already_in_use_is_reported() {
    assertThatThrownBy(() -> DemoTarget.start(target.port()))
        .isInstanceOf(UncheckedIOException.class);
    assertThatThrownBy(() -> DemoTarget.start(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void main_prints_the_base_url_and_serves_until_killed() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                DemoTarget.class.getName(),
                "--port",
                "0")
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).matches("http://127\\.0\\.0\\.1:\\d+");
      Reply health = send(HttpRequest.newBuilder(URI.create(line + "/health")).GET());
      assertThat(health.status()).isEqualTo(200);
      assertThat(process.isAlive()).isTrue();
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void main_refuses_a_bad_port_argument() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                DemoTarget.class.getName(),
                "--port",
                "eighty")
            .redirectErrorStream(true)
            .start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("usage");
  }

  // ------------------------------------------------------------------ helpers

  record Reply(int status, String body, String contentType) {
    /** Status and body, for comparing with {@link #reply}. */
    String summary() {
      return status + " " + body;
    }
  }

  private static String reply(int status, String body) {
    return status + " " + body;
  }

  private URI uri(String path) {
    return URI.create(target.baseUrl() + path);
  }

  private Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  private Reply put(String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body));
    return send(headers.length == 0 ? b : b.headers(headers));
  }

  private Reply post(String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
    return send(headers.length == 0 ? b : b.headers(headers));
  }

  private static Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        CLIENT.send(
            request.timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Reply(
        response.statusCode(),
        response.body(),
        response.headers().firstValue("Content-Type").orElse(""));
  }

  private static Map<String, Object> object(Reply reply) throws Json.ParseException {
    assertThat(reply.contentType()).startsWith("application/json");
    return Json.parseObject(reply.body());
  }

  private Map<String, Object> stats() {
    return stats(target.baseUrl());
  }

  private static Map<String, Object> stats(String baseUrl) {
    try {
      Reply reply = send(HttpRequest.newBuilder(URI.create(baseUrl + "/stats")).GET());
      assertThat(reply.status()).isEqualTo(200);
      Map<String, Object> stats = object(reply);
      assertThat(stats.keySet())
          .containsExactly("percent", "requests", "errors", "error_rate", "in_flight");
      return stats;
    } catch (IOException | InterruptedException | Json.ParseException e) {
      throw new AssertionError(e);
    }
  }

  private Map<String, Double> metrics() {
    try {
      Reply reply = get("/metrics");
      assertThat(reply.status()).isEqualTo(200);
      return Exposition.parse(reply.body());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** The error_rate of a /stats answer, or null when it is JSON null. */
  private static Double rate(Map<String, Object> stats) {
    Object value = stats.get("error_rate");
    return value == Json.NULL ? null : ((BigDecimal) value).doubleValue();
  }

  private static double number(Map<String, Object> stats, String key) {
    return ((BigDecimal) stats.get(key)).doubleValue();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
    return await(what, WAIT, probe, done);
  }

  /**
   * Polls every 50 ms until {@code done} holds, failing with the last value after {@code timeout}.
   */
  private static <T> T await(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last;
    while (true) {
      last = probe.get();
      if (done.test(last)) {
        return last;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout + " waiting for " + what + "; last: " + last);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
