package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local stand-ins for Slack's incoming webhooks, PagerDuty's Events API v2 and a generic JSON
 * webhook, on loopback (JDK HttpServer). Each checks a body as the vendor documents it and refuses
 * what the vendor would refuse, with the vendor's status: Slack 400 {@code invalid_blocks} / {@code
 * no_text}; PagerDuty 400 {@code invalid event} for a missing or malformed field. PagerDuty's
 * stand-in keeps alerts by dedup key as the service does: a trigger for an open key adds to it, a
 * resolve closes it. {@code failFirst} answers 503 to the first requests (a service that is down).
 */
final class VendorStandIns implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received: when, its content type, its body, and what the stand-in answered. */
  record Received(long atNanos, String contentType, JsonNode body, int status, String problem) {}

  final List<Received> slack = Collections.synchronizedList(new ArrayList<>());
  final List<Received> pagerDuty = Collections.synchronizedList(new ArrayList<>());
  final List<Received> webhook = Collections.synchronizedList(new ArrayList<>());

  /** PagerDuty alerts by dedup key: true while open. */
  final Map<String, Boolean> alerts = Collections.synchronizedMap(new LinkedHashMap<>());

  /** How many alerts PagerDuty opened (a trigger for a key not open). */
  final AtomicInteger opened = new AtomicInteger();

  final AtomicInteger slackFailFirst = new AtomicInteger();
  final AtomicInteger pagerDutyFailFirst = new AtomicInteger();

  private final HttpServer server;

  VendorStandIns() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/services/T000/B000/s3cr3t", this::slack);
    server.createContext("/v2/enqueue", this::pagerDuty);
    server.createContext("/hook", this::webhook);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  String slackUrl() {
    return url("/services/T000/B000/s3cr3t");
  }

  String pagerDutyUrl() {
    return url("/v2/enqueue");
  }

  private void slack(HttpExchange x) throws IOException {
    Parsed p = parse(x);
    String problem = p.problem;
    if (problem == null && slackFailFirst.getAndDecrement() > 0) {
      answer(x, slack, p, 503, "text/plain", "service_unavailable", "down");
      return;
    }
    if (problem == null) {
      problem = slackProblem(p.body);
    }
    answer(
        x,
        slack,
        p,
        problem == null ? 200 : 400,
        "text/plain",
        problem == null ? "ok" : problem,
        problem);
  }

  /** What Slack would refuse in a message body (chat.postMessage / incoming webhook limits). */
  static String slackProblem(JsonNode b) {
    boolean hasText = b.path("text").isTextual() && !b.path("text").asText().isEmpty();
    JsonNode blocks = b.path("blocks");
    if (!hasText && !blocks.isArray()) {
      return "no_text";
    }
    if (b.path("text").isTextual() && b.path("text").asText().length() > 40_000) {
      return "msg_too_long";
    }
    if (!blocks.isMissingNode()) {
      if (!blocks.isArray() || blocks.size() > 50) {
        return "invalid_blocks";
      }
      for (JsonNode block : blocks) {
        String why = blockProblem(block);
        if (why != null) {
          return "invalid_blocks: " + why;
        }
      }
    }
    return null;
  }

  private static String blockProblem(JsonNode block) {
    String type = block.path("type").asText("");
    switch (type) {
      case "section" -> {
        JsonNode text = block.path("text");
        JsonNode fields = block.path("fields");
        if (text.isMissingNode() && fields.isMissingNode()) {
          return "a section needs text or fields";
        }
        if (!text.isMissingNode() && textProblem(text, 3000) != null) {
          return textProblem(text, 3000);
        }
        if (!fields.isMissingNode()) {
          if (!fields.isArray() || fields.isEmpty() || fields.size() > 10) {
            return "a section has 1 to 10 fields";
          }
          for (JsonNode f : fields) {
            if (textProblem(f, 2000) != null) {
              return textProblem(f, 2000);
            }
          }
        }
        return null;
      }
      case "context" -> {
        JsonNode elements = block.path("elements");
        if (!elements.isArray() || elements.isEmpty() || elements.size() > 10) {
          return "a context has 1 to 10 elements";
        }
        for (JsonNode e : elements) {
          if (textProblem(e, 3000) != null) {
            return textProblem(e, 3000);
          }
        }
        return null;
      }
      case "header" -> {
        JsonNode text = block.path("text");
        return !"plain_text".equals(text.path("type").asText())
            ? "header text is plain_text"
            : textProblem(text, 150);
      }
      case "divider" -> {
        return null;
      }
      default -> {
        return "unknown block type \"" + type + "\"";
      }
    }
  }

  private static String textProblem(JsonNode t, int max) {
    String type = t.path("type").asText("");
    if (!Set.of("mrkdwn", "plain_text").contains(type)) {
      return "a text object's type is mrkdwn or plain_text";
    }
    String text = t.path("text").asText("");
    if (text.isEmpty() || text.length() > max) {
      return "text must be 1 to " + max + " characters";
    }
    return null;
  }

  private void pagerDuty(HttpExchange x) throws IOException {
    Parsed p = parse(x);
    String problem = p.problem;
    if (problem == null && pagerDutyFailFirst.getAndDecrement() > 0) {
      answer(x, pagerDuty, p, 503, "application/json", "{\"status\":\"unavailable\"}", "down");
      return;
    }
    if (problem == null) {
      problem = pagerDutyProblem(p.body);
    }
    if (problem != null) {
      answer(
          x,
          pagerDuty,
          p,
          400,
          "application/json",
          JSON.createObjectNode()
              .put("status", "invalid event")
              .put("message", "Event object is invalid")
              .set("errors", JSON.createArrayNode().add(problem))
              .toString(),
          problem);
      return;
    }
    String key = p.body.path("dedup_key").asText();
    String action = p.body.path("event_action").asText();
    synchronized (alerts) {
      if (action.equals("trigger") && !Boolean.TRUE.equals(alerts.get(key))) {
        alerts.put(key, true);
        opened.incrementAndGet();
      } else if (action.equals("resolve") && alerts.containsKey(key)) {
        alerts.put(key, false);
      }
    }
    answer(
        x,
        pagerDuty,
        p,
        202,
        "application/json",
        JSON.createObjectNode()
            .put("status", "success")
            .put("message", "Event processed")
            .put("dedup_key", key)
            .toString(),
        null);
  }

  /** What PagerDuty's Events API v2 refuses (developer.pagerduty.com, "Send an Alert Event"). */
  static String pagerDutyProblem(JsonNode b) {
    String key = b.path("routing_key").asText("");
    if (key.length() != 32) {
      return "'routing_key' must be a 32 character integration key";
    }
    String action = b.path("event_action").asText("");
    if (!Set.of("trigger", "acknowledge", "resolve").contains(action)) {
      return "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge'"
          + " or 'resolve')";
    }
    JsonNode dedup = b.path("dedup_key");
    if (!dedup.isMissingNode() && (!dedup.isTextual() || dedup.asText().length() > 255)) {
      return "'dedup_key' must be a string of at most 255 characters";
    }
    if (!action.equals("trigger")) {
      return dedup.isMissingNode() ? "'dedup_key' is missing" : null;
    }
    JsonNode p = b.path("payload");
    String summary = p.path("summary").asText("");
    if (summary.isEmpty() || summary.length() > 1024) {
      return "'payload.summary' is required, at most 1024 characters";
    }
    if (p.path("source").asText("").isEmpty()) {
      return "'payload.source' is missing or blank";
    }
    if (!Set.of("critical", "error", "warning", "info").contains(p.path("severity").asText(""))) {
      return "'payload.severity' is invalid (must be one of the following: 'critical', 'warning',"
          + " 'error' or 'info')";
    }
    if (p.has("timestamp")) {
      try {
        java.time.OffsetDateTime.parse(p.path("timestamp").asText());
      } catch (java.time.format.DateTimeParseException e) {
        return "'payload.timestamp' is not an ISO 8601 date";
      }
    }
    return null;
  }

  private void webhook(HttpExchange x) throws IOException {
    Parsed p = parse(x);
    String problem = p.problem;
    if (problem == null) {
      problem = webhookProblem(p.body);
    }
    answer(
        x,
        webhook,
        p,
        problem == null ? 204 : 422,
        "text/plain",
        problem == null ? "" : problem,
        problem);
  }

  /** What docs/notifications.md promises of the generic webhook's body. */
  static String webhookProblem(JsonNode b) {
    if (!"cutover.notification/v1".equals(b.path("schema").asText())) {
      return "schema is not cutover.notification/v1";
    }
    for (String f : List.of("workflowId", "sentAt", "severity", "text")) {
      if (!b.path(f).isTextual()) {
        return f + " is missing";
      }
    }
    if (!b.path("events").isArray() || b.path("events").isEmpty()) {
      return "events is empty";
    }
    for (JsonNode e : b.path("events")) {
      for (String f : List.of("kind", "severity", "key", "text")) {
        if (!e.path(f).isTextual()) {
          return "events[]." + f + " is missing";
        }
      }
      if (!e.has("subject")) {
        return "events[].subject is missing";
      }
    }
    return null;
  }

  private record Parsed(long at, String contentType, JsonNode body, String problem) {}

  private static Parsed parse(HttpExchange x) throws IOException {
    long at = System.nanoTime();
    String type = x.getRequestHeaders().getFirst("Content-Type");
    byte[] bytes = x.getRequestBody().readAllBytes();
    if (!"POST".equals(x.getRequestMethod())) {
      return new Parsed(at, type, null, "method " + x.getRequestMethod());
    }
    if (type == null || !type.startsWith("application/json")) {
      return new Parsed(at, type, null, "invalid_content_type " + type);
    }
    try {
      JsonNode body = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
      return new Parsed(at, type, body, body != null && body.isObject() ? null : "invalid_json");
    } catch (IOException e) {
      return new Parsed(at, type, null, "invalid_json");
    }
  }

  private static void answer(
      HttpExchange x,
      List<Received> log,
      Parsed p,
      int status,
      String type,
      String body,
      String problem)
      throws IOException {
    log.add(new Received(p.at, p.contentType, p.body, status, problem));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
