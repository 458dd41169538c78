package dev.cutover.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.engine.Signal;
import dev.cutover.engine.SignalName;
import dev.cutover.plan.Check;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a simulation script (docs/plan-tools.md) for one plan: CSV lines {@code time,check,value}
 * (a check column {@code signal:NAME} with {@code key=value;...} fields sends a signal), or JSON
 * {@code {"values": [{at, check, value}], "signals": [{at, signal, by, stage, check, reason,
 * comment, task}]}}. Every problem names the file and line; a bad script is refused whole.
 *
 * <p>Times are {@code +DURATION} after the simulated start ({@code +0}, {@code +36h}, {@code
 * +2d12h}) or absolute ISO-8601 instants ({@code 2026-11-01T00:00:00Z}). Values are numbers or
 * {@code pass}, {@code fail}, {@code nodata}, {@code error}. Pure: the caller reads the file.
 */
public final class ScriptReader {
  /**
   * Most lines (CSV) or entries (JSON) one script may hold: a month of one-minute data, and more.
   */
  public static final int MAX_ENTRIES = 500_000;

  /** Most characters on one CSV line. */
  public static final int MAX_LINE_CHARS = 4096;

  /** Most characters of {@code reason} or {@code comment}, as the workflow cuts them. */
  static final int MAX_TEXT_CHARS = 1_000;

  /** Most characters of {@code by}, {@code stage} or {@code check} in a signal. */
  static final int MAX_NAME_CHARS = 128;

  /** Most problems listed before the rest are counted. */
  static final int MAX_PROBLEMS = 20;

  static final String SIGNAL_PREFIX = "signal:";
  static final Set<String> SIGNAL_FIELDS =
      Set.of("by", "stage", "check", "reason", "comment", "task");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Plan plan;
  private final String name;
  private final List<String> problems = new ArrayList<>();
  private int moreProblems;
  private final List<Script.Point> values = new ArrayList<>();
  private final List<Script.Send> signals = new ArrayList<>();

  private ScriptReader(Plan plan, String name) {
    this.plan = plan;
    this.name = name;
  }

  /**
   * The script in {@code text}, checked against {@code plan} (every check it names must be one of
   * the plan's).
   *
   * @param name the file's name, for messages ({@code series.csv:12: ...})
   * @throws ScriptException listing every problem with its line
   */
  public static Script read(Plan plan, String name, String text) {
    ScriptReader r = new ScriptReader(plan, name);
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String start = t.stripLeading();
    if (start.startsWith("{") || start.startsWith("[")) {
      r.json(t);
    } else {
      r.csv(t);
    }
    if (!r.problems.isEmpty()) {
      List<String> all = new ArrayList<>(r.problems);
      if (r.moreProblems > 0) {
        all.add(name + ": and " + r.moreProblems + " more problems");
      }
      throw new ScriptException(all);
    }
    return new Script(r.values, r.signals);
  }

