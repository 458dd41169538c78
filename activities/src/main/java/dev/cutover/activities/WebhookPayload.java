package dev.cutover.activities;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.engine.Command;
import dev.cutover.workflows.NotifyRequest;
import java.time.Instant;
import java.util.List;

/**
 * The generic webhook's body, schema {@value #SCHEMA} (documented in docs/notifications.md): the
 * cutover, the whole text, and each event with its kind, subject, severity, a stable key (the
 * PagerDuty dedup key, for a receiver that deduplicates) and, on a status update, the report.
 * Fields are only ever added within a schema version. Pure.
 */
final class WebhookPayload {
  static final String SCHEMA = "cutover.notification/v1";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private WebhookPayload() {}

  static ObjectNode body(NotifyRequest request, String text, List<NotifyRequest.Event> events) {
    ObjectNode o = F.objectNode();
    o.put("schema", SCHEMA);
    o.put("workflowId", request.workflowId());
    o.put("sentAt", Instant.now().toString());
    o.put("severity", NotifyRouting.severity(request.level()).wire());
    o.put("text", text);
    ArrayNode list = o.putArray("events");
    for (NotifyRequest.Event e : events) {
      ObjectNode n = list.addObject();
      n.put("kind", e.kind());
      if (e.subject() == null) {
        n.putNull("subject");
      } else {
        n.put("subject", e.subject());
      }
      n.put("severity", NotifyRouting.severity(e.level()).wire());
      n.put("key", PagerDutyEvents.dedupKey(request, e));
      n.put("text", e.text());
      if (e.report() != null) {
        report(n.putObject("report"), e.report());
      }
    }
    return o;
  }

  private static void report(ObjectNode o, Command.Notify.Report r) {
    o.put("state", r.state());
    o.put("stage", r.stage());
    if (r.percent() == null) {
      o.putNull("percent");
    } else {
      o.put("percent", r.percent());
    }
    o.put("waitingFor", r.waitingFor());
    o.put(
        "nextDecisionAt",
        r.nextDecisionAt() == null ? null : Instant.ofEpochMilli(r.nextDecisionAt()).toString());
    ArrayNode gates = o.putArray("gates");
    for (Command.Notify.Gate g : r.gates()) {
      ObjectNode n = gates.addObject();
      n.put("id", g.id());
      n.put("check", g.check());
      n.put("role", g.role());
      n.put("outcome", g.outcome());
      if (g.value() == null) {
        n.putNull("value");
      } else {
        n.put("value", g.value());
      }
      n.put("pass", g.pass());
    }
  }
}
