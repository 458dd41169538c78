package dev.cutover.demo;

import static dev.cutover.demo.Exchanges.JSON;
import static dev.cutover.demo.Exchanges.allow;
import static dev.cutover.demo.Exchanges.error;
import static dev.cutover.demo.Exchanges.idempotencyKey;
import static dev.cutover.demo.Exchanges.jsonBody;
import static dev.cutover.demo.Exchanges.methodNotAllowed;
import static dev.cutover.demo.Exchanges.nameAfter;
import static dev.cutover.demo.Exchanges.readBody;
import static dev.cutover.demo.Exchanges.send;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.demo.Exchanges.BadRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a team's production system, for demos and tests: a feature-flag API, an
 * application whose old path (v1) and new path (v2) receive simulated traffic split by the {@value
 * #ROLLOUT_FLAG} flag, and an admin API that records everything done to it.
 *
 * <p>Endpoints (all JSON unless noted):
 *
 * <ul>
 *   <li>{@code GET /health}: 200 healthy, or 503 after {@link #setHealthy setHealthy(false)}.
 *   <li>{@code PUT /api/flags/{name}} with {@code {"value": <scalar>}}, {@code GET
 *       /api/flags/{name}}; a write repeating an {@code Idempotency-Key} already used for that flag
 *       is answered but not applied or recorded again. For fault tests the flag API can be made to
 *       fail ({@link #setFlagFailure}) or to hang ({@link #setFlagHang}); either way nothing is
 *       applied.
 *   <li>{@code POST /api/actions/{name}}: any body; an {@code Idempotency-Key} already used by an
 *       earlier action call is answered {@code {"ok":true,"duplicate":true}} and not recorded.
 *   <li>{@code GET /stats}: the new path over a sliding 10 s window.
 *   <li>{@code GET /metrics}: Prometheus text exposition format, cumulative per path.
 *   <li>{@code POST /admin/error-rate} {@code {"value":0.25}}, {@code POST /admin/health} {@code
 *       {"healthy":false}}, {@code GET /admin/changes}.
 * </ul>
 *
 * <p>Traffic: one daemon thread generates 50 requests every 100 ms; each goes to v2 with
 * probability {@code percent/100}, where percent is the numeric value of {@value #ROLLOUT_FLAG} (0
 * when unset or not a number, clamped to 0..100).
 *
 * <p>Thread safety: all methods are safe to call from any thread, concurrently with the HTTP
 * handlers and the traffic thread. Recording a change, the flag table and the idempotency keys are
 * updated atomically together, so {@link #changes()} and {@link #flags()} are consistent snapshots.
 */
public final class DemoTarget implements AutoCloseable {

  private final java.util.Set<String> flagKeys = new java.util.HashSet<>();
  private volatile long flagDelayMillis;
  private volatile int flagFailure;
  private volatile long flagHangMillis;
  private final AtomicInteger flagRequests = new AtomicInteger();
  private final AtomicInteger repeats = new AtomicInteger();

  /** The flag whose numeric value is the share (0..100) of traffic sent to the new path. */
  public static final String ROLLOUT_FLAG = "v2-rollout";

  static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
  static final long DEFAULT_SEED = 20240601L;
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService httpThreads;
  private final ScheduledExecutorService trafficThread;
  private final Traffic traffic;
  private final AtomicBoolean closed = new AtomicBoolean();

  private volatile double errorRate;
  private volatile boolean healthy = true;
  private volatile double percent;

  private final Object state = new Object();
  private final List<Change> changes = new ArrayList<>(); // guarded by state
  private final Map<String, String> flags = new LinkedHashMap<>(); // guarded by state
  private final Set<String> actionKeys = new HashSet<>(); // guarded by state

  private DemoTarget(HttpServer server, Traffic traffic) {
    this.server = server;
    this.traffic = traffic;
    // Enough threads that requests held by setFlagHang never starve /health, /stats and /metrics.
    this.httpThreads = Executors.newFixedThreadPool(16, daemonThreads("demo-target-http"));
    this.trafficThread =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("demo-target-traffic"));
  }

  /**
   * Starts a demo target listening on 127.0.0.1.
   *
   * @param port the TCP port, or 0 for an ephemeral one (see {@link #port()})
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static DemoTarget start(int port) {
    return start(port, DEFAULT_WINDOW, DEFAULT_SEED);
  }

  /** As {@link #start(int)}, with the /stats window and the random seed chosen (for tests). */
  @SuppressWarnings(
      "FutureReturnValueIgnored") // the tick catches everything itself; close() stops the executor
  static DemoTarget start(int port, Duration window, long seed) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    // The JDK's server writes a response's headers and its body apart; with Nagle's algorithm on,
    // a client that keeps its connection (the worker's does) waits for its own delayed ACK, ~40 ms,
    // on every request. A flag API answers at once. Read once, by the JVM's first HttpServer.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
    }
    DemoTarget target = new DemoTarget(server, new Traffic(seed, window, System::nanoTime));
    server.createContext("/", target::handle);
    server.setExecutor(target.httpThreads);
    server.start();
    long tick = Traffic.TICK.toMillis();
    target.trafficThread.scheduleAtFixedRate(target::tick, tick, tick, TimeUnit.MILLISECONDS);
    return target;
  }

  /** How far back /stats looks. */
  Duration statsWindow() {
    return traffic.windowLength();
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * Sets the error ratio of the new path (v2).
   *
   * @param rate 0 (no errors) to 1 (every v2 request fails)
   * @throws IllegalArgumentException when outside 0..1 or NaN
   */
  public void setErrorRate(double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("error rate must be within 0..1: " + rate);
    }
    this.errorRate = rate;
  }

  /** Makes {@code GET /health} answer 200 (healthy) or 503 (unhealthy). */
  public void setHealthy(boolean healthy) {
    this.healthy = healthy;
  }

  /** Makes every flag write take this long before it is applied (for crash-during-apply tests). */
  public void setFlagDelay(java.time.Duration delay) {
    flagDelayMillis = delay.toMillis();
  }

  /**
   * Makes the flag API fail: every {@code GET} and {@code PUT} on {@code /api/flags/...} is
   * answered {@code status} with {@code {"error": "flag service unavailable (injected)"}} and
   * nothing is applied or recorded, until called again with 0.
   *
   * @param status 400..599, or 0 to answer normally again
   * @throws IllegalArgumentException for any other status
   */
  public void setFlagFailure(int status) {
    if (status != 0 && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("a failure status is 400..599 (or 0 for none): " + status);
    }
    flagFailure = status;
  }

  /**
   * Makes the flag API hang: every request on {@code /api/flags/...} is held for {@code hang} (or
   * until the hang is cleared), then its connection is closed without an answer; nothing is applied
   * or recorded. {@link Duration#ZERO} clears it and lets held requests go at once (still
   * unanswered). Other endpoints keep answering meanwhile.
   *
   * @throws IllegalArgumentException when negative
   */
  public void setFlagHang(Duration hang) {
    if (hang.isNegative()) {
      throw new IllegalArgumentException("a hang cannot be negative: " + hang);
    }
    flagHangMillis = hang.toMillis();
  }

  /** How many requests the flag API has received (answered, failed or hung), for retry tests. */
  public int flagRequests() {
    return flagRequests.get();
  }

  /**
   * How many flag writes and action calls repeated an idempotency key already used, and so were
   * answered without being applied or recorded: retries, counted as such.
   */
  public int repeats() {
    return repeats.get();
  }

  /** True when the request was failed or hung up on by an injected fault (nothing else to do). */
  private boolean injectedFault(HttpExchange ex) throws IOException {
    long hang = flagHangMillis;
    if (hang > 0) {
      long deadline = System.nanoTime() + hang * 1_000_000;
      while (flagHangMillis > 0 && System.nanoTime() < deadline && !closed.get()) {
        pause(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      }
      // No status line: closing the exchange now drops the connection, which is what a
      // client sees from a dead proxy or a killed server.
      return true;
    }
    int status = flagFailure;
    if (status != 0) {
      send(ex, status, JSON, error("flag service unavailable (injected)"));
      return true;
    }
    return false;
  }

  private static void pause(long millis) {
    if (millis > 0) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Every flag write and (non-duplicate) action call so far, oldest first; an immutable snapshot.
   */
  public List<Change> changes() {
    synchronized (state) {
      return List.copyOf(changes);
    }
  }

  /** Current flag values as JSON text, in order of first write; an immutable snapshot. */
  public Map<String, String> flags() {
    synchronized (state) {
      return Collections.unmodifiableMap(new LinkedHashMap<>(flags));
    }
  }

  /** Stops the HTTP server and the traffic; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      trafficThread.shutdownNow();
      server.stop(0);
      httpThreads.shutdownNow();
    }
  }

  /**
   * Runs a demo target until the process is killed, printing its base URL on standard output.
   *
   * <p>Usage: {@code java -jar cutover-demo-target.jar [--port N]} (default 0: an ephemeral port).
   */
  public static void main(String[] args) throws InterruptedException {
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      if (arg.equals("--port") && i + 1 < args.length) {
        value = args[++i];
      } else if (arg.startsWith("--port=")) {
        value = arg.substring("--port=".length());
      }
      try {
        if (value == null) {
          throw new NumberFormatException();
        }
        port = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        System.err.println("usage: DemoTarget [--port N]");
        System.exit(2);
      }
    }
    DemoTarget target = start(port);
    Runtime.getRuntime().addShutdownHook(new Thread(target::close, "demo-target-shutdown"));
    System.out.println(target.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }

  // ---------------------------------------------------------------- traffic

  @SuppressWarnings(
      "CatchAndPrintStackTrace") // a JDK-only service without a logger: stderr is its log
  private void tick() {
    try {
      traffic.tick(percent, errorRate);
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic task silently.
      e.printStackTrace();
    }
  }

  // ---------------------------------------------------------------- HTTP

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        route(exchange);
      } catch (BadRequest e) {
        send(exchange, 400, JSON, error(e.getMessage()));
      } catch (RuntimeException e) {
        send(exchange, 500, JSON, error("internal error: " + e));
      }
    }
  }

  private void route(HttpExchange ex) throws IOException, BadRequest {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    if (path.equals("/health")) {
      if (allow(ex, "GET")) {
        boolean up = healthy;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "healthy" : "unhealthy");
        body.put("processors_available", up);
        send(ex, up ? 200 : 503, JSON, Json.write(body));
      }
    } else if (path.equals("/stats")) {
      if (allow(ex, "GET")) {
        send(ex, 200, JSON, stats());
      }
    } else if (path.equals("/metrics")) {
      if (allow(ex, "GET")) {
        send(ex, 200, PROMETHEUS, traffic.prometheus());
      }
    } else if (path.equals("/admin/changes")) {
      if (allow(ex, "GET")) {
        send(ex, 200, JSON, changesJson());
      }
    } else if (path.equals("/admin/error-rate")) {
      if (allow(ex, "POST")) {
        adminErrorRate(ex);
      }
    } else if (path.equals("/admin/health")) {
      if (allow(ex, "POST")) {
        adminHealth(ex);
      }
    } else if (nameAfter(path, "/api/flags/") != null) {
      String name = nameAfter(path, "/api/flags/");
      flagRequests.incrementAndGet();
      if (injectedFault(ex)) {
        return;
      }
      switch (method) {
        case "GET" -> getFlag(ex, name);
        case "PUT" -> putFlag(ex, name);
        default -> methodNotAllowed(ex, "GET, PUT");
      }
    } else if (nameAfter(path, "/api/actions/") != null) {
      if (allow(ex, "POST")) {
        postAction(ex, nameAfter(path, "/api/actions/"));
      }
    } else {
      send(ex, 404, JSON, error("no such endpoint: " + path));
    }
  }

  private void getFlag(HttpExchange ex, String name) throws IOException {
    String value;
    synchronized (state) {
      value = flags.get(name);
    }
    if (value == null) {
      send(ex, 404, JSON, error("no such flag"));
    } else {
      send(ex, 200, JSON, flagJson(name, value));
    }
  }

  private void putFlag(HttpExchange ex, String name) throws IOException, BadRequest {
    Map<String, Object> body = jsonBody(ex);
    if (!body.containsKey("value")) {
      throw new BadRequest("body must have a \"value\"");
    }
    Object value = body.get("value");
    if (!(value instanceof BigDecimal || value instanceof Boolean || value instanceof String)) {
      throw new BadRequest("\"value\" must be a JSON number, boolean or string");
    }
    String raw = Json.write(value);
    pause(flagDelayMillis);
    String key = idempotencyKey(ex);
    synchronized (state) {
      // Like a flag service that honours Idempotency-Key: a retried write with the same key
      // for the same flag is answered but neither applied nor recorded again.
      if (key == null || flagKeys.add(name + "\n" + key)) {
        flags.put(name, raw);
        changes.add(new Change(System.currentTimeMillis(), Change.FLAG, name, raw, key));
        if (name.equals(ROLLOUT_FLAG)) {
          percent = value instanceof BigDecimal n ? Math.max(0, Math.min(100, n.doubleValue())) : 0;
        }
      } else {
        repeats.incrementAndGet();
      }
    }
    send(ex, 200, JSON, flagJson(name, raw));
  }

  private void postAction(HttpExchange ex, String name) throws IOException, BadRequest {
    String body = new String(readBody(ex), StandardCharsets.UTF_8);
    String key = idempotencyKey(ex);
    boolean duplicate;
    synchronized (state) {
      duplicate = key != null && !actionKeys.add(key);
      if (duplicate) {
        repeats.incrementAndGet();
      } else {
        changes.add(new Change(System.currentTimeMillis(), Change.ACTION, name, body, key));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ok", true);
    if (duplicate) {
      out.put("duplicate", true);
    } else {
      out.put("name", name);
    }
    send(ex, 200, JSON, Json.write(out));
  }

  private void adminErrorRate(HttpExchange ex) throws IOException, BadRequest {
    Object value = jsonBody(ex).get("value");
    if (!(value instanceof BigDecimal n)
        || n.compareTo(BigDecimal.ZERO) < 0
        || n.compareTo(BigDecimal.ONE) > 0) {
      throw new BadRequest("\"value\" must be a number within 0..1");
    }
    setErrorRate(n.doubleValue());
    send(ex, 200, JSON, Json.write(Map.of("error_rate", errorRate)));
  }

  private void adminHealth(HttpExchange ex) throws IOException, BadRequest {
    Object value = jsonBody(ex).get("healthy");
    if (!(value instanceof Boolean b)) {
      throw new BadRequest("\"healthy\" must be true or false");
    }
    setHealthy(b);
    send(ex, 200, JSON, Json.write(Map.of("healthy", b)));
  }

  private String stats() {
    Traffic.Window w = traffic.window();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("percent", percent);
    out.put("requests", w.requests());
    out.put("errors", w.errors());
    out.put("error_rate", w.errorRate());
    out.put("in_flight", w.inFlight());
    return Json.write(out);
  }

  private String changesJson() {
    List<Object> out = new ArrayList<>();
    for (Change c : changes()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at_millis", c.atMillis());
      m.put("kind", c.kind());
      m.put("name", c.name());
      m.put("value", c.value());
      m.put("idempotency_key", c.idempotencyKey());
      out.add(m);
    }
    return Json.write(out);
  }

  private static String flagJson(String name, String rawValue) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("value", new Json.Raw(rawValue));
    return Json.write(out);
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
