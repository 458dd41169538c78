package dev.cutover.worker;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.activities.CutoverActivitiesImpl;
import dev.cutover.workflows.CutoverWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  private final WorkerFactory factory;
  private final CutoverActivitiesImpl activities;
  private HttpServer health;
  private volatile boolean stopping;

  private CutoverWorker(WorkerConfig config, WorkflowServiceStubs service, boolean ownsService, WorkflowClient client) {
    this.config = config;
    this.service = service;
    this.ownsService = ownsService;
    this.factory = WorkerFactory.newInstance(client);
    this.activities = new CutoverActivitiesImpl(config.environment(), HTTP_TIMEOUT_CAP);
    Worker worker = factory.newWorker(config.taskQueue());
    worker.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
  }

  /** Connects to the configured server, checks the search attributes, and starts polling. */
  public static CutoverWorker start(WorkerConfig config) {
    WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(config.address()).build(), Duration.ofSeconds(15));
    log.info(SearchAttributes.ensure(service, config.namespace()));
    WorkflowClient client = WorkflowClient.newInstance(service,
        WorkflowClientOptions.newBuilder().setNamespace(config.namespace()).build());
    return start(config, service, true, client);
  }

  /** Starts a worker on an existing client (the demo's in-process service, tests). */
  public static CutoverWorker start(WorkerConfig config, WorkflowClient client) {
    return start(config, client.getWorkflowServiceStubs(), false, client);
  }

  private static CutoverWorker start(WorkerConfig config, WorkflowServiceStubs service, boolean owns, WorkflowClient client) {
    CutoverWorker w = new CutoverWorker(config, service, owns, client);
    w.factory.start();
    if (config.healthPort() != null) {
      w.startHealth(config.healthPort());
    }
    log.info("cutover worker polling task queue {} on {} (namespace {})", config.taskQueue(), config.address(),
        config.namespace());
    return w;
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
      throw new UncheckedIOException("cannot serve health on port " + port, e);
    }
    health.createContext("/health", exchange -> {
      boolean up = !stopping && factory.isStarted() && !factory.isShutdown();
      byte[] body = (up ? "{\"status\":\"up\"}" : "{\"status\":\"stopping\"}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(up ? 200 : 503, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    health.start();
    log.info("health endpoint on :{}/health", port);
  }

  public WorkerConfig config() {
    return config;
  }

  @Override
  public synchronized void close() {
    if (stopping && factory.isShutdown()) {
      return;
    }
    stopping = true;
    log.info("cutover worker stopping: finishing running tasks");
    factory.shutdown();
    factory.awaitTermination(30, TimeUnit.SECONDS);
    activities.close();
    if (health != null) {
      health.stop(0);
    }
    if (ownsService) {
      service.shutdown();
    }
    log.info("cutover worker stopped");
  }
}
