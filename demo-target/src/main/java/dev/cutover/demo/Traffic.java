package dev.cutover.demo;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * The simulated application: synthetic requests split between the old path (v1) and the new path
 * (v2), with cumulative Prometheus-style counters and a sliding window over the new path.
 *
 * <p>Thread safety: {@link #tick} is meant to be called by one thread at a time (it owns the random
 * generator); the read methods may be called from any thread concurrently with it. All counters are
 * guarded by one lock, so each read is a consistent snapshot.
 */
final class Traffic {

  /** Synthetic requests generated per tick. */
  static final int REQUESTS_PER_TICK = 50;

  /** Time between ticks. */
  static final Duration TICK = Duration.ofMillis(100);

  /** Error ratio of the old path, fixed. */
  static final double V1_ERROR_RATE = 0.002;

  /** Upper bounds of the latency histogram buckets, in seconds; +Inf is implicit. */
  static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5};

  /** How long new-path work keeps "draining" (counting as in flight) after it was sent. */
  static final Duration DRAIN = Duration.ofSeconds(2);

  /** In-flight requests per new-path request sent within {@link #DRAIN}. */
  private static final double IN_FLIGHT_PER_RECENT_REQUEST = 0.03;

  /** Per-tick new-path counts, kept for the sliding window. */
  private record Slot(long atNanos, int requests, int errors) {}

  /** New-path figures over the sliding window. */
  record Window(long requests, long errors, int inFlight) {
    /** errors / requests, or {@code null} when there were no requests. */
    Double errorRate() {
      return requests == 0 ? null : (double) errors / requests;
    }
  }

  /** Cumulative figures for one path. Guarded by {@link Traffic#lock}. */
  private static final class PathStats {
    long requests;
    long errors;
    final long[] buckets = new long[BUCKETS.length + 1]; // non-cumulative; last is +Inf
    double sumSeconds;

    void observe(boolean error, double seconds) {
      requests++;
      if (error) {
        errors++;
      }
      sumSeconds += seconds;
      int i = 0;
      while (i < BUCKETS.length && seconds > BUCKETS[i]) {
        i++;
      }
      buckets[i]++;
    }
  }

  private final Random random;
  private final long windowNanos;
  private final long keepNanos;
  private final LongSupplier nanoClock;

  private final Object lock = new Object();
  private final PathStats v1 = new PathStats();
  private final PathStats v2 = new PathStats();
  private final ArrayDeque<Slot> slots = new ArrayDeque<>();

  Traffic(long seed, Duration window, LongSupplier nanoClock) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    this.random = new Random(seed);
    this.windowNanos = window.toNanos();
    this.keepNanos = Math.max(windowNanos, DRAIN.toNanos());
    this.nanoClock = nanoClock;
  }

  /**
   * Generates one tick of {@link #REQUESTS_PER_TICK} requests.
   *
   * @param percent share of requests routed to v2, 0..100 (clamped)
   * @param v2ErrorRate error ratio of v2, 0..1 (clamped)
   */
  void tick(double percent, double v2ErrorRate) {
    double toV2 = clamp(percent, 0, 100) / 100.0;
    double v2Errors = clamp(v2ErrorRate, 0, 1);
    boolean[] isV2 = new boolean[REQUESTS_PER_TICK];
    boolean[] isError = new boolean[REQUESTS_PER_TICK];
    double[] seconds = new double[REQUESTS_PER_TICK];
    int slotRequests = 0;
    int slotErrors = 0;
    for (int i = 0; i < REQUESTS_PER_TICK; i++) {
      isV2[i] = random.nextDouble() < toV2;
      isError[i] = random.nextDouble() < (isV2[i] ? v2Errors : V1_ERROR_RATE);
      seconds[i] = latency(isV2[i], isError[i]);
      if (isV2[i]) {
        slotRequests++;
        if (isError[i]) {
          slotErrors++;
        }
      }
    }
    long now = nanoClock.getAsLong();
    synchronized (lock) {
      for (int i = 0; i < REQUESTS_PER_TICK; i++) {
        (isV2[i] ? v2 : v1).observe(isError[i], seconds[i]);
      }
      slots.addLast(new Slot(now, slotRequests, slotErrors));
      prune(now);
    }
  }

  /** How far back the sliding window reaches. */
  Duration windowLength() {
    return Duration.ofNanos(windowNanos);
  }

  /** The new path over the sliding window ending now. */
  Window window() {
    long now = nanoClock.getAsLong();
    long requests = 0;
    long errors = 0;
    long drainingRequests = 0;
    synchronized (lock) {
      prune(now);
      for (Slot slot : slots) {
        long age = now - slot.atNanos();
        if (age < windowNanos) {
          requests += slot.requests();
          errors += slot.errors();
        }
        if (age < DRAIN.toNanos()) {
          drainingRequests += slot.requests();
        }
      }
    }
    int inFlight = (int) Math.ceil(drainingRequests * IN_FLIGHT_PER_RECENT_REQUEST);
    return new Window(requests, errors, inFlight);
  }

  /** Cumulative counters and latency histograms in the Prometheus text exposition format 0.0.4. */
  String prometheus() {
    StringBuilder out = new StringBuilder(2048);
    synchronized (lock) {
      out.append(
          "# HELP http_requests_total Simulated requests served, by path (v1 = old, v2 = new).\n");
      out.append("# TYPE http_requests_total counter\n");
      sample(out, "http_requests_total", "v1", null, v1.requests);
      sample(out, "http_requests_total", "v2", null, v2.requests);
      out.append(
          "# HELP http_errors_total Simulated requests that failed, by path (v1 = old, v2 = new).\n");
      out.append("# TYPE http_errors_total counter\n");
      sample(out, "http_errors_total", "v1", null, v1.errors);
      sample(out, "http_errors_total", "v2", null, v2.errors);
      out.append("# HELP http_request_duration_seconds Simulated request latency, by path.\n");
      out.append("# TYPE http_request_duration_seconds histogram\n");
      histogram(out, "v1", v1);
      histogram(out, "v2", v2);
    }
    return out.toString();
  }

  private static void histogram(StringBuilder out, String path, PathStats stats) {
    long cumulative = 0;
    for (int i = 0; i < BUCKETS.length; i++) {
      cumulative += stats.buckets[i];
      sample(
          out, "http_request_duration_seconds_bucket", path, Json.number(BUCKETS[i]), cumulative);
    }
    cumulative += stats.buckets[BUCKETS.length];
    sample(out, "http_request_duration_seconds_bucket", path, "+Inf", cumulative);
    out.append("http_request_duration_seconds_sum{path=\"")
        .append(path)
        .append("\"} ")
        .append(Json.number(stats.sumSeconds))
        .append('\n');
    sample(out, "http_request_duration_seconds_count", path, null, stats.requests);
  }

  private static void sample(StringBuilder out, String name, String path, String le, long value) {
    out.append(name).append("{path=\"").append(path).append('"');
    if (le != null) {
      out.append(",le=\"").append(le).append('"');
    }
    out.append("} ").append(value).append('\n');
  }

  /** Drops slots older than both the window and the drain time. Caller holds the lock. */
  private void prune(long now) {
    Iterator<Slot> it = slots.iterator();
    while (it.hasNext() && now - it.next().atNanos() >= keepNanos) {
      it.remove();
    }
  }

  private double latency(boolean newPath, boolean error) {
    double mean;
    double spread;
    if (error) {
      mean = 0.300; // failures are slow: timeouts, retries
      spread = 0.150;
    } else if (newPath) {
      mean = 0.060;
      spread = 0.015;
    } else {
      mean = 0.080;
      spread = 0.020;
    }
    return Math.max(0.005, mean + spread * random.nextGaussian());
  }

  private static double clamp(double value, double min, double max) {
    if (Double.isNaN(value)) {
      return min;
    }
    return Math.max(min, Math.min(max, value));
  }
}
