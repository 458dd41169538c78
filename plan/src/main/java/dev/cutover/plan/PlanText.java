package dev.cutover.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.StreamEndEvent;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Plan text to a JSON tree, refusing what would make the tree differ from what the author sees:
 * text that is not UTF-8, control characters, YAML aliases, anchors, merge keys and tags, keys
 * written twice, a second document, and nesting deeper than {@link PlanLimits#MAX_DEPTH}. Each
 * problem names its place: a line and column, and the plan path where there is one.
 *
 * <p>YAML is first read as a stream of events (SnakeYAML's parser, which never expands an alias and
 * keeps no tree), then, once nothing above was found, into a tree by Jackson. Never throws anything
 * but {@link PlanException}.
 */
final class PlanText {
  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder().maxNestingDepth(PlanLimits.MAX_DEPTH).build();
  private static final ObjectMapper YAML =
      YAMLMapper.builder(YAMLFactory.builder().streamReadConstraints(CONSTRAINTS).build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final ObjectMapper JSON =
      JsonMapper.builder(JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final Pattern DUPLICATE = Pattern.compile("^Duplicate field '(.*)'");

  /** Problems reported before the scan stops: enough to fix a file, few enough to read. */
  private static final int MAX_SCAN_PROBLEMS = 20;

  private PlanText() {}

  /**
   * UTF-8 bytes to text: a leading byte order mark is dropped; anything not UTF-8 is a problem
   * saying where.
   */
  static String decode(byte[] bytes) {
    if (bytes.length > PlanReader.MAX_PLAN_BYTES) {
      throw tooLarge(bytes.length);
    }
    if (bytes.length >= 2
        && (((bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xff) == 0xff)
            || ((bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xfe))) {
      throw fail(
          "", "not UTF-8: the file starts with a UTF-16 byte order mark; save the plan as UTF-8");
    }
    int start =
        bytes.length >= 3
                && (bytes[0] & 0xff) == 0xef
                && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf
            ? 3
            : 0;
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int offset = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw fail(
          "line " + line,
          String.format(
              "not UTF-8: byte %d (0x%02X, byte %d of line %d) does not"
                  + " belong to a UTF-8 character; save the plan as UTF-8",
              offset, bytes[offset] & 0xff, offset - lineStart + 1, line));
    }
    out.flip();
    return out.toString();
  }

  /** The tree of YAML or JSON text (<code>{</code> first: JSON). */
  static JsonNode parse(String text) {
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    long bytes = utf8Length(t);
    if (bytes > PlanReader.MAX_PLAN_BYTES) {
      throw tooLarge(bytes);
    }
    controlCharacters(t);
    boolean json = t.stripLeading().startsWith("{");
    if (!json) {
      scanYaml(t);
    }
    JsonNode node;
    try {
      node = (json ? JSON : YAML).readTree(t);
    } catch (StreamConstraintsException e) {
      throw fail(
          e.getLocation() != null ? where(e.getLocation()) : tooDeepAt(t),
          "nested more than " + PlanLimits.MAX_DEPTH + " levels deep; a plan is never that deep");
    } catch (JsonProcessingException e) {
      Matcher dup = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
      String message =
          dup.find()
              ? "the key \"" + dup.group(1) + "\" is written twice; write each key once"
              : (json ? "not valid JSON: " : "not valid YAML: ")
                  + firstLine(e.getOriginalMessage());
      throw fail(where(e.getLocation()), message);
    } catch (RuntimeException | StackOverflowError e) {
      throw fail(
          "", (json ? "not valid JSON: " : "not valid YAML: ") + e.getClass().getSimpleName());
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      throw fail("", "the plan is empty");
    }
    return node;
  }

  /**
   * Where JSON text first opens a container past {@link PlanLimits#MAX_DEPTH} (Jackson does not
   * say).
   */
  private static String tooDeepAt(String json) {
    int depth = 0;
    int line = 1;
    int column = 0;
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      column++;
      if (c == '\n') {
        line++;
        column = 0;
      } else if (inString) {
        if (c == '\\') {
          i++;
          column++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > PlanLimits.MAX_DEPTH) {
          return "line " + line + ", column " + column;
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return "";
  }

  private static PlanException tooLarge(long bytes) {
    return fail(
        "",
        "the plan is "
            + bytes
            + " bytes; a plan is at most "
            + PlanReader.MAX_PLAN_BYTES
            + " bytes ("
            + PlanReader.MAX_PLAN_BYTES / 1024
            + " KiB)");
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Control characters (but tab and line breaks), and characters YAML reads as line breaks that
   * editors do not show as such, anywhere in the text. Escaped ones inside quoted strings are found
   * later, in the tree.
   */
  private static void controlCharacters(String t) {
    int line = 1;
    int column = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      column++;
      if (c == '\n') {
        line++;
        column = 0;
        continue;
      }
      String what = null;
      if (PlanSyntax.isControl(c) && c != '\t' && c != '\r') {
        what = "the control character " + PlanSyntax.describe(c);
      } else if (c == '\uFFFE' || c == '\uFFFF') {
        what = "the non-character " + PlanSyntax.describe(c);
      } else if (Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c)
              && i + 1 < t.length()
              && Character.isLowSurrogate(t.charAt(i + 1)))
          && !(Character.isLowSurrogate(c)
              && i > 0
              && Character.isHighSurrogate(t.charAt(i - 1)))) {
        what = "half a UTF-16 surrogate pair (" + PlanSyntax.describe(c) + ")";
      }
      if (what != null) {
        throw fail(
            "line " + line + ", column " + column,
            what + " is not allowed in a plan" + (c == 0 ? " (is this a binary file?)" : ""));
      }
    }
  }

  /** What a YAML node is while the event stream is read: where it is, and what its keys were. */
  private static final class Frame {
    final boolean mapping;
    final String path;
    final Map<String, Integer> keyLines = new HashMap<>();
    int index;
    String key;
    boolean expectKey = true;

    Frame(boolean mapping, String path) {
      this.mapping = mapping;
      this.path = path;
    }

    /** The path of the value that comes next in this collection. */
    String child() {
      if (!mapping) {
        return path + "[" + index + "]";
      }
      return path.isEmpty() ? key : path + "." + key;
    }
  }

  private static void scanYaml(String text) {
    List<Problem> problems = new ArrayList<>();
    Deque<Frame> stack = new ArrayDeque<>();
    int documents = 0;
    try {
      ParserImpl parser =
          new ParserImpl(new StreamReader(new StringReader(text)), new LoaderOptions());
      while (problems.size() < MAX_SCAN_PROBLEMS) {
        Event e = parser.getEvent();
        if (e == null || e instanceof StreamEndEvent) {
          break;
        }
        if (e instanceof DocumentStartEvent) {
          if (++documents > 1) {
            problems.add(
                at(
                    e.getStartMark(),
                    "",
                    "a plan is one YAML document; a second one starts here (---)"));
            break;
          }
          continue;
        }
        if (e instanceof CollectionEndEvent) {
          stack.pop();
          valueDone(stack);
          continue;
        }
        if (!(e instanceof NodeEvent node)) {
          continue; // document end
        }
        Frame parent = stack.peek();
        boolean isKey = parent != null && parent.mapping && parent.expectKey;
        String path = parent == null ? "" : isKey ? parent.path : parent.child();
        if (node.getAnchor() != null && !(e instanceof AliasEvent)) {
          problems.add(
              at(
                  e.getStartMark(),
                  path,
                  "YAML anchors (&"
                      + node.getAnchor()
                      + ") are not allowed in a plan; write the value out where it is used"));
        }
        String tag =
            e instanceof ScalarEvent s
                ? s.getTag()
                : e instanceof CollectionStartEvent c ? c.getTag() : null;
        if (tag != null) {
          problems.add(
              at(
                  e.getStartMark(),
                  path,
                  "YAML tags ("
                      + tag.replace("tag:yaml.org,2002:", "!!")
                      + ") are not allowed in a plan; quote the value if it is text"));
        }
        if (e instanceof AliasEvent) {
          problems.add(
              at(
                  e.getStartMark(),
                  path,
                  "YAML aliases (*"
                      + node.getAnchor()
                      + ") are not allowed in a plan; write the value out"));
          if (isKey) {
            break; // a key we cannot name: the paths after it would be wrong
          }
          valueDone(stack);
          continue;
        }
        if (isKey) {
          if (!(e instanceof ScalarEvent s)) {
            problems.add(
                at(e.getStartMark(), path, "a key is plain text, not a list or an object"));
            break;
          }
          String key = s.getValue();
          if (key.equals("<<") && s.isPlain()) {
            problems.add(
                at(
                    e.getStartMark(),
                    path,
                    "YAML merge keys (<<) are not allowed in a plan; write the fields out"));
          }
          Integer first = parent.keyLines.putIfAbsent(key, e.getStartMark().getLine() + 1);
          if (first != null) {
            problems.add(
                at(
                    e.getStartMark(),
                    parent.path.isEmpty() ? key : parent.path + "." + key,
                    "the key \""
                        + key
                        + "\" is written twice (first on line "
                        + first
                        + "); write each key once"));
          }
          parent.key = key;
          parent.expectKey = false;
          continue;
        }
        if (e instanceof CollectionStartEvent) {
          if (stack.size() >= PlanLimits.MAX_DEPTH) {
            problems.add(
                at(
                    e.getStartMark(),
                    path,
                    "nested more than "
                        + PlanLimits.MAX_DEPTH
                        + " levels deep; a plan is never that deep"));
            break;
          }
          stack.push(new Frame(e instanceof MappingStartEvent, path));
          continue;
        }
        valueDone(stack); // a scalar value
      }
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      problems.add(
          new Problem(
              m == null ? "" : "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1),
              "not valid YAML: "
                  + firstLine(e.getProblem() != null ? e.getProblem() : e.getContext())));
    } catch (RuntimeException | StackOverflowError e) {
      problems.add(new Problem("", "not valid YAML: " + firstLine(e.getMessage())));
    }
    if (!problems.isEmpty()) {
      throw new PlanException(problems);
    }
  }

  /**
   * A value of the innermost collection is complete: the next is a key (mapping) or the next
   * element.
   */
  private static void valueDone(Deque<Frame> stack) {
    Frame f = stack.peek();
    if (f == null) {
      return;
    }
    if (f.mapping) {
      f.expectKey = true;
    } else {
      f.index++;
    }
  }

  private static Problem at(Mark m, String path, String message) {
    String where = "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    return path.isEmpty()
        ? new Problem(where, message)
        : new Problem(path, message + " (" + where + ")");
  }

  private static String where(JsonLocation at) {
    return at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).strip();
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }

  private static PlanException fail(String path, String message) {
    return new PlanException(List.of(new Problem(path, message)));
  }
}
