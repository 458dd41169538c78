package dev.cutover.activities;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.engine.Command;
import dev.cutover.engine.Judge;
import dev.cutover.workflows.NotifyRequest;
import java.time.Instant;
import java.util.List;

/**
 * A Slack incoming-webhook body: {@code text} (the notification and push fallback) and Block Kit
 * {@code blocks} a person reads in the channel: each event as a section, a status update's gates as
 * fields (value, outcome and threshold), what the cutover waits for and when it next decides as
 * context. Within Slack's limits: at most {@value #MAX_BLOCKS} blocks, section text at most {@value
 * #MAX_SECTION} characters, at most {@value #MAX_FIELDS} fields of at most {@value #MAX_FIELD}
 * each; text is escaped as Slack's mrkdwn asks ({@code & < >}), so a plan's text cannot mention a
 * channel or inject a link. Pure.
 */
final class SlackBlocks {
  static final int MAX_BLOCKS = 50;
  static final int MAX_SECTION = 3000;
  static final int MAX_FIELDS = 10;
  static final int MAX_FIELD = 2000;
  static final int MAX_TEXT = 3000;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private SlackBlocks() {}

  static ObjectNode body(NotifyRequest request, String text, List<NotifyRequest.Event> events) {
    ObjectNode o = F.objectNode();
    o.put("text", PagerDutyEvents.clip(escape(text), MAX_TEXT));
    ArrayNode blocks = o.putArray("blocks");
    for (NotifyRequest.Event e : events) {
      if (blocks.size() >= MAX_BLOCKS - 4) {
        break;
      }
      blocks.add(
          section(
              marker(e.level())
                  + " *"
                  + e.kind().replace('_', ' ')
                  + "* "
                  + escape(e.report() == null ? e.text() : firstLine(e.text()))));
      if (e.report() != null) {
        report(blocks, e.report());
      }
    }
    ArrayNode context = blocks.addObject().put("type", "context").putArray("elements");
    context.addObject().put("type", "mrkdwn").put("text", escape(request.workflowId()));
    return o;
  }

  private static void report(ArrayNode blocks, Command.Notify.Report r) {
    List<Command.Notify.Gate> gates = r.gates();
    for (int from = 0; from < gates.size() && blocks.size() < MAX_BLOCKS - 3; from += MAX_FIELDS) {
      ObjectNode s = blocks.addObject().put("type", "section");
      ArrayNode fields = s.putArray("fields");
      for (Command.Notify.Gate g : gates.subList(from, Math.min(gates.size(), from + MAX_FIELDS))) {
        String value =
            "*"
                + escape(g.check())
                + "* ("
                + g.role()
                + ")\n"
                + (g.value() == null ? "no value" : Judge.format(g.value()))
                + " "
                + (g.outcome() == null ? "not measured yet" : g.outcome())
                + (g.pass() == null ? "" : " · pass " + escape(g.pass()));
        fields
            .addObject()
            .put("type", "mrkdwn")
            .put("text", PagerDutyEvents.clip(value, MAX_FIELD));
      }
    }
    StringBuilder waits = new StringBuilder();
    if (r.waitingFor() != null) {
      waits.append("waiting for ").append(escape(r.waitingFor()));
    }
    if (r.nextDecisionAt() != null) {
      long epoch = r.nextDecisionAt() / 1000;
      String iso = Instant.ofEpochMilli(r.nextDecisionAt()).toString();
      waits
          .append(waits.length() == 0 ? "" : " · ")
          .append("next decision <!date^")
          .append(epoch)
          .append("^{date_short_pretty} {time}|")
          .append(iso)
          .append(">");
    }
    if (waits.length() > 0) {
      blocks
          .addObject()
          .put("type", "context")
          .putArray("elements")
          .addObject()
          .put("type", "mrkdwn")
          .put("text", PagerDutyEvents.clip(waits.toString(), MAX_SECTION));
    }
  }

  private static ObjectNode section(String mrkdwn) {
    ObjectNode s = F.objectNode().put("type", "section");
    s.putObject("text")
        .put("type", "mrkdwn")
        .put("text", PagerDutyEvents.clip(mrkdwn, MAX_SECTION));
    return s;
  }

  private static String marker(String level) {
    return switch (NotifyRouting.severity(level)) {
      case CRITICAL -> ":rotating_light:";
      case WARNING -> ":warning:";
      case INFO -> ":information_source:";
    };
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  /** Slack's mrkdwn control characters, escaped as its docs ask. */
  static String escape(String text) {
    return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
