package dev.cutover.activities;

import dev.cutover.workflows.NotifyRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a message to people: {@code POST {"text": ...}} (Slack-compatible) to the resolved webhook,
 * within {@link #TIMEOUT}. The webhook is a URL written without references or as exactly one {@code
 * ${env:NAME}} (its whole URL is the secret), and goes through the worker's {@link HostPolicy} like
 * every request. Every message is also logged. Best effort by design: a webhook that is unset, not
 * allowed, down, slow, refusing or on a host the policy refuses is logged (redacted) and never
 * throws, because a notification must never stall or fail a cutover, least of all a rollback.
 *
 * <p>Thread-safe: stateless apart from the shared {@link HttpCalls}.
 */
final class Notifier {
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final HttpCalls http;
  private final Duration timeout;

  Notifier(HttpCalls http, Duration cap) {
    this.http = http;
    this.timeout = HttpCalls.min(TIMEOUT, cap);
  }

  /** Logs the message and posts it to the webhook, if any; returns whether the webhook took it. */
  boolean notifyPeople(NotifyRequest request) {
    Secrets secrets = http.secrets();
    String text = request.text() == null ? "" : request.text();
    LOG.info("notify [{}] {}: {}", request.level(), request.workflowId(), secrets.redact(text));
    if (request.webhook() == null || request.webhook().isBlank()) {
      return false;
    }
    try {
      HttpUrl url = HttpUrl.parse(HttpCalls.resolveUrl(secrets, request.webhook(), "the webhook"));
      if (url == null) {
        LOG.warn(
            "notify {}: the webhook is not an http(s) URL once filled in", request.workflowId());
        return false;
      }
      byte[] body =
          HttpCalls.JSON.writeValueAsString(Map.of("text", text)).getBytes(StandardCharsets.UTF_8);
      Request post =
          new Request.Builder()
              .url(url)
              .post(RequestBody.create(body, JSON))
              .tag(HttpCalls.Carried.class, HttpCalls.Carried.of(false, request.webhook()))
              .build();
      HttpCalls.Answer answer = http.send(post, timeout);
      if (!answer.ok()) {
        LOG.warn(
            "notify {}: the webhook answered {}: {}",
            request.workflowId(),
            answer.status(),
            secrets.redact(answer.snippet()));
        return false;
      }
      return true;
    } catch (EffectException e) {
      LOG.warn("notify {}: {}", request.workflowId(), secrets.redact(e.getMessage()));
    } catch (IOException e) {
      // The webhook URL itself is a secret (Slack's are bearer URLs): never log it, even redacted.
      LOG.warn(
          "notify {}: the webhook failed: {}",
          request.workflowId(),
          secrets.redact(HttpCalls.failure(e, timeout)));
    } catch (RuntimeException e) {
      LOG.warn(
          "notify {}: the webhook failed: {}", request.workflowId(), e.getClass().getSimpleName());
    }
    return false;
  }
}
