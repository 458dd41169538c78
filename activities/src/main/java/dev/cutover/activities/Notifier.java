package dev.cutover.activities;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.plan.Notify;
import dev.cutover.workflows.NotifyRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a message to people, and logs it. With the plan's first form, {@code POST {"text": ...}}
 * (Slack-compatible) to its webhook, once. With channels and routes, each channel gets the events
 * routed to it ({@link NotifyRouting}): Slack as text and blocks ({@link SlackBlocks}), PagerDuty
 * as one Events API v2 event each ({@link PagerDutyEvents}), a webhook as {@link WebhookPayload}.
 * Channels are sent to concurrently; one that is down (no answer, 429 or 5xx) is tried again with
 * backoff ({@link Backoff}); one that refuses the body (another 4xx) is not.
 *
 * <p>Every URL is written without references or as exactly one {@code ${env:NAME}} (its whole URL
 * is the secret), a routing key as {@code ${env:NAME}}, and every request goes through the worker's
 * {@link HostPolicy} and the hosts each secret may go to. Best effort by design: whatever fails is
 * logged (redacted, never a webhook's URL) and nothing throws, because a notification must never
 * stall or fail a cutover, least of all a rollback; the workflow never waits for one to decide.
 *
 * <p>Thread-safe: stateless apart from the shared {@link HttpCalls} and its thread pool.
 */
final class Notifier implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /**
   * How a channel that is down is tried again: {@code attempts} in all, waiting {@code first} and
   * doubling up to 30s, and never past {@code budget} after the first attempt began.
   */
  record Backoff(Duration first, int attempts, Duration budget) {
    static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 6, Duration.ofSeconds(55));
  }

  private final HttpCalls http;
  private final Duration timeout;
  private final String pagerDuty;
  private final Backoff backoff;
  private final ExecutorService pool;

  Notifier(HttpCalls http, Duration cap) {
    this(http, cap, PagerDutyEvents.ENDPOINT, Backoff.DEFAULT);
  }

  Notifier(HttpCalls http, Duration cap, String pagerDutyUrl, Backoff backoff) {
    this.http = http;
    this.timeout = HttpCalls.min(TIMEOUT, cap);
    this.pagerDuty = pagerDutyUrl;
    this.backoff = backoff;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "cutover-notify-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Logs the message and sends it where the plan says; returns whether every channel that should
   * get it took it (false too when there is none).
   */
  boolean notifyPeople(NotifyRequest request) {
    Secrets secrets = http.secrets();
    String text = request.text() == null ? "" : request.text();
    LOG.info("notify [{}] {}: {}", request.level(), request.workflowId(), secrets.redact(text));
    if (!request.channels().isEmpty()) {
      return routed(request, text);
    }
    if (request.webhook() == null || request.webhook().isBlank()) {
      return false;
    }
    return post(request, "the webhook", request.webhook(), Map.of("text", text), false, 1);
  }

  private boolean routed(NotifyRequest request, String text) {
    List<NotifyRouting.Delivery> deliveries = NotifyRouting.deliveries(request);
    List<Future<Boolean>> sent = new ArrayList<>();
    for (NotifyRouting.Delivery d : deliveries) {
      sent.add(pool.submit(() -> deliver(request, text, d)));
    }
    boolean all = !deliveries.isEmpty();
    for (Future<Boolean> f : sent) {
      try {
        all &= f.get();
      } catch (ExecutionException e) {
        all = false;
        LOG.warn("notify {}: {}", request.workflowId(), e.getCause().getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return all;
  }

  private boolean deliver(NotifyRequest request, String text, NotifyRouting.Delivery d) {
    Notify.Channel c = d.channel();
    String what = "channel " + c.name();
    return switch (c.type()) {
      case SLACK ->
          post(
              request,
              what,
              c.target(),
              SlackBlocks.body(request, combined(text, d), d.events()),
              false,
              backoff.attempts());
      case WEBHOOK ->
          post(
              request,
              what,
              c.target(),
              WebhookPayload.body(request, combined(text, d), d.events()),
              false,
              backoff.attempts());
      case PAGERDUTY -> pagerDuty(request, what, c, d.events());
    };
  }

  /** The message's text when the channel gets every event of it, else its events' texts. */
  private static String combined(String text, NotifyRouting.Delivery d) {
    return d.events().size() == 1
        ? d.events().get(0).text()
        : String.join("\n", d.events().stream().map(NotifyRequest.Event::text).toList());
  }

  private boolean pagerDuty(
      NotifyRequest request, String what, Notify.Channel c, List<NotifyRequest.Event> events) {
    Secrets secrets = http.secrets();
    String key;
    try {
      key = secrets.resolve(c.target());
    } catch (EffectException e) {
      LOG.warn("notify {}: {}: {}", request.workflowId(), what, secrets.redact(e.getMessage()));
      return false;
    }
    boolean all = true;
    for (NotifyRequest.Event e : events) {
      ObjectNode body = PagerDutyEvents.body(request, e, key);
      all &= post(request, what, pagerDuty, body, true, backoff.attempts(), c.target());
    }
    return all;
  }

  private boolean post(
      NotifyRequest request,
      String what,
      String written,
      Object body,
      boolean secretInBody,
      int attempts,
      String... carried) {
    Secrets secrets = http.secrets();
    String id = request.workflowId();
    Request post;
    try {
      HttpUrl url = HttpUrl.parse(HttpCalls.resolveUrl(secrets, written, what));
      if (url == null) {
        LOG.warn("notify {}: {} is not an http(s) URL once filled in", id, what);
        return false;
      }
      List<String> refs = new ArrayList<>(List.of(carried));
      refs.add(written);
      post =
          new Request.Builder()
              .url(url)
              .post(
                  RequestBody.create(
                      HttpCalls.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8),
                      JSON))
              .tag(
                  HttpCalls.Carried.class,
                  HttpCalls.Carried.of(secretInBody, refs.toArray(String[]::new)))
              .build();
    } catch (EffectException e) {
      LOG.warn("notify {}: {}", id, secrets.redact(e.getMessage()));
      return false;
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("notify {}: {} failed: {}", id, what, e.getClass().getSimpleName());
      return false;
    }
    long deadline = System.nanoTime() + backoff.budget().toNanos();
    Duration wait = backoff.first();
    for (int attempt = 1; ; attempt++) {
      String failure;
      try {
        HttpCalls.Answer answer = http.send(post, timeout);
        if (answer.ok()) {
          return true;
        }
        failure = what + " answered " + answer.status() + ": " + secrets.redact(answer.snippet());
        if (answer.status() != 429 && answer.status() < 500) {
          LOG.warn("notify {}: {}", id, failure);
          return false; // the service refuses this body: sending it again changes nothing
        }
      } catch (IOException e) {
        // A webhook's URL is itself a secret (Slack's are bearer URLs): never logged, even
        // redacted.
        failure = what + " failed: " + secrets.redact(HttpCalls.failure(e, timeout));
        if (HostPolicy.refusedIn(e) != null || e instanceof HttpCalls.RedirectRefused) {
          LOG.warn("notify {}: {}", id, failure);
          return false;
        }
      } catch (RuntimeException e) {
        LOG.warn("notify {}: {} failed: {}", id, what, e.getClass().getSimpleName());
        return false;
      }
      long left = deadline - System.nanoTime();
      if (attempt >= attempts || left < wait.toNanos()) {
        LOG.warn(
            "notify {}: {}{}",
            id,
            failure,
            attempts > 1 ? "; gave up after " + attempt + " attempts" : "");
        return false;
      }
      LOG.warn("notify {}: {}; trying again in {} ms", id, failure, wait.toMillis());
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      wait =
          wait.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
              ? Duration.ofSeconds(30)
              : wait.multipliedBy(2);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
