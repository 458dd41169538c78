package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the value of a {@link Field} must be and what it becomes: {@link Obj#get}, the one typed
 * getter of the reader, reads every field through one of these. A type that finds a value wrong
 * reports it at the field's path and reads it as null (or {@link #absent()}), so that reading goes
 * on and every problem of a plan is found at once.
 */
@FunctionalInterface
interface Type<T> {
  /**
   * The value {@code n} (present, not null) of field {@code key} of {@code o}; null once what is
   * wrong is reported.
   */
  T read(Obj o, String key, JsonNode n);

  /** What a field reads as when it is absent, null or wrong. */
  default T absent() {
    return null;
  }

  /** A field named {@code name} holding a value of this type. */
  default Field<T> field(String name) {
    return new Field<>(name, this);
  }

  /**
   * One more rule on a value of this type: {@code step} gives the value it becomes, or null once it
   * said why not.
   */
  default <U> Type<U> then(Step<? super T, U> step) {
    return (o, key, n) -> {
      T value = read(o, key, n);
      return value == null ? null : step.apply(o, key, value);
    };
  }

  /** A rule on a value already read. */
  @FunctionalInterface
  interface Step<T, U> {
    U apply(Obj o, String key, T value);
  }

  /**
   * A kind of JSON value: anything {@code accepts} refuses is "expected {@code expected}, found
   * ...".
   */
  static <T> Type<T> json(
      String expected, Predicate<JsonNode> accepts, Function<JsonNode, T> value) {
    return (o, key, n) -> {
      if (!accepts.test(n)) {
        o.problem(key, "expected " + expected + ", found " + Obj.describe(n));
        return null;
      }
      return value.apply(n);
    };
  }

  /** {@code type}, read as {@code absent} when the field is absent, null or wrong. */
  static <T> Type<T> orElse(Type<T> type, Supplier<T> absent) {
    return new Type<>() {
      @Override
      public T read(Obj o, String key, JsonNode n) {
        return type.read(o, key, n);
      }

      @Override
      public T absent() {
        return absent.get();
      }
    };
  }

  /** Any value: its reader looks at it. */
  Type<JsonNode> ANY = (o, key, n) -> n;

  /** Text: any value but an object or a list (a number or true/false reads as its text). */
  Type<String> TEXT = json("text", JsonNode::isValueNode, JsonNode::asText);

  /** A number that is finite. */
  Type<Double> NUMBER =
      json(
          "a number", n -> n.isNumber() && Double.isFinite(n.doubleValue()), JsonNode::doubleValue);

  Type<Boolean> BOOLEAN = json("true or false", JsonNode::isBoolean, JsonNode::booleanValue);

  /** A whole number that fits an int, within its field's limit when hardened. */
  Type<Integer> INTEGER =
      json("a whole number", n -> n.isIntegralNumber() && n.canConvertToInt(), JsonNode::intValue)
          .then(Type::withinLimits);

  /** A whole number that fits a long, within its field's limit when hardened. */
  Type<Long> LONG =
      json("a whole number", n -> n.isIntegralNumber() && n.canConvertToLong(), JsonNode::longValue)
          .then(Type::withinLimits);

  /** A list (absent: empty), its elements unread. */
  Type<List<JsonNode>> LIST =
      orElse(
          json(
              "a list",
              JsonNode::isArray,
              n -> {
                List<JsonNode> out = new ArrayList<>();
                n.forEach(out::add);
                return out;
              }),
          ArrayList::new);

  /** An object whose keys the plan's author chooses (absent: empty), its values unread. */
  Type<Map<String, JsonNode>> MAP =
      orElse(
          json(
              "an object (name: value pairs)",
              JsonNode::isObject,
              n -> {
                Map<String, JsonNode> out = new LinkedHashMap<>();
                n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
                return out;
              }),
          LinkedHashMap::new);

  /**
   * A duration ({@link Durations}). One no timer can run is out of bounds by every rule set; when
   * hardened, one longer than its field's cap ({@link PlanLimits#durationCap}) is too.
   */
  Type<Duration> DURATION =
      (o, key, n) -> {
        String t = n.isValueNode() ? n.asText() : null;
        Optional<Duration> d = Durations.parse(t);
        if (d.isEmpty() && Durations.isTooLong(t)) {
          // Under every rule set: no timer can run it, and arithmetic on it overflows.
          o.limitProblem(
              key,
              "\""
                  + t
                  + "\" is longer than any cutover can wait (at most "
                  + Durations.format(Durations.MAX)
                  + ", 10,000 years)");
          return null;
        }
        if (d.isEmpty()) {
          o.problem(
              key,
              (t == null ? Obj.describe(n) : "\"" + t + "\"")
                  + " is not a duration; write e.g. 90s, 30m, 24h, 7d or 1h30m");
          return null;
        }
        Duration cap = o.hardened() ? PlanLimits.durationCap(o.path(key)) : null;
        if (cap != null && d.get().compareTo(cap) > 0) {
          o.limitProblem(
              key,
              Durations.format(d.get())
                  + " is longer than "
                  + Durations.format(cap)
                  + ", the longest "
                  + key
                  + " a plan may ask for");
          return null;
        }
        return d.get();
      };

  /** A pass condition ({@link Comparison}); when hardened its numbers are finite. */
  Type<Comparison> COMPARISON =
      (o, key, n) -> {
        if (!n.isTextual()) {
          o.problem(
              key,
              "a pass condition is text such as \">= 95\", \"== 0\" or \"between 1 and 5\" (quote it in YAML)");
          return null;
        }
        Optional<Comparison> c = Comparison.parse(n.asText());
        if (c.isEmpty()) {
          o.problem(
              key,
              "\""
                  + n.asText()
                  + "\" is not a comparison; use <, <=, >, >=, ==, != or \"between A and B\" with numbers");
          return null;
        }
        if (c.get().usesBaseline()) {
          Comparison.Relative rel = c.get().relative();
          if (!Double.isFinite(rel.factor()) || !Double.isFinite(rel.offset())) {
            o.problem(key, "\"" + n.asText() + "\" has a number that is not finite");
            return null;
          }
          return c.get();
        }
        if (o.hardened()
            && (!Double.isFinite(c.get().bound())
                || (c.get().op() == Comparison.Op.BETWEEN && !Double.isFinite(c.get().upper())))) {
          o.problem(
              key,
              "\""
                  + n.asText()
                  + "\" compares with a number too large to be one (at most about 1.8e308)");
          return null;
        }
        return c.get();
      };

  /**
   * A time window ({@link Window}); a wrong one is reported and reads as what {@link Window#parse}
   * made of it.
   */
  Type<Window> WINDOW =
      TEXT.then(
          (o, key, text) -> {
            Window.Result r = Window.parse(text);
            if (r.error() != null) {
              o.problem(key, r.error());
            }
            return r.window();
          });

  /** One of an enum's constants, written in any case; the problem lists them in lower case. */
  static <E extends Enum<E>> Type<E> oneOf(Class<E> type) {
    return TEXT.then(
        (o, key, t) -> {
          for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(t)) {
              return e;
            }
          }
          List<String> names = new ArrayList<>();
          for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
          }
          o.problem(key, "\"" + t + "\" is not one of: " + String.join(", ", names));
          return null;
        });
  }

  /** An object with the fields of {@code section}. */
  static Type<Obj> object(Section section) {
    return (o, key, n) -> o.child(key, n, section);
  }

  /** An object whose fields depend on what it holds: its reader says which ({@link Obj#allow}). */
  Type<Obj> OBJECT = object(null);

  private static <N extends Number> N withinLimits(Obj o, String key, N n) {
    String problem =
        o.hardened() ? PlanLimits.wholeNumberProblem(o.path(key), n.longValue()) : null;
    if (problem != null) {
      o.limitProblem(key, problem);
      return null;
    }
    return n;
  }
}
