package dev.cutover.simulate;

import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulated world's sources: what each check reads at a moment. A check with scripted values
 * reads the latest one at or before that moment; before its first value, and for a check nothing is
 * scripted for, it reads a value that passes every condition it is judged by (its own {@code pass}
 * and every rule's override), so that with no script every check passes.
 */
final class Readings {
  private final Plan plan;
  private final Map<String, Reading> passing = new HashMap<>();
  private final Map<String, Series> series = new HashMap<>();

  /** One check's scripted values, sorted by time; a later line at the same time wins. */
  private static final class Series {
    private final long[] times;
    private final Reading[] readings;

    Series(long[] times, Reading[] readings) {
      this.times = times;
      this.readings = readings;
    }

    Reading at(long now) {
      int i = Arrays.binarySearch(times, now);
      if (i < 0) {
        i = -i - 2; // the latest point before now
      } else {
        while (i + 1 < times.length && times[i + 1] == now) {
          i++;
        }
      }
      return i < 0 ? null : readings[i];
    }
  }

  Readings(Plan plan, List<Script.Point> points, long startMillis) {
    this.plan = plan;
    for (String check : plan.checks().keySet()) {
      passing.put(check, reading(check, Script.Value.PASSING));
    }
    Map<String, List<Script.Point>> byCheck = new HashMap<>();
    for (Script.Point p : points) {
      byCheck.computeIfAbsent(p.check(), k -> new ArrayList<>()).add(p);
    }
    byCheck.forEach(
        (check, list) -> {
          List<Script.Point> sorted = new ArrayList<>(list);
          // A stable sort: points at the same time keep the order they were written in.
          sorted.sort(
              (a, b) -> Long.compare(a.at().resolve(startMillis), b.at().resolve(startMillis)));
          long[] times = new long[sorted.size()];
          Reading[] readings = new Reading[sorted.size()];
          for (int i = 0; i < sorted.size(); i++) {
            times[i] = sorted.get(i).at().resolve(startMillis);
            readings[i] = reading(check, sorted.get(i).value());
          }
          series.put(check, new Series(times, readings));
        });
  }

  /** What {@code check} reads at {@code now}. */
  Reading at(String check, long now) {
    Series s = series.get(check);
    Reading r = s == null ? null : s.at(now);
    if (r != null) {
      return r;
    }
    Reading p = passing.get(check);
    return p != null ? p : Reading.error(check, "simulated: no such check");
  }

  /** The reading a scripted value stands for, for {@code check}. */
  Reading reading(String check, Script.Value v) {
    Check c = plan.checks().get(check);
    switch (v.kind()) {
      case NO_DATA:
        return Reading.noData(check, "simulated: no data");
      case ERROR:
        return Reading.error(check, "simulated: source error");
      default:
        break;
    }
    boolean pass = v.kind() != Script.Value.Kind.FAIL;
    if (c.source() instanceof Check.Compare cmp) {
      double total = Math.max(1000, cmp.minSamples());
      return Reading.counts(
          check,
          Map.of(
              ProportionTest.NEW_FAILURES,
              pass ? 0.0 : total,
              ProportionTest.NEW_TOTAL,
              total,
              ProportionTest.BASE_FAILURES,
              0.0,
              ProportionTest.BASE_TOTAL,
              total),
          "simulated");
    }
    List<Comparison> conditions = conditions(check);
    if (v.kind() == Script.Value.Kind.NUMBER) {
      return Reading.value(check, v.number(), "simulated");
    }
    if (conditions.isEmpty()) {
      // Judged by its HTTP expectations alone.
      return pass
          ? Reading.expectations(check, null, List.of(), "simulated: expectations met")
          : Reading.expectations(
              check, null, List.of("simulated: expectations not met"), "simulated");
    }
    return Reading.value(
        check, pass ? passingValue(conditions) : failingValue(conditions.get(0)), "simulated");
  }

  /** Every condition a measurement of {@code check} is judged by: its own, then rule overrides. */
  private List<Comparison> conditions(String check) {
    Set<Comparison> out = new LinkedHashSet<>();
    Check c = plan.checks().get(check);
    if (c.pass() != null) {
      out.add(c.pass());
    }
    for (Rule r : rulesOf(plan, check)) {
      if (r.pass() != null) {
        out.add(r.pass());
      }
    }
    return new ArrayList<>(out);
  }

  /** Every rule of the plan that measures {@code check}. */
  static List<Rule> rulesOf(Plan plan, String check) {
    List<Rule> all = new ArrayList<>(plan.prerequisites());
    for (Stage s : plan.stages()) {
      all.addAll(s.gates());
    }
    all.addAll(plan.watch());
    return all.stream().filter(r -> r.check().equals(check)).toList();
  }

  /** A value inside the first condition that meets them all, else inside the first. */
  static double passingValue(List<Comparison> conditions) {
    for (Comparison candidate : conditions) {
      double v = inside(candidate);
      if (conditions.stream().allMatch(c -> c.test(v))) {
        return v;
      }
    }
    return inside(conditions.get(0));
  }

  /** A value that meets {@code c}: its bound where the bound passes, else half-way beyond it. */
  static double inside(Comparison c) {
    double b = c.bound();
    double step = Math.max(Math.abs(b) / 2, 1);
    return switch (c.op()) {
      case LE, GE, EQ, BETWEEN -> b;
      case LT -> b > 0 ? b / 2 : b - step;
      case GT -> b + step;
      case NE -> b + 1;
    };
  }

  /** A value that misses {@code c}. */
  static double failingValue(Comparison c) {
    double b = c.bound();
    double step = Math.max(Math.abs(b), 1);
    return switch (c.op()) {
      case LT, LE -> b + step;
      case GT, GE -> b - step;
      case EQ -> b + 1;
      case NE -> b;
      case BETWEEN -> c.upper() + Math.max(c.upper() - b, 1);
    };
  }
}
