package dev.cutover.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The simulation on a fake clock: no threads, no sleeping. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TrafficTest {

  private static final long TICK_NANOS = Traffic.TICK.toNanos();

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Traffic traffic = new Traffic(7, Duration.ofSeconds(10), now::get);

  private void run(int ticks, double percent, double errorRate) {
    for (int i = 0; i < ticks; i++) {
      traffic.tick(percent, errorRate);
      now.addAndGet(TICK_NANOS);
    }
  }

  private Map<String, Double> metrics() {
    return Exposition.parse(traffic.prometheus());
  }

  @Test
  void with_rollout_at_zero_every_request_takes_the_old_path() {
    run(20, 0, 1.0);
    Map<String, Double> m = metrics();
    assertThat(m.get("http_requests_total{path=\"v1\"}"))
        .isEqualTo(20.0 * Traffic.REQUESTS_PER_TICK);
    assertThat(m.get("http_requests_total{path=\"v2\"}")).isZero();
    assertThat(m.get("http_errors_total{path=\"v2\"}")).isZero();
    assertThat(traffic.window().requests()).isZero();
    assertThat(traffic.window().errorRate()).isNull();
    assertThat(traffic.window().inFlight()).isZero();
  }

  @Test
  void rollout_percent_sets_the_share_of_new_path_requests() {
    run(200, 30, 0);
    Map<String, Double> m = metrics();
    double v1 = m.get("http_requests_total{path=\"v1\"}");
    double v2 = m.get("http_requests_total{path=\"v2\"}");
    assertThat(v1 + v2).isEqualTo(200.0 * Traffic.REQUESTS_PER_TICK);
    assertThat(v2 / (v1 + v2)).isCloseTo(0.30, within(0.03));
  }

  @Test
  void the_window_counts_new_path_errors_at_the_configured_rate() {
    run(50, 100, 1.0);
    assertThat(traffic.window().requests()).isEqualTo(50L * Traffic.REQUESTS_PER_TICK);
    assertThat(traffic.window().errorRate()).isEqualTo(1.0);
    run(100, 100, 0.2); // a full window at the new rate
    assertThat(traffic.window().errorRate()).isCloseTo(0.2, within(0.03));
    run(100, 100, 0.0);
    assertThat(traffic.window().errorRate()).isEqualTo(0.0);
  }

  @Test
  void the_old_path_fails_rarely_whatever_the_new_path_does() {
    run(400, 0, 1.0);
    Map<String, Double> m = metrics();
    double rate =
        m.get("http_errors_total{path=\"v1\"}") / m.get("http_requests_total{path=\"v1\"}");
    assertThat(rate).isGreaterThan(0).isLessThan(0.006);
  }

  @Test
  void the_window_forgets_traffic_older_than_its_length() {
    run(10, 100, 0.5);
    assertThat(traffic.window().requests()).isEqualTo(500);
    now.addAndGet(Duration.ofSeconds(8).toNanos());
    assertThat(traffic.window().requests())
        .as("oldest tick 9 s old: all inside the window")
        .isEqualTo(500);
    now.addAndGet(Duration.ofMillis(1450).toNanos());
    assertThat(traffic.window().requests())
        .as("the 5 oldest ticks are more than 10 s old")
        .isEqualTo(250);
    now.addAndGet(Duration.ofMillis(450).toNanos());
    assertThat(traffic.window().requests()).as("newest tick 10 s old").isZero();
    assertThat(traffic.window().errorRate()).isNull();
    // cumulative counters are not windowed
    assertThat(metrics().get("http_requests_total{path=\"v2\"}")).isEqualTo(500.0);
  }

  @Test
  void in_flight_follows_recent_new_path_traffic_and_drains_after_rollback() {
    run(30, 10, 0);
    int low = traffic.window().inFlight();
    run(30, 100, 0);
    int high = traffic.window().inFlight();
    assertThat(low).isPositive();
    assertThat(high).isGreaterThan(low * 3).isLessThanOrEqualTo(100);
    run(10, 0, 0); // one second after rollback: still draining
    assertThat(traffic.window().inFlight()).isPositive().isLessThan(high);
    run(10, 0, 0); // two seconds after rollback
    assertThat(traffic.window().inFlight()).isZero();
  }

  @Test
  void a_window_shorter_than_the_drain_time_forgets_traffic_that_still_counts_as_in_flight() {
    Traffic shortWindow = new Traffic(7, Duration.ofSeconds(1), now::get);
    for (int i = 0; i < 9; i++) { // the oldest tick is 0.9 s old afterwards
      shortWindow.tick(100, 0);
      now.addAndGet(TICK_NANOS);
    }
    assertThat(shortWindow.window().requests()).isEqualTo(450);
    now.addAndGet(Duration.ofMillis(1000).toNanos());
    assertThat(shortWindow.window().requests()).isZero();
    assertThat(shortWindow.window().errorRate()).isNull();
    assertThat(shortWindow.window().inFlight()).isPositive();
  }

  @Test
  void histograms_are_cumulative_and_latencies_are_near_their_targets() {
    run(100, 50, 0);
    Map<String, Double> m =
        metrics(); // Exposition checks buckets are cumulative and +Inf == _count
    for (String path : new String[] {"v1", "v2"}) {
      String p = "path=\"" + path + "\"";
      assertThat(m.get("http_request_duration_seconds_count{" + p + "}"))
          .isEqualTo(m.get("http_requests_total{" + p + "}"));
      assertThat(m)
          .containsKeys(
              "http_request_duration_seconds_bucket{le=\"0.05\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"0.1\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"0.25\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"0.5\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"1\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"2.5\"," + p + "}",
              "http_request_duration_seconds_bucket{le=\"+Inf\"," + p + "}");
    }
    double v1Mean =
        m.get("http_request_duration_seconds_sum{path=\"v1\"}")
            / m.get("http_request_duration_seconds_count{path=\"v1\"}");
    double v2Mean =
        m.get("http_request_duration_seconds_sum{path=\"v2\"}")
            / m.get("http_request_duration_seconds_count{path=\"v2\"}");
    assertThat(v1Mean).isCloseTo(0.080, within(0.01));
    assertThat(v2Mean).isCloseTo(0.060, within(0.01));
    // most v2 requests are fast: the 0.1 bucket holds nearly all of them
    assertThat(
            m.get("http_request_duration_seconds_bucket{le=\"0.1\",path=\"v2\"}")
                / m.get("http_request_duration_seconds_count{path=\"v2\"}"))
        .isGreaterThan(0.95);
  }

  @Test
  void failed_requests_are_slower() {
    run(100, 100, 1.0);
    Map<String, Double> m = metrics();
    double v2Mean =
        m.get("http_request_duration_seconds_sum{path=\"v2\"}")
            / m.get("http_request_duration_seconds_count{path=\"v2\"}");
    assertThat(v2Mean).isGreaterThan(0.2);
  }

  @Test
  void a_non_positive_window_is_refused() {
    assertThatThrownBy(() -> new Traffic(1, Duration.ZERO, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
