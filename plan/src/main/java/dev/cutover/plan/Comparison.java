package dev.cutover.plan;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pass condition on a number: {@code < <= > >= == !=} a bound, or {@code between A and B} (both
 * ends inclusive). Boundaries are exact: {@code >= 95} passes at 95.0.
 */
public record Comparison(Op op, double bound, double upper) {
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

  public Comparison {
    Objects.requireNonNull(op, "op");
  }

  /** The comparison, or empty when the text is not one of the accepted forms. */
  public static Optional<Comparison> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = SIMPLE.matcher(text);
    if (m.matches()) {
      Op op =
          switch (m.group(1)) {
            case "<" -> Op.LT;
            case "<=" -> Op.LE;
            case ">" -> Op.GT;
            case ">=" -> Op.GE;
            case "==" -> Op.EQ;
            default -> Op.NE;
          };
      return Optional.of(new Comparison(op, Double.parseDouble(m.group(2)), Double.NaN));
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

  /** Whether {@code value} passes. NaN never passes. */
  public boolean test(double value) {
    if (Double.isNaN(value)) {
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
