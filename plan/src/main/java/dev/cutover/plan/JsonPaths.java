package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The small JSON path subset plans use: {@code $}, then {@code .name}, {@code ['name']} or {@code
 * [index]} steps. No wildcards or filters: a gate reads one value.
 */
public final class JsonPaths {
  private JsonPaths() {}

  public static boolean isValid(String path) {
    return steps(path) != null;
  }

  /**
   * The node at {@code path} in {@code root}; a missing node when absent or the path is invalid.
   */
  public static JsonNode read(JsonNode root, String path) {
    List<Object> steps = steps(path);
    if (steps == null || root == null) {
      return MissingNode.getInstance();
    }
    JsonNode n = root;
    for (Object step : steps) {
      n = step instanceof Integer i ? n.path(i) : n.path((String) step);
      if (n.isMissingNode()) {
        return n;
      }
    }
    return n;
  }

  /** Whether {@code actual} equals {@code expected} as JSON values (numbers by value: 1 == 1.0). */
  public static boolean sameValue(JsonNode actual, JsonNode expected) {
    if (actual == null || actual.isMissingNode()) {
      return false;
    }
    if (actual.isNumber() && expected.isNumber()) {
      return actual.decimalValue().compareTo(expected.decimalValue()) == 0;
    }
    return actual.equals(expected);
  }

  private static List<Object> steps(String path) {
    if (path == null || !path.startsWith("$")) {
      return null;
    }
    List<Object> out = new ArrayList<>();
    int i = 1;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '.') {
        int j = i + 1;
        while (j < path.length() && path.charAt(j) != '.' && path.charAt(j) != '[') {
          j++;
        }
        String name = path.substring(i + 1, j);
        if (name.isEmpty() || !name.matches("[A-Za-z0-9_-]+")) {
          return null;
        }
        out.add(name);
        i = j;
      } else if (c == '[') {
        int close = path.indexOf(']', i);
        if (close < 0) {
          return null;
        }
        String inside = path.substring(i + 1, close);
        if (inside.matches("\\d+")) {
          // An index past what a list can hold is no path (and would not fit an int).
          if (inside.length() > 10 || Long.parseLong(inside) > Integer.MAX_VALUE) {
            return null;
          }
          out.add(Integer.parseInt(inside));
        } else if (inside.length() >= 2
            && ((inside.startsWith("'") && inside.endsWith("'"))
                || (inside.startsWith("\"") && inside.endsWith("\"")))) {
          out.add(inside.substring(1, inside.length() - 1));
        } else {
          return null;
        }
        i = close + 1;
      } else {
        return null;
      }
    }
    return out;
  }
}
