package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * An object of a plan being read: its fields read through {@link #get}, which reports a value of
 * the wrong type at its path, and {@link #done}, which reports the fields its {@link Section} does
 * not have.
 */
final class Obj {
  private final Reading reading;
  private final JsonNode node;
  private final String path;
  private Section section;
  private final boolean valid;

  /**
   * The object at {@code path}; {@code section} null until its reader knows which fields it may
   * have.
   */
  Obj(Reading reading, JsonNode node, String path, Section section) {
    this.reading = reading;
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.section = section;
    this.valid = this.node.isObject();
    if (!valid) {
      reading.problem(path, "expected an object (key: value pairs), found " + describe(this.node));
    }
  }

  Obj(Reading reading, JsonNode node, String path) {
    this(reading, node, path, null);
  }

  /** The object that is the value {@code n} of field {@code key}. */
  Obj child(String key, JsonNode n, Section childSection) {
    return new Obj(reading, n, path(key), childSection);
  }

  boolean valid() {
    return valid;
  }

  /** The fields this object may have, now that its reader knows what it holds. */
  void allow(Section fields) {
    section = fields;
  }

  Reading reading() {
    return reading;
  }

  boolean hardened() {
    return reading.hardened;
  }

  String path() {
    return path;
  }

  String path(String key) {
    if (key.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? key : path + "." + key;
  }

  String path(Field<?> field) {
    return path(field.name());
  }

  /** The path of element {@code i} of list field {@code field}. */
  String path(Field<?> field, int i) {
    return path(field) + "[" + i + "]";
  }

  boolean has(Field<?> field) {
    return valid && node.has(field.name()) && !node.get(field.name()).isNull();
  }

  JsonNode raw(Field<?> field) {
    return has(field) ? node.get(field.name()) : null;
  }

  /**
   * The value of {@code field}, read by its type: null (or the type's {@link Type#absent}) when the
   * field is absent, null, or wrong (then the problem is reported).
   */
  <T> T get(Field<T> field) {
    JsonNode n = raw(field);
    T value = n == null ? null : field.type().read(this, field.name(), n);
    return value == null ? field.type().absent() : value;
  }

  /**
   * Each element of list {@code field} read by {@code read} (given it and its path), but those read
   * as null.
   */
  <T> List<T> each(Field<List<JsonNode>> field, BiFunction<JsonNode, String, T> read) {
    List<T> out = new ArrayList<>();
    List<JsonNode> nodes = get(field);
    for (int i = 0; i < nodes.size(); i++) {
      T t = read.apply(nodes.get(i), path(field, i));
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Each entry of map {@code field} read by {@code read} (given its name and value), but those read
   * as null.
   */
  <T> Map<String, T> entries(
      Field<Map<String, JsonNode>> field, BiFunction<String, JsonNode, T> read) {
    Map<String, T> out = new LinkedHashMap<>();
    get(field)
        .forEach(
            (k, v) -> {
              T t = read.apply(k, v);
              if (t != null) {
                out.put(k, t);
              }
            });
    return out;
  }

  void require(Field<?> field) {
    reading.problem(path(field), "required");
  }

  /** A problem with field {@code key} (the object itself: ""). */
  void problem(String key, String message) {
    reading.problem(path(key), message);
  }

  void problem(Field<?> field, String message) {
    problem(field.name(), message);
  }

  /** A value of field {@code key} out of bounds: nothing more is said about it. */
  void limitProblem(String key, String message) {
    reading.limitProblem(path(key), message);
  }

  /** Reports fields outside the section. */
  void done() {
    if (!valid || section == null) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!section.contains(k)) {
        reading.problem(
            path(k),
            "unknown field \""
                + k
                + "\""
                + suggestion(k)
                + " (expected one of: "
                + String.join(", ", section.names())
                + ")");
      }
    }
  }

  private String suggestion(String k) {
    String best = null;
    int bestDistance = 3;
    for (String a : section.names()) {
      int d = editDistance(k.toLowerCase(Locale.ROOT), a.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = a;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean \"" + best + "\"?";
  }

  /**
   * The one of {@code fields} this object has; any other number of them is a problem (and null).
   */
  Field<?> exactlyOne(String what, Field<?>... fields) {
    List<Field<?>> present = new ArrayList<>();
    for (Field<?> f : fields) {
      if (has(f)) {
        present.add(f);
      }
    }
    if (present.size() == 1) {
      return present.get(0);
    }
    List<String> names = new ArrayList<>();
    for (Field<?> f : fields) {
      names.add(f.name());
    }
    if (present.isEmpty()) {
      reading.problem(path, what + " needs exactly one of: " + String.join(", ", names));
    } else {
      reading.problem(
          path,
          what
              + " has exactly one of "
              + String.join(", ", names)
              + "; found "
              + String.join(" and ", present.stream().map(Field::name).toList()));
    }
    return null;
  }

  static String describe(JsonNode n) {
    if (n.isMissingNode()) {
      return "nothing";
    }
    if (n.isObject()) {
      return "an object";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isNull()) {
      return "null";
    }
    if (n.isTextual()) {
      return "\"" + n.asText() + "\"";
    }
    return n.toString();
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
