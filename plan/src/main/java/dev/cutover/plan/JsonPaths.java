package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.JsonPathException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON paths as plans write them, evaluated by Jayway JsonPath ({@code com.jayway.jsonpath}):
 * {@code $.status}, {@code $.items[0].name}, {@code $['build.version']}, and also wildcards, deep
 * scans, filters and functions: {@code $.data[?(@.author_id != 'u1')]}, {@code $.items.length()}. A
 * definite path names one value; an indefinite one (a wildcard, a deep scan or a filter) yields the
 * list of what it matched, possibly empty. A path of names and indexes only ({@code $}, then {@code
 * .name}, {@code ['name']} or {@code [index]} steps: the form plans wrote before filters) is read
 * by the same few lines as it always was, so a running cutover reads what it read.
 *
 * <p>Bounded, so that a plan's path cannot keep a worker busy on a large response (a response is
 * read up to 1 MiB): at most {@value #MAX_LENGTH} characters, at most one deep scan ({@code ..}),
 * no filter inside a filter and no deep scan inside one, and no regular expressions ({@code =~}).
 * Each of those is linear in the document at most.
 */
public final class JsonPaths {
  private static final String NOT_A_PATH =
      "is not a JSON path such as $.status or $.items[0].value";

  /** The longest path a plan may give. */
  public static final int MAX_LENGTH = 256;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Configuration CONF =
      Configuration.builder()
          .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER))
          .mappingProvider(new JacksonMappingProvider(MAPPER))
          .build();

  private JsonPaths() {}

  public static boolean isValid(String path) {
    return problem(path) == null;
  }

  /**
   * Why {@code path} is not a path a plan may use (not one, or beyond the bounds), or null when it
   * is.
   */
  public static String problem(String path) {
    if (path == null || !path.startsWith("$")) {
      return NOT_A_PATH;
    }
    if (steps(path) != null) {
      return null;
    }
    if (path.length() > MAX_LENGTH) {
      return "is longer than " + MAX_LENGTH + " characters";
    }
    String bound = boundProblem(path);
    if (bound != null) {
      return bound;
    }
    try {
      JsonPath.compile(path);
      return null;
    } catch (InvalidPathException | IllegalArgumentException e) {
      return NOT_A_PATH;
    }
  }

  /**
   * The node at {@code path} in {@code root}; for an indefinite path, an array of the matches; a
   * missing node when absent, or when the path is not one a plan may use.
   */
  public static JsonNode read(JsonNode root, String path) {
    if (root == null) {
      return MissingNode.getInstance();
    }
    List<Object> simple = steps(path);
    if (simple != null) {
      // The names and indexes plans always wrote: read exactly as they always were.
      JsonNode n = root;
      for (Object step : simple) {
        n = step instanceof Integer i ? n.path(i) : n.path((String) step);
        if (n.isMissingNode()) {
          return n;
        }
      }
      return n;
    }
    if (!isValid(path)) {
      return MissingNode.getInstance();
    }
    try {
      Object found = JsonPath.using(CONF).parse(root).read(JsonPath.compile(path));
      if (found == null) {
        return NullNode.getInstance();
      }
      return found instanceof JsonNode n ? n : MAPPER.valueToTree(found);
    } catch (JsonPathException | IllegalArgumentException | ClassCastException e) {
      // Not there (PathNotFoundException), or a function that does not apply to what is there.
      return MissingNode.getInstance();
    }
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

  /** The bounds a path is held to, outside its quoted names and literals. */
  private static String boundProblem(String path) {
    int deepScans = 0;
    int filterDepth = 0;
    int brackets = 0;
    char quote = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '[') {
        brackets++;
      } else if (c == ']' && --brackets < 0) {
        return NOT_A_PATH;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (path.startsWith("..", i)) {
        if (filterDepth > 0) {
          return "has a deep scan (..) inside a filter; it could take too long on a large response";
        }
        deepScans++;
        i++;
      } else if (path.startsWith("[?(", i)) {
        if (filterDepth > 0) {
          return "has a filter inside a filter; it could take too long on a large response";
        }
        filterDepth++;
        i += 2;
      } else if (c == ']' && filterDepth > 0 && i > 0 && path.charAt(i - 1) == ')') {
        filterDepth--;
      } else if (path.startsWith("=~", i)) {
        return "uses a regular expression (=~); compare with ==, !=, in or contains instead";
      }
    }
    if (quote != 0 || brackets != 0) {
      return NOT_A_PATH;
    }
    if (deepScans > 1) {
      return "has more than one deep scan (..); it could take too long on a large response";
    }
    return null;
  }

  /** The steps of a path of names and indexes only; null when it is not one. */
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
