package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pass condition on a number: {@code < <= > >= == !=} a bound, or {@code between A and B} (both
 * ends inclusive). Boundaries are exact: {@code >= 95} passes at 95.0.
 *
 * <p>A relative condition compares with a multiple of the check's stage baseline (the value
 * captured before the stage changed anything): {@code <= 1.5 * baseline}, {@code >= baseline -
 * 0.05}, {@code <= 2 * baseline + 10}. It has no bound of its own ({@code bound} and {@code upper}
 * are NaN) until {@link #against} gives it the baseline.
 *
 * @param relative the factor and offset of a relative condition; null for a plain one
 */
public record Comparison(
    Op op,
    double bound,
    double upper,
    @JsonInclude(JsonInclude.Include.NON_NULL) Relative relative) {
  public enum Op {
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    EQ("=="),
    NE("!="),
    BETWEEN("between");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }
  }

  private static final String NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  private static final Pattern SIMPLE =
      Pattern.compile("^\\s*(<=|>=|==|!=|<|>)\\s*" + NUMBER + "\\s*$");
  private static final Pattern BETWEEN =
      Pattern.compile("^\\s*between\\s+" + NUMBER + "\\s+and\\s+" + NUMBER + "\\s*$");
  private static final Pattern RELATIVE =
      Pattern.compile(
          "^\\s*(<=|>=|==|!=|<|>)\\s*(?:"
              + NUMBER
              + "\\s*\\*\\s*)?baseline\\s*(?:([-+])\\s*"
              + NUMBER
              + ")?\\s*$");

  /** {@code factor * baseline + offset}: the bound of a relative condition. */
  public record Relative(double factor, double offset) {}

  public Comparison {
    Objects.requireNonNull(op, "op");
  }

  /** A plain condition. */
  public Comparison(Op op, double bound, double upper) {
    this(op, bound, upper, null);
  }

  /** Whether this condition compares with the stage's baseline. */
  public boolean usesBaseline() {
    return relative != null;
  }

  /** The plain condition this one is against {@code baseline}; a plain one is itself. */
  public Comparison against(double baseline) {
    if (relative == null) {
      return this;
    }
    return new Comparison(op, relative.factor() * baseline + relative.offset(), Double.NaN);
  }

  /** The comparison, or empty when the text is not one of the accepted forms. */
  public static Optional<Comparison> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher r = RELATIVE.matcher(text);
    if (r.matches()) {
      double factor = r.group(2) == null ? 1 : Double.parseDouble(r.group(2));
      double offset = r.group(4) == null ? 0 : Double.parseDouble(r.group(4));
      return Optional.of(
          new Comparison(
              op(r.group(1)),
              Double.NaN,
              Double.NaN,
              new Relative(factor, "-".equals(r.group(3)) ? -offset : offset)));
    }
    Matcher m = SIMPLE.matcher(text);
    if (m.matches()) {
      return Optional.of(
          new Comparison(op(m.group(1)), Double.parseDouble(m.group(2)), Double.NaN));
    }
    m = BETWEEN.matcher(text);
    if (m.matches()) {
      double a = Double.parseDouble(m.group(1));
      double b = Double.parseDouble(m.group(2));
      if (a > b) {
        return Optional.empty();
      }
      return Optional.of(new Comparison(Op.BETWEEN, a, b));
    }
    return Optional.empty();
  }

  private static Op op(String symbol) {
    return switch (symbol) {
      case "<" -> Op.LT;
      case "<=" -> Op.LE;
      case ">" -> Op.GT;
      case ">=" -> Op.GE;
      case "==" -> Op.EQ;
      default -> Op.NE;
    };
  }

  /**
   * Whether {@code value} passes. NaN never passes, nor does any value a relative condition judges
   * without its baseline ({@link #against}).
   */
  public boolean test(double value) {
    if (Double.isNaN(value) || relative != null) {
      return false;
    }
    return switch (op) {
      case LT -> value < bound;
      case LE -> value <= bound;
      case GT -> value > bound;
      case GE -> value >= bound;
      case EQ -> value == bound;
      case NE -> value != bound;
      case BETWEEN -> value >= bound && value <= upper;
    };
  }

  @Override
  public String toString() {
    if (relative != null) {
      String factor = relative.factor() == 1 ? "" : plain(relative.factor()) + " * ";
      String offset =
          relative.offset() == 0
              ? ""
              : (relative.offset() < 0 ? " - " : " + ") + plain(Math.abs(relative.offset()));
      return op.symbol + " " + factor + "baseline" + offset;
    }
    if (op == Op.BETWEEN) {
      return "between " + plain(bound) + " and " + plain(upper);
    }
    return op.symbol + " " + plain(bound);
  }

  static String plain(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
