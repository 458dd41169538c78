package dev.cutover.activities;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.workflows.NotifyRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * PagerDuty Events API v2 bodies ({@code POST /v2/enqueue}): a {@code trigger} for what needs
 * someone, a {@code resolve} for what cleared, both under a dedup key that is the same for a
 * cutover and a rule whatever the attempt, so a retried send never pages twice. Limits are the
 * vendor's: {@code summary} at most {@value #MAX_SUMMARY} characters, {@code dedup_key} at most
 * {@value #MAX_DEDUP_KEY}, {@code source} at most {@value #MAX_SOURCE}. Pure.
 */
final class PagerDutyEvents {
  /** Where events go unless the worker's operator sets {@code CUTOVER_PAGERDUTY_URL}. */
  static final String ENDPOINT = "https://events.pagerduty.com/v2/enqueue";

  static final int MAX_SUMMARY = 1024;
  static final int MAX_DEDUP_KEY = 255;
  static final int MAX_SOURCE = 255;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PagerDutyEvents() {}

  /**
   * The key of {@code event}: {@code cutover/<workflow id>/<chain>/<subject>} (the subject a rule's
   * id, {@code rollback}, else the event's kind), hashed when longer than PagerDuty allows.
   */
  static String dedupKey(NotifyRequest request, NotifyRequest.Event event) {
    String subject = event.subject() != null ? event.subject() : event.kind();
    if ("cleared".equals(event.kind()) && event.subject() == null) {
      subject = "breach";
    }
    String key =
        "cutover/"
            + request.workflowId()
            + "/"
            + (request.chain() == null ? "-" : request.chain())
            + "/"
            + subject;
    if (key.length() <= MAX_DEDUP_KEY) {
      return key;
    }
    return "cutover/" + sha256(key);
  }

  /** The body of {@code event} for {@code routingKey} (already resolved). */
  static ObjectNode body(NotifyRequest request, NotifyRequest.Event event, String routingKey) {
    boolean resolve = NotifyRouting.RESOLVING.contains(event.kind());
    ObjectNode o = F.objectNode();
    o.put("routing_key", routingKey);
    o.put("event_action", resolve ? "resolve" : "trigger");
    o.put("dedup_key", dedupKey(request, event));
    if (resolve) {
      return o; // a resolve needs only the key; PagerDuty ignores a payload on it
    }
    ObjectNode p = o.putObject("payload");
    p.put("summary", clip(event.text() == null ? event.kind() : event.text(), MAX_SUMMARY));
    p.put("source", clip(request.workflowId(), MAX_SOURCE));
    p.put("severity", NotifyRouting.severity(event.level()).wire());
    p.put("timestamp", Instant.now().toString());
    p.put("component", event.subject() == null ? "cutover" : clip(event.subject(), 255));
    p.put("group", "cutover");
    p.put("class", event.kind());
    ObjectNode details = p.putObject("custom_details");
    details.put("kind", event.kind());
    details.put("workflow_id", request.workflowId());
    if (event.subject() != null) {
      details.put("subject", event.subject());
    }
    o.put("client", "cutover");
    return o;
  }

  /** {@code text} cut to at most {@code max} characters, never splitting a surrogate pair. */
  static String clip(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
