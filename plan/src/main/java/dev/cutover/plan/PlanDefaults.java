package dev.cutover.plan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The plan's {@code defaults}: {@code alpha}, the plan's false-alarm rate for its sequential
 * compare checks. It is a budget for the whole plan, not a per-check default: any compare check
 * that fails rolls the cutover back, so the chances of a false rollback add up across checks. The
 * {@code m} sequential compare checks that give no alpha of their own share it equally, each judged
 * at {@code alpha / m}, so that the chance that any of them ever fails a new path that is no worse
 * is at most {@code alpha} (Bonferroni; it costs each check little: the interval widens with {@code
 * sqrt(ln(m / alpha))}). A check's own {@code alpha} is kept as it is, outside the budget. Without
 * {@code defaults.alpha} every check keeps its own or the default 0.05, as before.
 */
final class PlanDefaults {
  static final Field<Double> ALPHA = Type.NUMBER.field("alpha");
  static final Field<Obj> DEFAULTS = Field.object("defaults", Section.of(ALPHA));

  private PlanDefaults() {}

  /**
   * The checks with the plan's alpha shared among the sequential compare checks not in {@code
   * withAlpha}; {@code checks} itself when the plan has no {@code defaults}.
   */
  static Map<String, Check> apply(Obj plan, Map<String, Check> checks, Set<String> withAlpha) {
    if (!plan.has(DEFAULTS)) {
      return checks;
    }
    if (!plan.reading().statistics) {
      plan.problem(
          DEFAULTS,
          "defaults is read only by the newest rules (a new cutover, cutover lint); this plan is"
              + " read by the rules of a cutover started before it existed");
      return checks;
    }
    Obj d = plan.get(DEFAULTS);
    if (!d.valid()) {
      return checks;
    }
    Double alpha = d.get(ALPHA);
    if (alpha != null && !(alpha >= 0.001 && alpha <= 0.2)) {
      d.problem(ALPHA, "alpha is a false-alarm rate between 0.001 and 0.2, e.g. 0.05");
      alpha = null;
    }
    d.done();
    if (alpha == null) {
      return checks;
    }
    long sharing = checks.values().stream().filter(c -> shares(c, withAlpha)).count();
    Map<String, Check> out = new LinkedHashMap<>();
    for (Map.Entry<String, Check> e : checks.entrySet()) {
      Check c = e.getValue();
      if (shares(c, withAlpha)) {
        Check.Compare cmp = (Check.Compare) c.source();
        c =
            new Check(
                c.name(),
                cmp.withAlpha(alpha / sharing),
                c.pass(),
                c.minSamples(),
                c.timeout(),
                c.baseline());
      }
      out.put(e.getKey(), c);
    }
    return out;
  }

  private static boolean shares(Check c, Set<String> withAlpha) {
    return c.source() instanceof Check.Compare cmp
        && cmp.method() == Check.Compare.Method.SEQUENTIAL
        && !withAlpha.contains(c.name());
  }
}
