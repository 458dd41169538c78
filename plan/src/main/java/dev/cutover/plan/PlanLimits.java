package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * How big a plan and each of its parts may be (docs/plan-format.md lists them for operators).
 * Generous for real plans, an order of magnitude or more above the largest example, and small
 * enough that a plan always fits the workflow's start input and every message quoting part of it
 * stays readable.
 *
 * <p>Only the nesting depth and the durations that cannot run at all ({@link Durations#MAX}) hold
 * for every {@link PlanReader.Rules}; the rest are part of {@link PlanReader.Rules#HARDENED}, so a
 * cutover started before them keeps reading its plan as it did.
 */
public final class PlanLimits {
  /** Containers (objects and lists) nested at most this deep; a valid plan needs 8. */
  public static final int MAX_DEPTH = 32;

  /** A plan name, stage, check or connection name (the name patterns say so too). */
  public static final int MAX_NAME_CHARS = 63;

  /** A plan's or a check's description. */
  public static final int MAX_DESCRIPTION_CHARS = 4096;

  /** A SQL or PromQL query, including minSamples and compare counts. */
  public static final int MAX_QUERY_CHARS = 64 * 1024;

  /** A connection URL, a request line ({@code "PUT flags:/x"}) or a webhook. */
  public static final int MAX_URL_CHARS = 4096;

  /** A request body. */
  public static final int MAX_BODY_CHARS = 64 * 1024;

  /** A header name. */
  public static final int MAX_HEADER_NAME_CHARS = 256;

  /** A header value. */
  public static final int MAX_HEADER_VALUE_CHARS = 8192;

  /** A JSON path ({@code value}, the keys of {@code expect.json}). */
  public static final int MAX_JSON_PATH_CHARS = 256;

  /** One approver's name. */
  public static final int MAX_APPROVER_CHARS = 128;

  /** A window such as {@code "Mon-Thu 09:00-16:00 Europe/Berlin"}. */
  public static final int MAX_WINDOW_CHARS = 128;

  /** A file path ({@code traffic.nginx.file}, {@code config}). */
  public static final int MAX_FILE_CHARS = 1024;

  /** One argument of a command. */
  public static final int MAX_ARGUMENT_CHARS = 4096;

  /** A flag value or an expected JSON value, as text. */
  public static final int MAX_VALUE_CHARS = 4096;

  /** Any other text: a check reference, a comparison, a user name, an enum, a duration, ... */
  public static final int MAX_TEXT_CHARS = 1024;

  /** A key of any object (a field name, a flag name, a header name, ...). */
  public static final int MAX_KEY_CHARS = 256;

  public static final int MAX_STAGES = 100;
  public static final int MAX_CONNECTIONS = 50;
  public static final int MAX_CHECKS = 200;

  /** Rules in one list: a stage's gates, the watch list, the prerequisites. */
  public static final int MAX_RULES = 50;

  /** Actions of one stage, or of the rollback. */
  public static final int MAX_ACTIONS = 50;

  /** Tasks of one checklist list (a stage's {@code beforeStart}, or its {@code beforeComplete}). */
  public static final int MAX_TASKS = 20;

  /** Checklist tasks of a whole plan (each is confirmed once and kept in the cutover's state). */
  public static final int MAX_PLAN_TASKS = 100;

  /** A checklist task's text: one line a person reads. */
  public static final int MAX_TASK_TEXT_CHARS = 200;

  /** Headers of one connection or one request. */
  public static final int MAX_HEADERS = 50;

  /** Flags one stage sets (and as many under revert). */
  public static final int MAX_FLAGS = 100;

  public static final int MAX_APPROVERS = 100;

  /** Elements of a command: the program and its arguments. */
  public static final int MAX_ARGUMENTS = 64;

  /** Entries of one {@code expect.json}. */
  public static final int MAX_EXPECTED_VALUES = 50;

  /** Entries of any other object or list. */
  public static final int MAX_ENTRIES = 1000;

  /** A stage's soak and every, a rule's every and for, notify's every. */
  public static final Duration MAX_SOAK = Duration.ofDays(365);

  /** A rule's escalateAfter and grace; a wait action's and the drain's timeout. */
  public static final Duration MAX_ESCALATION = Duration.ofDays(30);

  /** minSamples.atLeast and a compare check's minSamples. */
  public static final long MAX_SAMPLES = 1_000_000_000_000L;

  /** A rule's errorLimit. */
  public static final int MAX_ERROR_LIMIT = 100;

  private static final ObjectMapper JSON = new ObjectMapper();

  private PlanLimits() {}

  /**
   * The size of {@code tree} as compact JSON, in UTF-8 bytes: how it travels in the workflow's
   * start input. Counting stops a little past {@code PlanReader.MAX_PLAN_BYTES}.
   */
  public static long jsonBytes(JsonNode tree) {
    Counter counter = new Counter(PlanReader.MAX_PLAN_BYTES + 1L);
    try {
      JSON.writeValue(counter, tree);
    } catch (IOException e) {
      // the counter stops writing once past the limit: the size is "more than allowed"
    }
    return counter.count;
  }

  /**
   * The longest a duration at {@code path} may be under the hardened rules, or null when its field
   * checks its own.
   */
  static Duration durationCap(String path) {
    String key = lastKey(path);
    return switch (key) {
      case "soak", "every", "for" -> MAX_SOAK;
      case "escalateAfter", "grace" -> MAX_ESCALATION;
      case "timeout" ->
          path.endsWith("wait.timeout") || path.endsWith("drain.timeout") ? MAX_ESCALATION : null;
      default -> null;
    };
  }

  /**
   * What is wrong with whole number {@code n} at {@code path} under the hardened rules, or null.
   */
  static String wholeNumberProblem(String path, long n) {
    return switch (lastKey(path)) {
      case "exitCode" -> n < 0 || n > 255 ? "an exit code is from 0 to 255" : null;
      case "errorLimit" -> n > MAX_ERROR_LIMIT ? "must be at most " + MAX_ERROR_LIMIT : null;
      case "atLeast", "minSamples" -> n > MAX_SAMPLES ? "must be at most " + MAX_SAMPLES : null;
      default -> null;
    };
  }

  private static String lastKey(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(dot + 1);
  }

  // ---------------------------------------------------------------- the walk

  /** Objects whose keys the plan's author chooses, and what their entries are. */
  private enum Named {
    CONNECTIONS,
    CHECKS,
    HEADERS,
    FLAGS,
    EXPECTED
  }

  /**
   * A node to look at: where it is, the field it is the value of (null for a named entry), and its
   * depth.
   */
  private record Item(JsonNode node, String path, String field, Named entryOf, int depth) {}

  /**
   * Looks at every node of a plan tree before it is read, without recursion: nesting deeper than
   * {@link #MAX_DEPTH} (always), and with {@code hardened} every other limit here, control
   * characters in text and numbers that are not finite.
   *
   * @return false when the tree is too deep to be read at all
   */
  static boolean walk(JsonNode root, boolean hardened, BiConsumer<String, String> problem) {
    Deque<Item> todo = new ArrayDeque<>();
    todo.push(new Item(root, "", null, null, root.isContainerNode() ? 1 : 0));
    while (!todo.isEmpty()) {
      Item it = todo.pop();
      JsonNode n = it.node();
      if (n.isContainerNode() && it.depth() > MAX_DEPTH) {
        problem.accept(
            it.path(), "nested more than " + MAX_DEPTH + " levels deep; a plan is never that deep");
        return false;
      }
      if (n.isObject()) {
        Named named = named(it);
        if (hardened) {
          limitEntries(
              it,
              n.size(),
              named == null
                  ? MAX_ENTRIES
                  : switch (named) {
                    case CONNECTIONS -> MAX_CONNECTIONS;
                    case CHECKS -> MAX_CHECKS;
                    case HEADERS -> MAX_HEADERS;
                    case FLAGS -> MAX_FLAGS;
                    case EXPECTED -> MAX_EXPECTED_VALUES;
                  },
              named == null
                  ? "fields"
                  : named.name().toLowerCase(Locale.ROOT).replace("expected", "expected values"),
              problem);
        }
        // Pushed in reverse, so problems come out in the order the plan is written.
        Deque<Item> children = new ArrayDeque<>();
        for (Iterator<Map.Entry<String, JsonNode>> f = n.fields(); f.hasNext(); ) {
          Map.Entry<String, JsonNode> e = f.next();
          String key = e.getKey();
          String path = it.path().isEmpty() ? key : it.path() + "." + key;
          if (hardened) {
            keyProblems(key, path, named, problem);
          }
          int depth = it.depth() + (e.getValue().isContainerNode() ? 1 : 0);
          children.push(
              named == null
                  ? new Item(e.getValue(), path, key, null, depth)
                  : new Item(e.getValue(), path, null, named, depth));
        }
        children.forEach(todo::push);
      } else if (n.isArray()) {
        if (hardened) {
          limitEntries(
              it,
              n.size(),
              switch (String.valueOf(it.field())) {
                case "stages" -> MAX_STAGES;
                case "gates", "watch", "prerequisites" -> MAX_RULES;
                case "actions" -> MAX_ACTIONS;
                case "approvers" -> MAX_APPROVERS;
                case "command" -> MAX_ARGUMENTS;
                default -> MAX_ENTRIES;
              },
              "entries",
              problem);
        }
        for (int i = n.size() - 1; i >= 0; i--) {
          JsonNode c = n.get(i);
          // A list's elements share its field: an approver, an argument, a stage.
          todo.push(
              new Item(
                  c,
                  it.path() + "[" + i + "]",
                  it.field(),
                  null,
                  it.depth() + (c.isContainerNode() ? 1 : 0)));
        }
      } else if (hardened && n.isTextual()) {
        textProblems(it, n.asText(), problem);
      } else if (hardened
          && n.isNumber()
          && n.isFloatingPointNumber()
          && !Double.isFinite(n.doubleValue())) {
        problem.accept(it.path(), "not a finite number");
      }
    }
    return true;
  }

  private static Named named(Item it) {
    if (it.field() == null) {
      return null;
    }
    return switch (it.field()) {
      case "connections" -> it.path().equals("connections") ? Named.CONNECTIONS : null;
      case "checks" -> it.path().equals("checks") ? Named.CHECKS : null;
      case "headers" -> Named.HEADERS;
      case "flags", "revert" -> Named.FLAGS;
      case "json" -> Named.EXPECTED;
      default -> null;
    };
  }

  private static void limitEntries(
      Item it, int size, int max, String what, BiConsumer<String, String> problem) {
    if (size > max) {
      String name =
          switch (String.valueOf(it.field())) {
            case "stages",
                "gates",
                "actions",
                "approvers",
                "prerequisites",
                "checks",
                "connections",
                "headers",
                "flags" ->
                it.field();
            case "watch" -> "watch rules";
            case "command" -> "elements (the program and its arguments)";
            case "revert" -> "flags";
            default -> what;
          };
      problem.accept(it.path(), "has " + size + " " + name + "; at most " + max);
    }
  }

  private static void keyProblems(
      String key, String path, Named named, BiConsumer<String, String> problem) {
    if (named == Named.CONNECTIONS || named == Named.CHECKS) {
      if (!PlanReader.STAGE_NAME.matcher(key).matches()) {
        String what = named == Named.CHECKS ? "a check name" : "a connection name";
        problem.accept(path, what + " must match " + PlanReader.STAGE_NAME.pattern());
      }
      return;
    }
    int max =
        named == Named.EXPECTED
            ? MAX_JSON_PATH_CHARS
            : named == Named.HEADERS ? MAX_HEADER_NAME_CHARS : MAX_KEY_CHARS;
    if (key.length() > max) {
      problem.accept(path, "a key is at most " + max + " characters; this one has " + key.length());
    } else if (named != Named.HEADERS && named != Named.FLAGS) {
      // header and flag names have rules of their own (PlanSyntax.headerNameProblem,
      // PlanReader.FLAG_NAME)
      int at = PlanSyntax.firstControl(key, false);
      if (at >= 0) {
        problem.accept(
            path,
            "a key has the control character " + PlanSyntax.describe(key.charAt(at)) + " in it");
      }
    }
  }

  /** How long a text may be, and what a problem calls it. */
  private record TextLimit(int max, String what) {}

  private static final TextLimit ANY_TEXT = new TextLimit(MAX_TEXT_CHARS, "this text");
  private static final TextLimit QUERY = new TextLimit(MAX_QUERY_CHARS, "a query");
  private static final TextLimit URL = new TextLimit(MAX_URL_CHARS, "a URL or request");
  private static final TextLimit FILE = new TextLimit(MAX_FILE_CHARS, "a file path");

  /** Texts that are entries of an object whose keys the author chooses, by that object. */
  private static final Map<Named, TextLimit> ENTRY_TEXT =
      Map.of(
          Named.HEADERS, new TextLimit(MAX_HEADER_VALUE_CHARS, "a header value"),
          Named.FLAGS, new TextLimit(MAX_VALUE_CHARS, "a flag value"),
          Named.EXPECTED, new TextLimit(MAX_VALUE_CHARS, "an expected value"));

  /** Other texts, by the field they are the value of (or an element of). */
  private static final Map<String, TextLimit> FIELD_TEXT =
      Map.ofEntries(
          Map.entry("description", new TextLimit(MAX_DESCRIPTION_CHARS, "a description")),
          Map.entry("query", QUERY),
          Map.entry("failures", QUERY),
          Map.entry("total", QUERY),
          Map.entry("body", new TextLimit(MAX_BODY_CHARS, "a body")),
          Map.entry("http", URL),
          Map.entry("postgres", URL),
          Map.entry("prometheus", URL),
          Map.entry("webhook", URL),
          Map.entry("value", new TextLimit(MAX_JSON_PATH_CHARS, "a JSON path")),
          Map.entry("window", new TextLimit(MAX_WINDOW_CHARS, "a window")),
          Map.entry("file", FILE),
          Map.entry("config", FILE),
          Map.entry("command", new TextLimit(MAX_ARGUMENT_CHARS, "an argument")),
          Map.entry("approvers", new TextLimit(MAX_APPROVER_CHARS, "an approver's name")));

  private static void textProblems(Item it, String text, BiConsumer<String, String> problem) {
    TextLimit limit =
        it.entryOf() != null
            ? ENTRY_TEXT.getOrDefault(it.entryOf(), ANY_TEXT)
            : FIELD_TEXT.getOrDefault(String.valueOf(it.field()), ANY_TEXT);
    if (text.length() > limit.max()) {
      problem.accept(
          it.path(),
          "too long: "
              + text.length()
              + " characters; "
              + limit.what()
              + " is at most "
              + limit.max());
      return;
    }
    if (it.entryOf() == Named.HEADERS) {
      return; // PlanSyntax.headerValueProblem says what a header value may hold
    }
    boolean approver = "approvers".equals(it.field()) && it.entryOf() == null;
    int at = PlanSyntax.firstControl(text, !approver);
    if (at >= 0) {
      problem.accept(
          it.path(),
          "has the control character "
              + PlanSyntax.describe(text.charAt(at))
              + " at character "
              + (at + 1)
              + (approver ? "; an approver's name is one line" : ""));
      return;
    }
    if (approver) {
      for (int i = 0; i < text.length(); i++) {
        if (Character.getType(text.charAt(i)) == Character.FORMAT) {
          problem.accept(
              it.path(),
              "has the invisible formatting character "
                  + PlanSyntax.describe(text.charAt(i))
                  + " at character "
                  + (i + 1)
                  + "; an approver's name is what people see");
          return;
        }
      }
    }
  }

  /** Counts bytes and stops the writer once past {@code limit}. */
  private static final class Counter extends OutputStream {
    private final long limit;
    long count;

    Counter(long limit) {
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(null, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      count += len;
      if (count > limit) {
        throw new IOException("past the limit");
      }
    }
  }
}
