package dev.cutover.engine;

import dev.cutover.plan.Check;
import java.util.List;
import java.util.Map;

/**
 * Judges a compare check: is the new path's failure rate worse than the baseline's by more than the
 * margin? One-sided two-proportion z-test with unpooled variance (the null hypothesis is "worse by
 * at most the margin", which is not "equal", so the rates are not pooled): {@code z = (p_new -
 * p_base - margin) / sqrt(p_new(1-p_new)/n_new + p_base(1-p_base)/n_base)}; FAIL when {@code z}
 * exceeds the normal quantile of {@code confidence}. Too few samples on either side is NO_DATA,
 * never PASS.
 */
public final class ProportionTest {
  public static final String NEW_FAILURES = "newFailures";
  public static final String NEW_TOTAL = "newTotal";
  public static final String BASE_FAILURES = "baseFailures";
  public static final String BASE_TOTAL = "baseTotal";
  public static final List<String> COUNTS =
      List.of(NEW_FAILURES, NEW_TOTAL, BASE_FAILURES, BASE_TOTAL);

  private ProportionTest() {}

  public static Measurement judge(Check.Compare spec, Reading r, long at) {
    Measurement invalid = invalid(r, at);
    if (invalid != null) {
      return invalid;
    }
    Map<String, Double> c = r.counts();
    double nf = c.get(NEW_FAILURES);
    double nt = c.get(NEW_TOTAL);
    double bf = c.get(BASE_FAILURES);
    double bt = c.get(BASE_TOTAL);
    if (nt < spec.minSamples() || bt < spec.minSamples()) {
      return new Measurement(
          at,
          Outcome.NO_DATA,
          null,
          Judge.format(nt)
              + " new and "
              + Judge.format(bt)
              + " baseline samples, fewer than minSamples "
              + spec.minSamples());
    }
    double pn = nf / nt;
    double pb = bf / bt;
    double diff = pn - pb;
    double se = Math.sqrt(pn * (1 - pn) / nt + pb * (1 - pb) / bt);
    boolean worse;
    String z;
    if (se == 0) {
      worse = diff > spec.margin();
      z = "no variance";
    } else {
      double zv = (diff - spec.margin()) / se;
      worse = zv > normalQuantile(spec.confidence());
      z = String.format(java.util.Locale.ROOT, "z=%.2f", zv);
    }
    String text =
        "new "
            + percent(pn)
            + " vs baseline "
            + percent(pb)
            + " ("
            + (diff >= 0 ? "+" : "")
            + points(diff)
            + "): "
            + (worse ? "worse" : "not worse")
            + " by more than "
            + points(spec.margin())
            + " at "
            + percent(spec.confidence())
            + " confidence ("
            + z
            + ")";
    return new Measurement(at, worse ? Outcome.FAIL : Outcome.PASS, diff, text);
  }

  /**
   * The measurement for a reading that cannot be judged (not a value, a count missing or not a
   * count, more failures than requests); null when the four counts are fit to judge.
   */
  static Measurement invalid(Reading r, long at) {
    if (r.kind() != Reading.Kind.VALUE) {
      return Judge.judge(r, null, at);
    }
    Map<String, Double> c = r.counts();
    for (String k : COUNTS) {
      Double v = c.get(k);
      if (v == null || v.isNaN()) {
        return new Measurement(at, Outcome.NO_DATA, null, "no value for " + k);
      }
      if (v < 0 || v.isInfinite()) {
        return new Measurement(
            at, Outcome.ERROR, null, k + " is " + Judge.format(v) + ", not a count");
      }
    }
    double nf = c.get(NEW_FAILURES);
    double nt = c.get(NEW_TOTAL);
    double bf = c.get(BASE_FAILURES);
    double bt = c.get(BASE_TOTAL);
    if (nf > nt || bf > bt) {
      return new Measurement(
          at,
          Outcome.ERROR,
          null,
          "more failures than requests (new "
              + Judge.format(nf)
              + "/"
              + Judge.format(nt)
              + ", baseline "
              + Judge.format(bf)
              + "/"
              + Judge.format(bt)
              + ")");
    }
    return null;
  }

  static String percent(double p) {
    return Judge.format(Math.round(p * 100 * 1e4) / 1e4) + "%";
  }

  static String points(double d) {
    String n = Judge.format(Math.round(d * 100 * 1e4) / 1e4);
    return n + (n.equals("1") || n.equals("-1") ? " point" : " points");
  }

  /**
   * The standard normal quantile (inverse CDF), by Acklam's rational approximation (relative error
   * below 1.2e-9), which is far finer than any gate needs.
   */
  static double normalQuantile(double p) {
    if (p <= 0 || p >= 1) {
      throw new IllegalArgumentException("p must be in (0, 1): " + p);
    }
    double[] a = {
      -3.969683028665376e+01,
      2.209460984245205e+02,
      -2.759285104469687e+02,
      1.383577518672690e+02,
      -3.066479806614716e+01,
      2.506628277459239e+00
    };
    double[] b = {
      -5.447609879822406e+01,
      1.615858368580409e+02,
      -1.556989798598866e+02,
      6.680131188771972e+01,
      -1.328068155288572e+01
    };
    double[] c = {
      -7.784894002430293e-03,
      -3.223964580411365e-01,
      -2.400758277161838e+00,
      -2.549732539343734e+00,
      4.374664141464968e+00,
      2.938163982698783e+00
    };
    double[] d = {
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
    };
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
      return -normalQuantile(1 - p);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}