  private void problem(int line, String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(name + ":" + line + ": " + message);
    } else {
      moreProblems++;
    }
  }

  private void csv(String text) {
    String[] lines = text.split("\r?\n", -1);
    if (lines.length > MAX_ENTRIES + 1) {
      problem(
          MAX_ENTRIES + 2,
          "a script holds at most " + MAX_ENTRIES + " lines; this one has " + lines.length);
      return;
    }
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.length() > MAX_LINE_CHARS) {
        problem(lineNo, "a line is at most " + MAX_LINE_CHARS + " characters");
        continue;
      }
      String[] cols = line.split(",", 3);
      if (cols.length < 3) {
        problem(lineNo, "expected time,check,value but found " + quote(line));
        continue;
      }
      String time = cols[0].strip();
      String what = cols[1].strip();
      String value = cols[2].strip();
      if (time.equals("time") && what.equals("check")) {
        continue; // the header
      }
      Script.At at = at(time, lineNo);
      if (what.startsWith(SIGNAL_PREFIX)) {
        Map<String, String> fields = csvFields(value, lineNo);
        if (at != null && fields != null) {
          signal(at, what.substring(SIGNAL_PREFIX.length()), fields, lineNo);
        }
        continue;
      }
      Script.Value v = value(value, lineNo);
      if (at != null && v != null && checkNamed(what, v, lineNo)) {
        values.add(new Script.Point(at, what, v, name + ":" + lineNo));
      }
    }
  }

  private Map<String, String> csvFields(String text, int line) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return fields;
    }
    for (String part : text.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 1) {
        problem(line, "signal fields are key=value separated by ';', not " + quote(part.strip()));
        return null;
      }
      fields.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
    }
    return fields;
  }

  private void json(String text) {
    JsonFactory factory = JSON.getFactory();
    try (JsonParser p = factory.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == JsonToken.START_ARRAY) {
        entries(p, "values");
      } else {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          int line = p.currentLocation().getLineNr();
          JsonToken t = p.nextToken();
          if (!field.equals("values") && !field.equals("signals")) {
            problem(line, "unknown field " + quote(field) + " (the fields are values, signals)");
            p.skipChildren();
          } else if (t != JsonToken.START_ARRAY) {
            problem(line, field + " must be a list");
            p.skipChildren();
          } else {
            entries(p, field);
          }
        }
      }
      if (p.nextToken() != null) {
        problem(p.currentLocation().getLineNr(), "unexpected text after the script");
      }
    } catch (JsonProcessingException e) {
      problem(
          e.getLocation() == null ? 1 : e.getLocation().getLineNr(),
          "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      problem(1, "cannot read: " + e.getMessage());
    }
  }

  /** The entries of a list at the parser, each read with the line it starts on. */
  private void entries(JsonParser p, String list) throws IOException {
    int count = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      int line = p.currentTokenLocation().getLineNr();
      JsonNode node = p.readValueAsTree();
      if (++count > MAX_ENTRIES) {
        problem(line, "a script holds at most " + MAX_ENTRIES + " " + list);
        p.skipChildren();
        continue;
      }
      if (node == null || !node.isObject()) {
        problem(line, list + " entries are objects");
        continue;
      }
      if (list.equals("values")) {
        jsonValue(node, line);
      } else {
        jsonSignal(node, line);
      }
    }
  }

  private void jsonValue(JsonNode node, int line) {
    unknownFields(node, Set.of("at", "check", "value"), line);
    Script.At at = at(text(node, "at", line), line);
    String check = text(node, "check", line);
    JsonNode v = node.get("value");
    Script.Value value;
    if (v == null) {
      problem(line, "value is missing");
      value = null;
    } else if (v.isNumber()) {
      value = number(v.asDouble(), v.asText(), line);
    } else {
      value = value(v.asText(), line);
    }
    if (at != null && check != null && value != null && checkNamed(check, value, line)) {
      values.add(new Script.Point(at, check, value, name + ":" + line));
    }
  }

  private void jsonSignal(JsonNode node, int line) {
    Set<String> known = new java.util.HashSet<>(SIGNAL_FIELDS);
    known.add("at");
    known.add("signal");
    unknownFields(node, known, line);
    Script.At at = at(text(node, "at", line), line);
    String signal = text(node, "signal", line);
    Map<String, String> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (SIGNAL_FIELDS.contains(e.getKey())) {
        fields.put(e.getKey(), e.getValue().asText());
      }
    }
    if (at != null && signal != null) {
      signal(at, signal, fields, line);
    }
  }

  private void unknownFields(JsonNode node, Set<String> known, int line) {
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!known.contains(f)) {
                problem(
                    line,
                    "unknown field "
                        + quote(f)
                        + " (the fields are "
                        + String.join(", ", known.stream().sorted().toList())
                        + ")");
              }
            });
  }

  private String text(JsonNode node, String field, int line) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      problem(line, field + " is missing");
      return null;
    }
    return v.asText();
  }

  private void signal(Script.At at, String signalName, Map<String, String> fields, int line) {
    if (SignalName.of(signalName).isEmpty()) {
      problem(
          line,
          "no signal named "
              + quote(signalName)
              + " (the signals are "
              + String.join(
                  ", ", java.util.Arrays.stream(SignalName.values()).map(SignalName::wire).toList())
              + ")");
      return;
    }
    boolean ok = true;
    for (Map.Entry<String, String> f : fields.entrySet()) {
      String key = f.getKey();
      if (!SIGNAL_FIELDS.contains(key)) {
        problem(
            line,
            "unknown signal field "
                + quote(key)
                + " (the fields are by, stage, check, reason, comment, task)");
        ok = false;
        continue;
      }
      int max = key.equals("reason") || key.equals("comment") ? MAX_TEXT_CHARS : MAX_NAME_CHARS;
      if (f.getValue().length() > max) {
        problem(line, key + " is at most " + max + " characters");
        ok = false;
      } else if (f.getValue().codePoints().anyMatch(ScriptReader::control)) {
        // As the workflow refuses them in a signal: they would reach the timeline and terminals.
        problem(line, key + " holds a control character");
        ok = false;
      }
    }
    if (ok && signals.size() >= MAX_ENTRIES) {
      problem(line, "a script holds at most " + MAX_ENTRIES + " signals");
      ok = false;
    }
    if (ok) {
      Signal s =
          new Signal(
              signalName,
              blankToNull(fields.get("by")),
              blankToNull(fields.get("reason")),
              blankToNull(fields.get("stage")),
              blankToNull(fields.get("check")),
              blankToNull(fields.get("comment")),
              blankToNull(fields.get("task")),
              Signal.Signature.UNSIGNED);
      signals.add(new Script.Send(at, s, name + ":" + line));
    }
  }

  private Script.At at(String text, int line) {
    if (text == null) {
      return null;
    }
    if (text.startsWith("+")) {
      return Durations.parse(text.substring(1))
          .map(d -> Script.At.offset(d.toMillis(), text))
          .orElseGet(
              () -> {
                problem(line, quote(text) + " is not a time: write +DURATION (+36h) or ISO-8601");
                return null;
              });
    }
    try {
      return Script.At.instant(OffsetDateTime.parse(text).toInstant(), text);
    } catch (DateTimeParseException e) {
      try {
        return Script.At.instant(Instant.parse(text), text);
      } catch (DateTimeParseException e2) {
        problem(
            line,
            quote(text)
                + " is not a time: write +DURATION after the start (+36h, +2d12h) or an ISO-8601"
                + " instant (2026-11-01T00:00:00Z)");
        return null;
      }
    }
  }

  private Script.Value value(String text, int line) {
    switch (text) {
      case "pass":
        return Script.Value.PASSING;
      case "fail":
        return new Script.Value(Script.Value.Kind.FAIL, Double.NaN);
      case "nodata":
        return new Script.Value(Script.Value.Kind.NO_DATA, Double.NaN);
      case "error":
        return new Script.Value(Script.Value.Kind.ERROR, Double.NaN);
      default:
        break;
    }
    double d;
    try {
      d = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      problem(
          line, quote(text) + " is not a value: write a number, or pass, fail, nodata or error");
      return null;
    }
    return number(d, text, line);
  }

  private Script.Value number(double d, String text, int line) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      problem(line, quote(text) + " is not a finite number");
      return null;
    }
    return Script.Value.of(d);
  }

  /** Whether {@code check} is one of the plan's checks and can take {@code value}. */
  private boolean checkNamed(String check, Script.Value value, int line) {
    Check c = plan.checks().get(check);
    if (c == null) {
      problem(
          line,
          "no check named "
              + quote(check)
              + " in plan "
              + plan.name()
              + " (its checks: "
              + String.join(", ", plan.checks().keySet())
              + ")");
      return false;
    }
    if (value.kind() == Script.Value.Kind.NUMBER) {
      if (c.source() instanceof Check.Compare) {
        problem(line, "check " + check + " compares two paths: give pass, fail, nodata or error");
        return false;
      }
      if (c.pass() == null && !hasRulePass(check)) {
        problem(
            line,
            "check "
                + check
                + " has no pass condition (its HTTP expectations decide): give pass, fail,"
                + " nodata or error");
        return false;
      }
    }
    return true;
  }

  private boolean hasRulePass(String check) {
    return Readings.rulesOf(plan, check).stream().anyMatch(r -> r.pass() != null);
  }

  private static boolean control(int c) {
    return Character.getType(c) == Character.CONTROL
        || c == 0x2028
        || c == 0x2029
        || Character.getType(c) == Character.FORMAT;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  static String quote(String s) {
    String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
  }
}
