package dev.cutover.engine;

import dev.cutover.plan.Comparison;
import java.math.BigDecimal;
import java.math.MathContext;

/** Turns a source's reading into a measurement, shared by every kind of source. */
public final class Judge {
  private Judge() {}

  /**
   * ERROR and NO_DATA pass through; unmet HTTP expectations FAIL; a value is judged by {@code pass}
   * (absent: the expectations alone decide). A missing or non-finite value is NO_DATA.
   */
  public static Measurement judge(Reading r, Comparison pass, long at) {
    switch (r.kind()) {
      case ERROR:
        return new Measurement(at, Outcome.ERROR, null, r.reason());
      case NO_DATA:
        return new Measurement(at, Outcome.NO_DATA, null, r.reason());
      default:
        break;
    }
    if (!r.unmet().isEmpty()) {
      return new Measurement(at, Outcome.FAIL, r.value(), String.join("; ", r.unmet()));
    }
    if (pass == null) {
      return new Measurement(
          at, Outcome.PASS, r.value(), r.reason().isEmpty() ? "expectations met" : r.reason());
    }
    Double v = r.value();
    if (v == null || v.isNaN() || v.isInfinite()) {
      return new Measurement(
          at,
          Outcome.NO_DATA,
          null,
          (r.reason().isEmpty() ? "" : r.reason() + "; ") + "no numeric value");
    }
    boolean ok = pass.test(v);
    return new Measurement(
        at, ok ? Outcome.PASS : Outcome.FAIL, v, format(v) + (ok ? " meets " : " fails ") + pass);
  }

  /** A number as people read it: no trailing zeros, at most 6 significant digits. */
  public static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }
}
