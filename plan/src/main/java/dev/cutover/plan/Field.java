package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A field of a section of a plan: its name and the {@link Type} of its value. Each part of the
 * reader declares its fields once, as constants, and lists them in a {@link Section}: the same
 * declaration reads the value ({@link Obj#get}) and says which fields the section may have (the
 * "unknown field ... (expected one of: ...)" problem).
 */
record Field<T>(String name, Type<T> type) {
  /** A field whose reader looks at its value itself. */
  static Field<JsonNode> any(String name) {
    return new Field<>(name, Type.ANY);
  }

  static Field<String> text(String name) {
    return new Field<>(name, Type.TEXT);
  }

  static Field<Integer> integer(String name) {
    return new Field<>(name, Type.INTEGER);
  }

  static Field<Long> longValue(String name) {
    return new Field<>(name, Type.LONG);
  }

  static Field<Double> number(String name) {
    return new Field<>(name, Type.NUMBER);
  }

  static Field<Boolean> bool(String name) {
    return new Field<>(name, Type.BOOLEAN);
  }

  static Field<Duration> duration(String name) {
    return new Field<>(name, Type.DURATION);
  }

  static Field<List<JsonNode>> list(String name) {
    return new Field<>(name, Type.LIST);
  }

  static Field<Map<String, JsonNode>> map(String name) {
    return new Field<>(name, Type.MAP);
  }

  static <E extends Enum<E>> Field<E> oneOf(String name, Class<E> type) {
    return new Field<>(name, Type.oneOf(type));
  }

  /** An object with the fields of {@code section}. */
  static Field<Obj> object(String name, Section section) {
    return new Field<>(name, Type.object(section));
  }

  /** An object whose fields depend on what it holds: its reader says which ({@link Obj#allow}). */
  static Field<Obj> object(String name) {
    return new Field<>(name, Type.object(null));
  }
}
