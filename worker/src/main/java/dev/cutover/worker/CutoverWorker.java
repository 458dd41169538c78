package dev.cutover.worker;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.activities.CutoverActivitiesImpl;
import dev.cutover.ledger.LedgerSettings;
import dev.cutover.ledger.LedgerWriter;
import dev.cutover.workflows.CutoverWorkflowImpl;
import dev.cutover.workflows.LedgerActivities;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cutover worker: the workflow and its activities on one task queue, wired from a {@link
 * WorkerConfig}. {@link #close} stops polling, lets running tasks finish (up to 30 s) and releases
 * connections; a SIGTERM does the same through the shutdown hook {@link #runUntilStopped} installs.
 */
public final class CutoverWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CutoverWorker.class);

  /** Caps any single HTTP call of an activity, whatever a plan asks for. */
  static final Duration HTTP_TIMEOUT_CAP = Duration.ofMinutes(5);

  private final WorkerConfig config;
  private final WorkflowServiceStubs service;
  private final boolean ownsService;
  private final WorkflowClient client;
  private final CutoverActivitiesImpl activities;

  /** Where cutovers' records go; null: no ledger. */
  private final LedgerWriter ledger;

  /** What {@code /metrics} serves; null: no health port, or a client this worker does not own. */
  private final WorkerMetrics metrics;

  private volatile WorkerFactory factory;
  private HttpServer health;
  private Thread serverWatch;
  private volatile boolean stopping;

  private CutoverWorker(
      WorkerConfig config,
      WorkflowServiceStubs service,
      boolean ownsService,
      WorkflowClient client,
      LedgerSettings ledger,
      WorkerMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.service = service;
    this.ownsService = ownsService;
    this.client = client;
    this.activities = new CutoverActivitiesImpl(config.activities(), HTTP_TIMEOUT_CAP);
    if (ledger == null) {
      this.ledger = null;
      log.warn(
          "no ledger: {} is not set, so nothing of what cutovers do is kept beyond Temporal's"
              + " retention (docs/ledger.md)",
          LedgerSettings.URL_VARIABLE);
    } else {
      // Migrates the schema, then writes; a database that is down only delays the writing.
      this.ledger = LedgerWriter.start(ledger);
      log.info("worker setting: {}", ledger.describe());
    }
    // What the operator allows, and loudly what is left open: a plan is only as safe as these.
    config.activities().lines().forEach(line -> log.info("worker setting: {}", line));
    config.activities().warnings().forEach(line -> log.warn("{}", line));
    this.factory = newFactory();
  }

  private WorkerFactory newFactory() {
    WorkerFactory f = WorkerFactory.newInstance(client);
    Worker worker = f.newWorker(config.taskQueue());
    CutoverWorkflowImpl.register(
        worker, client.getWorkflowServiceStubs(), ledger == null ? LedgerActivities.NONE : ledger);
    worker.registerActivitiesImplementations(activities);
    return f;
  }

  /** Connects to the configured server, checks the search attributes, and starts polling. */
  public static CutoverWorker start(WorkerConfig config) {
    return start(config, (LedgerSettings) null);
  }

  /** As {@link #start(WorkerConfig)}, writing cutovers' records to {@code ledger} (null: none). */
  public static CutoverWorker start(WorkerConfig config, LedgerSettings ledger) {
    // Metrics are served on the health port: without one, none are kept.
    WorkerMetrics metrics = config.healthPort() == null ? null : new WorkerMetrics();
    // After the server restarts, reconnect within a second or two rather than after gRPC's grown
    // backoff, so timers that came due while it was down are acted on promptly.
    var options =
        config
            .connection()
            .stubsOptions(config.address())
            .setConnectionBackoffResetFrequency(Duration.ofSeconds(1));
    if (metrics != null) {
      options.setMetricsScope(metrics.scope());
    }
    WorkflowServiceStubs service;
    try {
      service =
          WorkflowServiceStubs.newConnectedServiceStubs(options.build(), Duration.ofSeconds(15));
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw e;
    }
    log.info("connected to Temporal at {} ({})", config.address(), config.connection().describe());
    log.info(SearchAttributes.ensure(service, config.namespace()));
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(config.namespace()).build());
    return start(config, service, true, client, ledger, metrics);
  }

  /** Starts a worker on an existing client (the demo's in-process service, tests). */
  public static CutoverWorker start(WorkerConfig config, WorkflowClient client) {
    return start(config, client, null);
  }

  /** As {@link #start(WorkerConfig, WorkflowClient)}, with a ledger (null: none). */
  public static CutoverWorker start(
      WorkerConfig config, WorkflowClient client, LedgerSettings ledger) {
    return start(config, client.getWorkflowServiceStubs(), false, client, ledger, null);
  }

  private static CutoverWorker start(
      WorkerConfig config,
      WorkflowServiceStubs service,
      boolean owns,
      WorkflowClient client,
      LedgerSettings ledger,
      WorkerMetrics metrics) {
    CutoverWorker w = new CutoverWorker(config, service, owns, client, ledger, metrics);
    if (config.healthPort() != null) {
      // Before polling: a worker that cannot serve its health stops without having taken a task.
      try {
        w.startHealth(config.healthPort());
      } catch (RuntimeException e) {
        w.activities.close();
        if (w.ledger != null) {
          w.ledger.close();
        }
        if (owns) {
          service.shutdown();
        }
        if (metrics != null) {
          metrics.close();
        }
        throw e;
      }
    }
    w.factory.start();
    if (owns) {
      w.watchServer();
    }
    if (metrics != null) {
      metrics.startCensus(client);
    }
    log.info(
        "cutover worker polling task queue {} on {} (namespace {})",
        config.taskQueue(),
        config.address(),
        config.namespace());
    return w;
  }

  /**
   * The SDK's pollers back off exponentially (to a minute) while the server is unreachable, so
   * after an outage a worker could be a minute late for timers that came due meanwhile. This watch
   * notices the server coming back after an outage and restarts polling at once. "Back" means the
   * task queue answered twice in a row: a restarting server answers its frontend calls before its
   * matching service serves polls, and pollers restarted in that gap fail and back off again.
   */
  private void watchServer() {
    serverWatch =
        new Thread(
            () -> {
              long downSince = 0;
              int answersSinceDown = 0;
              while (!stopping) {
                boolean up = serverServesTaskQueue();
                long now = System.currentTimeMillis();
                if (!up) {
                  answersSinceDown = 0;
                  if (downSince == 0) {
                    downSince = now;
                    log.warn(
                        "Temporal at {} does not answer; cutovers wait until it is back",
                        config.address());
                  }
                } else if (downSince != 0 && ++answersSinceDown >= 2) {
                  log.warn(
                      "Temporal at {} is back after {} ms; restarting polling",
                      config.address(),
                      now - downSince);
                  downSince = 0;
                  answersSinceDown = 0;
                  restartPolling();
                }
                sleepQuietly(downSince == 0 ? 1_000 : 500);
              }
            },
            "cutover-server-watch");
    serverWatch.setDaemon(true);
    serverWatch.start();
  }

  /**
   * The frontend answers and the matching service describes this worker's task queue. Only an
   * unreachable or unready server counts as down: a refusal (say, a role without permission to
   * describe task queues) still proves the server is there.
   */
  private boolean serverServesTaskQueue() {
    try {
      service
          .blockingStub()
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .describeTaskQueue(
              DescribeTaskQueueRequest.newBuilder()
                  .setNamespace(config.namespace())
                  .setTaskQueue(TaskQueue.newBuilder().setName(config.taskQueue()))
                  .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                  .build());
      return true;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      return code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private synchronized void restartPolling() {
    if (stopping) {
      return;
    }
    // The old pollers stop polling, but a task one of them already holds (a measurement started
    // just as the server came back) still runs and reports: cancelling it would leave the cutover
    // waiting out that activity's timeout. Nothing waits for their long polls to end.
    WorkerFactory old = factory;
    factory = newFactory();
    factory.start();
    old.shutdown();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Blocks until SIGTERM/SIGINT, then shuts down cleanly. */
  public void runUntilStopped() throws InterruptedException {
    Thread hook = new Thread(this::close, "cutover-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    while (!stopping) {
      TimeUnit.SECONDS.sleep(1);
    }
  }

  private void startHealth(int port) {
    try {
      health = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      // No cause: the CLI prints a failure's innermost message, and this one names the setting.
      throw new IllegalStateException(
          "CUTOVER_HEALTH_PORT="
              + port
              + ": cannot serve the health endpoint there ("
              + e.getMessage()
              + ")");
    }
    health.createContext(
        "/health",
        exchange -> {
          boolean up = !stopping && factory.isStarted() && !factory.isShutdown();
          byte[] body =
              (up ? "{\"status\":\"up\"}" : "{\"status\":\"stopping\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(up ? 200 : 503, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    if (metrics != null) {
      health.createContext(
          "/metrics",
          exchange -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            exchange
                .getResponseHeaders()
                .add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
    }
    health.start();
    log.info(
        "health endpoint on :{}/health{}", port, metrics == null ? "" : ", metrics on /metrics");
  }

  public WorkerConfig config() {
    return config;
  }

  /**
   * Waits up to {@code millis} for every record handed to this worker to be in the ledger; false
   * without a ledger or when it did not happen in time.
   */
  public boolean awaitLedger(long millis) throws InterruptedException {
    return ledger != null && ledger.awaitDrained(millis);
  }

  @Override
  public synchronized void close() {
    if (stopping && factory.isShutdown()) {
      return;
    }
    stopping = true;
    if (serverWatch != null) {
      serverWatch.interrupt();
    }
    log.info("cutover worker stopping: finishing running tasks");
    factory.shutdown();
    factory.awaitTermination(30, TimeUnit.SECONDS);
    activities.close();
    if (ledger != null) {
      ledger.close();
    }
    if (health != null) {
      health.stop(0);
    }
    if (ownsService) {
      service.shutdown();
    }
    if (metrics != null) {
      metrics.close();
    }
    log.info("cutover worker stopped");
  }
}
