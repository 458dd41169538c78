package dev.cutover.activities;

import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.Admission;
import dev.cutover.workflows.AdmitRequest;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.CutoverActivities;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.EffectResult;
import dev.cutover.workflows.FailureTypes;
import dev.cutover.workflows.MeasureChecksRequest;
import dev.cutover.workflows.MeasureRequest;
import dev.cutover.workflows.NotifyRequest;
import dev.cutover.workflows.SignatureRequest;
import dev.cutover.workflows.SignatureVerdict;
import java.net.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * The worker's {@link CutoverActivities}: measures checks through the {@link MetricSource} its
 * {@link MetricSources} registry holds for each kind (SQL, Prometheus, HTTP, compare), applies
 * traffic, flags and actions, and notifies people.
 *
 * <p>Contract, beyond the interface's:
 *
 * <ul>
 *   <li>{@link #measureChecks} measures the request's checks concurrently (at most {@value
 *       #MEASURE_THREADS} at a time across the worker) and returns one reading per check, in
 *       request order. It does not throw for a bad check either: a missing connection or an unset
 *       variable is an ERROR reading with the reason, so the cutover holds and says why (ERROR
 *       never counts as PASS). Each check is bounded by its own {@code timeout}, plus at most 5 s
 *       to open a database connection. {@link #measure} does the same for a request of plan
 *       fragments ({@link PlanFragmentReader}); a fragment that does not read is an ERROR reading.
 *   <li>{@link #applyEffect} and {@link #apply} fail only with {@code ApplicationFailure}s typed by
 *       {@link FailureTypes}: the helpers throw {@link EffectException}, turned into Temporal's
 *       failure here, once, redacted; anything else (a bug of ours) is a retryable {@code
 *       Unavailable} saying what it was.
 *   <li>{@link #notifyPeople} never throws.
 *   <li>No reading, message or failure holds a secret: all pass through {@link Secrets#redact}.
 *   <li>{@code httpTimeoutCap} bounds every HTTP request: a check's own timeout is cut to it.
 *       Effect requests (plans give them no timeout) wait at most 10 s each, and notifications 5 s,
 *       so an effect's few requests finish well inside the workflow's start-to-close timeout rather
 *       than outliving the attempt that sent them.
 *   <li>Every outbound connection obeys the worker's {@link HostPolicy} ({@code
 *       CUTOVER_ALLOWED_HOSTS}), checked on the resolved address: HTTP (checks, Prometheus, traffic
 *       and flag APIs, actions, the webhook, each redirect hop) and PostgreSQL (each host of a JDBC
 *       URL, after DNS and again on the socket). A refused host is an ERROR reading for a
 *       measurement, a non-retryable {@code InvalidRequest} for an effect, and a logged line for a
 *       notification. Requests go out directly, never through a proxy, so the policy sees the real
 *       target. A JDBC URL's parameters are allow-listed for every plan ({@link
 *       dev.cutover.plan.JdbcUrls}), and a check's SQL is held to {@link SqlSource}'s walls.
 *   <li>Only the {@code ${env:NAME}} references {@code CUTOVER_ALLOWED_SECRETS} allows resolve
 *       ({@link Secrets}), never inside a URL, and a secret bound to hosts is checked on each
 *       connection that would carry it.
 *   <li>{@link #admit} holds a plan against all of this before it starts, and never throws.
 *   <li>{@link #verifySignature} checks a signed signal against the worker's approver keyring
 *       ({@link ApproverKeys}); it never throws.
 * </ul>
 *
 * Nothing here uses {@code Activity.getExecutionContext()}: methods can be called directly.
 *
 * <p>Thread-safe: one instance serves every cutover on a worker; it owns one OkHttpClient, one pool
 * per database and one bounded executor. {@link #close} releases them.
 */
public final class CutoverActivitiesImpl implements CutoverActivities, AutoCloseable {
  static final int MEASURE_THREADS = 32;

  /** Beyond a check's timeout: opening a database connection (5 s) and handing the answer back. */
  static final Duration SLACK = SqlPools.CONNECTION_TIMEOUT.plusSeconds(1);

  private final Secrets secrets;
  private final HostPolicy hostPolicy;
  private final Commands commands;
  private final NginxTraffic nginxTraffic;
  private final OkHttpClient client;
  private final SqlSource sql;
  private final MetricSources sources;
  private final Effects effects;
  private final Notifier notifier;
  private final String pagerDutyUrl;
  private final ThreadPoolExecutor executor;
  private final ApproverKeys approverKeys;

  /**
   * @param settings what the worker's operator allows, read once at its start ({@link
   *     ActivitySettings#fromEnvironment}), with the environment {@code ${env:NAME}} resolves
   *     against
   * @param httpTimeoutCap upper bound on every HTTP request's timeout (the worker passes the
   *     longest check timeout a plan may give)
   */
  public CutoverActivitiesImpl(ActivitySettings settings, Duration httpTimeoutCap) {
    this(
        settings,
        httpTimeoutCap,
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(httpTimeoutCap)
            .writeTimeout(httpTimeoutCap)
            .callTimeout(httpTimeoutCap)
            .build());
  }

  /**
   * As the public constructor, with the HTTP client given (tests: its {@code Dns} is kept, behind
   * the host policy). OkHttp never follows redirects itself: {@link HttpCalls} does, when a plan
   * asks, so that every hop is counted and checked.
   */
  CutoverActivitiesImpl(ActivitySettings settings, Duration httpTimeoutCap, OkHttpClient client) {
    this(settings, httpTimeoutCap, client, Notifier.Backoff.DEFAULT);
  }

  /** As above, trying a notification channel that is down again by {@code notifyBackoff}. */
  CutoverActivitiesImpl(
      ActivitySettings settings,
      Duration httpTimeoutCap,
      OkHttpClient client,
      Notifier.Backoff notifyBackoff) {
    Objects.requireNonNull(httpTimeoutCap, "httpTimeoutCap");
    if (httpTimeoutCap.isNegative() || httpTimeoutCap.isZero()) {
      throw new IllegalArgumentException("httpTimeoutCap must be positive: " + httpTimeoutCap);
    }
    this.secrets = new Secrets(settings);
    this.approverKeys = settings.approverKeys();
    this.hostPolicy = settings.hosts();
    this.commands = new Commands(settings, secrets);
    this.nginxTraffic = new NginxTraffic(settings, secrets);
    this.client =
        client
            .newBuilder()
            .followRedirects(false)
            .followSslRedirects(false)
            .proxy(Proxy.NO_PROXY)
            .dns(hostPolicy.dns(client.dns()))
            .socketFactory(hostPolicy.socketFactory())
            .addNetworkInterceptor(HttpCalls.destinations(secrets))
            .build();
    HttpCalls http = new HttpCalls(this.client, secrets);
    this.sql = new SqlSource(secrets, hostPolicy);
    PrometheusSource prometheus = new PrometheusSource(http, httpTimeoutCap);
    this.sources =
        new MetricSources(
            List.of(
                sql,
                prometheus,
                new HttpSource(http, httpTimeoutCap),
                new CompareSource(sql, prometheus)));
    this.effects =
        new Effects(
            http, HttpCalls.min(Effects.REQUEST_TIMEOUT, httpTimeoutCap), nginxTraffic, commands);
    this.pagerDutyUrl = settings.pagerDutyUrl();
    this.notifier = new Notifier(http, httpTimeoutCap, pagerDutyUrl, notifyBackoff);
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "cutover-measure-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.executor =
        new ThreadPoolExecutor(
            MEASURE_THREADS,
            MEASURE_THREADS,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            threads);
    this.executor.allowCoreThreadTimeOut(true);
  }

  /**
   * One check of a request: answered already (it could not be read), or under way until a deadline.
   */
  private record Pending(
      String name, Reading answered, Future<Reading> future, Duration bound, long deadline) {}

  @Override
  public List<Reading> measureChecks(MeasureChecksRequest request) {
    return measureAll(
        request.checks().stream()
            .map(
                c ->
                    new PlanFragmentReader.CheckRead(
                        c.check().name(), c.check(), c.connection(), null, c.context()))
            .toList());
  }

  /**
   * Kept for compatibility: the checks of a cutover started before typed requests, read from their
   * fragments.
   */
  @Override
  public List<Reading> measure(MeasureRequest request) {
    return measureAll(request.checks().stream().map(PlanFragmentReader::check).toList());
  }

  private List<Reading> measureAll(List<PlanFragmentReader.CheckRead> checks) {
    long now = System.nanoTime();
    List<Pending> pending = new ArrayList<>(checks.size());
    for (PlanFragmentReader.CheckRead c : checks) {
      if (c.unreadable() != null) {
        Reading r = c.unreadable();
        pending.add(
            new Pending(
                c.name(), Reading.error(r.check(), secrets.redact(r.reason())), null, null, now));
        continue;
      }
      Duration bound = c.check().timeout().plus(SLACK);
      // The sources bound themselves; this deadline is the backstop should one of them not.
      pending.add(
          new Pending(
              c.name(),
              null,
              executor.submit(() -> measureOne(c.check(), c.connection(), c.context())),
              bound,
              now + bound.toNanos()));
    }
    List<Reading> readings = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      readings.add(p.answered() != null ? p.answered() : await(p, pending));
    }
    return readings;
  }

  private Reading await(Pending p, List<Pending> all) {
    try {
      return p.future().get(Math.max(0, p.deadline() - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      p.future().cancel(true);
      return Reading.error(p.name(), "no answer within " + Durations.format(p.bound()));
    } catch (ExecutionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return Reading.error(
          p.name(),
          secrets.redact(
              "measuring failed: "
                  + cause.getClass().getSimpleName()
                  + ": "
                  + HttpCalls.firstLine(cause.getMessage())));
    } catch (InterruptedException e) {
      // The worker is shutting down or the activity was cancelled: stop every check of the request.
      Thread.currentThread().interrupt();
      all.stream().map(Pending::future).filter(Objects::nonNull).forEach(f -> f.cancel(true));
      throw EffectException.unavailable("interrupted while measuring").toFailure(secrets);
    }
  }

  /**
   * One check, on an executor thread, by the source registered for its kind. Never throws: anything
   * unexpected is an ERROR reading.
   */
  private Reading measureOne(Check check, Connection connection, CheckContext context) {
    try {
      return sources.measure(check, connection, context);
    } catch (RuntimeException e) {
      return Reading.error(
          check.name(),
          secrets.redact(
              "measuring failed: "
                  + e.getClass().getSimpleName()
                  + ": "
                  + HttpCalls.firstLine(e.getMessage())));
    }
  }

  @Override
  public String applyEffect(ApplyEffectRequest request) {
    return effect(() -> effects.apply(request));
  }

  @Override
  public EffectResult applyEffectWithOutputs(ApplyEffectRequest request) {
    EffectResult[] result = new EffectResult[1];
    String detail =
        effect(
            () -> {
              result[0] = effects.applyWithOutputs(request);
              return result[0].detail();
            });
    return new EffectResult(detail, result[0].outputs());
  }

  /**
   * Kept for compatibility: the effect of a cutover started before typed requests, read from its
   * fragments.
   */
  @Override
  public String apply(EffectRequest request) {
    return effect(() -> effects.apply(PlanFragmentReader.effect(request)));
  }

  /**
   * The activity boundary of an effect: what it says it did, redacted; an {@link EffectException}
   * becomes Temporal's failure of the same type, and anything else (a bug of ours) a retryable
   * {@code Unavailable} naming it, never with the exception as its cause (it could hold a secret).
   */
  private String effect(Supplier<String> effect) {
    try (EffectHeartbeat alive = EffectHeartbeat.start()) {
      return secrets.redact(effect.get());
    } catch (EffectException e) {
      throw e.toFailure(secrets);
    } catch (RuntimeException e) {
      throw EffectException.unavailable(
              "unexpected "
                  + e.getClass().getSimpleName()
                  + ": "
                  + HttpCalls.firstLine(e.getMessage()))
          .toFailure(secrets);
    }
  }

  @Override
  public void notifyPeople(NotifyRequest request) {
    notifier.notifyPeople(request);
  }

  /** As {@link #notifyPeople}; whether every channel that should get it took it (tests). */
  boolean notifyPeopleTook(NotifyRequest request) {
    return notifier.notifyPeople(request);
  }

  /**
   * Reads the plan by the request's rules and returns every reason this worker refuses it, each at
   * its plan path and naming the setting involved: the reader's problems, references the worker
   * will not resolve ({@link Secrets#refusals}), requests it will not send ({@link
   * HttpCalls#refusals}: secrets inside URLs, hosts refused without DNS, secrets bound elsewhere),
   * commands it will not run ({@link Commands#refusals}) and nginx traffic it cannot apply ({@link
   * NginxTraffic#refusals}). Each check is the one the run-time code applies. Never throws for a
   * bad plan; no refusal holds a secret value.
   */
  @Override
  public Admission admit(AdmitRequest request) {
    List<String> refusals = new ArrayList<>();
    try {
      PlanReader.Rules rules = request.rules() == null ? PlanReader.Rules.NEWEST : request.rules();
      Plan plan = PlanReader.fromTree(request.plan(), rules);
      refusals.addAll(secrets.refusals(plan));
      refusals.addAll(HttpCalls.refusals(plan, hostPolicy, secrets, pagerDutyUrl));
      refusals.addAll(commands.refusals(plan));
      refusals.addAll(nginxTraffic.refusals(plan));
    } catch (PlanException e) {
      e.problems().forEach(p -> refusals.add(p.toString()));
    } catch (RuntimeException e) {
      // A bug of ours must not let a plan through unchecked, nor fail the workflow task.
      refusals.add(
          "the worker could not check the plan: "
              + e.getClass().getSimpleName()
              + ": "
              + HttpCalls.firstLine(e.getMessage()));
    }
    List<String> redacted = refusals.stream().distinct().map(secrets::redact).toList();
    return new Admission(redacted, approverKeys.signaturesRequired());
  }

  /**
   * Verifies against the worker's approver keyring, read again for each call: see {@link
   * ApproverKeys#verify}.
   */
  @Override
  public SignatureVerdict verifySignature(SignatureRequest request) {
    return approverKeys.verify(request);
  }

  /** Stops the measuring threads and closes every database pool and idle HTTP connection. */
  @Override
  public void close() {
    executor.shutdownNow();
    notifier.close();
    sql.close();
    client.connectionPool().evictAll();
  }
}
