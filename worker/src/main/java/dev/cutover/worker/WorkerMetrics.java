package dev.cutover.worker;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import dev.cutover.engine.State;
import dev.cutover.workflows.SearchAttributeKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's metrics in Prometheus' text format, served at {@code /metrics} on its health port: the
 * Temporal SDK's own (through its Micrometer reporter, {@code temporal_*}), the product's that
 * workflow code emits through the same scope ({@code cutover_*}, see the workflows'
 * CutoverMetrics), and {@code cutover_cutovers{state}}: how many cutovers of the namespace are
 * running in each state now, counted from Temporal's visibility by this census every {@link
 * #CENSUS_EVERY} (every worker of a fleet reports the same count: take the max, not the sum).
 */
final class WorkerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);

  static final Duration CENSUS_EVERY = Duration.ofSeconds(10);

  /** Buckets of the signal-to-decision latency, in seconds. */
  private static final double[] LATENCY_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  private final PrometheusMeterRegistry registry;
  private final Scope scope;
  private final Map<State, AtomicLong> byState = new EnumMap<>(State.class);
  private volatile Thread census;

  WorkerMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(latencyBuckets());
    this.scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
    for (State s : State.values()) {
      AtomicLong n = new AtomicLong();
      byState.put(s, n);
      Gauge.builder("cutover_cutovers", n, AtomicLong::get)
          .description("running cutovers of the namespace in this state (visibility, per worker)")
          .tag("state", s.name())
          .register(registry);
    }
  }

  private static MeterFilter latencyBuckets() {
    double[] nanos = new double[LATENCY_BUCKETS.length];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = LATENCY_BUCKETS[i] * 1e9;
    }
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().startsWith("cutover_signal_decision_latency")) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(nanos)
            .build()
            .merge(config);
      }
    };
  }

  /** The scope the worker's service stubs report to, and so the workflows' metrics scope too. */
  Scope scope() {
    return scope;
  }

  /** Everything, in Prometheus' text exposition format. */
  String scrape() {
    return registry.scrape();
  }

  /** Starts counting the namespace's running cutovers by state, every {@link #CENSUS_EVERY}. */
  void startCensus(WorkflowClient client) {
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                count(client);
                try {
                  Thread.sleep(CENSUS_EVERY.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "cutover-metrics-census");
    t.setDaemon(true);
    t.start();
    census = t;
  }

  private void count(WorkflowClient client) {
    String type = "CutoverWorkflow";
    for (State s : State.values()) {
      try {
        long n =
            client
                .countWorkflows(
                    "WorkflowType = '"
                        + type
                        + "' AND ExecutionStatus = 'Running' AND "
                        + SearchAttributeKeys.STATE.getName()
                        + " = '"
                        + s.name()
                        + "'")
                .getCount();
        byState.get(s).set(n);
      } catch (RuntimeException e) {
        // The gauges keep their last counts; the SDK's own metrics show the server is away.
        log.debug("cannot count cutovers in state {}: {}", s, e.toString());
        return;
      }
    }
  }

  @Override
  public void close() {
    Thread t = census;
    if (t != null) {
      t.interrupt();
    }
    try {
      scope.close();
    } catch (ScopeCloseException e) {
      log.debug("closing the metrics scope: {}", e.toString());
    }
    registry.close();
  }
}
