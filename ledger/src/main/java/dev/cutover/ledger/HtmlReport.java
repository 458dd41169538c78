package dev.cutover.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One cutover's report as a single self-contained HTML file: the data as JSON, the page's script,
 * and uPlot 1.6.31 (MIT; vendored in {@code report/}, see its README) inlined, so that it opens
 * offline and prints. Every text from the ledger is put in the page by the script as text, never as
 * markup.
 */
public final class HtmlReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");

  private HtmlReport() {}

  /** The report of {@code data}, generated at {@code now} (epoch millis). */
  public static String render(ReportData data, long now) {
    String page = resource("report.html");
    return page.replace("/*UPLOT_CSS*/", resource("uPlot.min.css"))
        .replace("/*UPLOT_JS*/", resource("uPlot.iife.min.js"))
        .replace("/*REPORT_DATA*/", json(model(data, now)))
        .replace("<!--TITLE-->", escape("cutover report: " + data.cutover().get("plan")));
  }

  /** What the page's script draws: the ledger's rows, and each check's series prepared. */
  static ObjectNode model(ReportData d, long now) {
    ObjectNode m = JSON.createObjectNode();
    m.put("generatedAt", now);
    m.set("cutover", JSON.valueToTree(d.cutover()));
    m.set("transitions", JSON.valueToTree(d.transitions()));
    m.set("decisions", JSON.valueToTree(d.decisions()));
    m.set("effects", JSON.valueToTree(d.effects()));
    m.set("incidents", JSON.valueToTree(d.incidents()));
    m.set("holds", JSON.valueToTree(d.holds()));
    m.set("rollbacks", JSON.valueToTree(d.rollbacks()));
    Map<String, ObjectNode> checks = new LinkedHashMap<>();
    for (Map<String, Object> row : d.measurements()) {
      String check = (String) row.get("check_name");
      ObjectNode c =
          checks.computeIfAbsent(
              check,
              k -> {
                ObjectNode n = JSON.createObjectNode();
                n.put("check", k);
                n.put("threshold", (String) row.get("threshold"));
                n.putArray("bounds");
                n.putArray("t");
                n.putArray("v");
                n.putArray("fail");
                n.putArray("outcome");
                n.putArray("roles");
                return n;
              });
      String threshold = (String) row.get("threshold");
      if (threshold != null && c.path("bounds").isEmpty()) {
        Matcher mm = NUMBER.matcher(threshold);
        while (mm.find()) {
          ((ArrayNode) c.get("bounds")).add(Double.parseDouble(mm.group()));
        }
      }
      String role = (String) row.get("role");
      if (role != null && !c.get("roles").toString().contains("\"" + role + "\"")) {
        ((ArrayNode) c.get("roles")).add(role);
      }
      long at = ((Number) row.get("at")).longValue();
      Number value = (Number) row.get("value");
      String outcome = (String) row.get("outcome");
      ((ArrayNode) c.get("t")).add(at / 1000.0);
      if (value == null) {
        ((ArrayNode) c.get("v")).addNull();
      } else {
        ((ArrayNode) c.get("v")).add(value.doubleValue());
      }
      if ("FAIL".equals(outcome) && value != null) {
        ((ArrayNode) c.get("fail")).add(value.doubleValue());
      } else {
        ((ArrayNode) c.get("fail")).addNull();
      }
      ((ArrayNode) c.get("outcome")).add(outcome);
    }
    ArrayNode series = m.putArray("checks");
    checks.values().forEach(series::add);
    ArrayNode approvals = m.putArray("approvals");
    for (Map<String, Object> dec : d.decisions()) {
      if (!"approve".equals(dec.get("action"))) {
        continue;
      }
      ObjectNode a = JSON.valueToTree(dec);
      a.set(
          "gates",
          JSON.valueToTree(gatesAt(d.measurements(), ((Number) dec.get("at")).longValue())));
      approvals.add(a);
    }
    return m;
  }

  /** The latest measurement of each check at or before {@code at}: what the gates showed then. */
  static List<Map<String, Object>> gatesAt(List<Map<String, Object>> measurements, long at) {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    for (Map<String, Object> row : measurements) {
      if (((Number) row.get("at")).longValue() <= at) {
        latest.put((String) row.get("check_name"), row);
      }
    }
    return List.copyOf(latest.values());
  }

  /** JSON safe inside a script element. */
  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value)
          .replace("<", "\\u003c")
          .replace(">", "\\u003e")
          .replace("&", "\\u0026")
          .replace("\u2028", "\\u2028")
          .replace("\u2029", "\\u2029");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream("report/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource report/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
