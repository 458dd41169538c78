package dev.cutover.demo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough strict JSON (RFC 8259) for the demo target: a parser and a writer.
 *
 * <p>Parsed values map to Java as: object to {@code Map<String,Object>} (insertion order, last
 * duplicate key wins), array to {@code List<Object>}, string to {@link String}, number to {@link
 * BigDecimal}, {@code true}/{@code false} to {@link Boolean}, and {@code null} to {@link #NULL}.
 * Stateless; safe to use from any thread.
 */
final class Json {

  /** The JSON {@code null} literal (Java {@code null} is never returned by the parser). */
  static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** JSON text that is written as is, without quoting. The caller vouches for its validity. */
  record Raw(String text) {}

  /** Thrown when the input is not valid JSON. */
  static final class ParseException extends Exception {
    ParseException(String message, int at) {
      super(message + " at offset " + at);
    }
  }

  private static final int MAX_DEPTH = 64;

  private Json() {}

  /** Parses one complete JSON document. */
  static Object parse(String text) throws ParseException {
    Parser p = new Parser(text);
    p.skipWhitespace();
    Object value = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw new ParseException("trailing characters", p.pos);
    }
    return value;
  }

  /** Parses a document that must be a JSON object. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parseObject(String text) throws ParseException {
    Object value = parse(text);
    if (!(value instanceof Map)) {
      throw new ParseException("expected a JSON object", 0);
    }
    return (Map<String, Object>) value;
  }

  /**
   * Writes a value built from the types the parser produces (plus other Numbers and {@link Raw}).
   */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  /** Number formatting shared by JSON and the Prometheus text: integral values without ".0". */
  static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("not a finite number: " + d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null || value == NULL) {
      out.append("null");
    } else if (value instanceof Raw raw) {
      out.append(raw.text());
    } else if (value instanceof String s) {
      string(s, out);
    } else if (value instanceof Boolean b) {
      out.append(b.booleanValue());
    } else if (value instanceof BigDecimal bd) {
      out.append(bd.toString());
    } else if (value instanceof Double || value instanceof Float) {
      out.append(number(((Number) value).doubleValue()));
    } else if (value instanceof Number n) {
      out.append(n.longValue());
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(String.valueOf(e.getKey()), out);
        out.append(':');
        write(e.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(list.get(i), out);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
    }
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          return;
        }
      }
    }

    Object value(int depth) throws ParseException {
      if (depth > MAX_DEPTH) {
        throw new ParseException("nested too deeply", pos);
      }
      if (pos >= s.length()) {
        throw new ParseException("unexpected end of input", pos);
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", true);
        case 'f' -> literal("false", false);
        case 'n' -> literal("null", NULL);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw new ParseException("unexpected character '" + c + "'", pos);
        }
      };
    }

    private Object literal(String word, Object value) throws ParseException {
      if (!s.startsWith(word, pos)) {
        throw new ParseException("invalid literal", pos);
      }
      pos += word.length();
      return value;
    }

    private Map<String, Object> object(int depth) throws ParseException {
      pos++; // '{'
      Map<String, Object> map = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw new ParseException("expected a string key", pos);
        }
        String key = string();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        map.put(key, value(depth + 1));
        skipWhitespace();
        char c = peek();
        if (c == ',') {
          pos++;
        } else if (c == '}') {
          pos++;
          return map;
        } else {
          throw new ParseException("expected ',' or '}'", pos);
        }
      }
    }

    private List<Object> array(int depth) throws ParseException {
      pos++; // '['
      List<Object> list = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(list);
      }
      while (true) {
        skipWhitespace();
        list.add(value(depth + 1));
        skipWhitespace();
        char c = peek();
        if (c == ',') {
          pos++;
        } else if (c == ']') {
          pos++;
          return Collections.unmodifiableList(list);
        } else {
          throw new ParseException("expected ',' or ']'", pos);
        }
      }
    }

    private String string() throws ParseException {
      pos++; // opening quote
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw new ParseException("unterminated string", pos);
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw new ParseException("control character in string", pos - 1);
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw new ParseException("unterminated escape", pos);
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw new ParseException("truncated \\u escape", pos);
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int digit = Character.digit(s.charAt(pos + i), 16);
              if (digit < 0) {
                throw new ParseException("invalid \\u escape", pos);
              }
              code = code * 16 + digit;
            }
            pos += 4;
            sb.append((char) code);
          }
          default -> throw new ParseException("invalid escape '\\" + e + "'", pos - 1);
        }
      }
    }

    private BigDecimal number() throws ParseException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        digits();
      } else {
        throw new ParseException("invalid number", start);
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw new ParseException("invalid number: digit expected after '.'", pos);
        }
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw new ParseException("invalid number: digit expected in exponent", pos);
        }
        digits();
      }
      try {
        return new BigDecimal(s.substring(start, pos));
      } catch (NumberFormatException | ArithmeticException ex) {
        throw new ParseException("number out of range", start);
      }
    }

    private void digits() {
      while (isDigit(peek())) {
        pos++;
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void expect(char c) throws ParseException {
      if (peek() != c) {
        throw new ParseException("expected '" + c + "'", pos);
      }
      pos++;
    }
  }
}
