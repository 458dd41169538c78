package dev.cutover.stats;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a sequential compare check has gathered since its rule began: the growth of the four running
 * totals since the first reading ({@code sum}), the latest reading ({@code last}), how many times a
 * count went back ({@code resets}), and when, if ever, the new path was shown worse ({@code
 * shownWorseAt}; from then on the check fails: the test has stopped, as an always-valid test may).
 *
 * <p>Why growth and not each reading's counts: the test is valid for cumulative sums over a growing
 * sample. Differences of running totals telescope, so however the measurements are timed (late,
 * missed, a worker down for an hour) every request counts exactly once. A count that goes back (a
 * process restarted and its counter began again at 0) gives no growth for that interval: the
 * interval is left out and the totals go on from the new reading. Leaving out an interval for a
 * reason that does not depend on its failures keeps the test valid; it only loses that interval.
 *
 * <p>A compare check of a continuous metric keeps its running totals by name instead ({@code
 * gained} and {@code latest}: counts, sums, bucket counts; null for failure counts, and left out of
 * the JSON then). A reading whose names differ from the last (the buckets changed) is a reset too.
 * Both maps are sorted by name, so that every sum over them adds in the same order on every replay.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Evidence(
    Counts sum,
    Counts last,
    int resets,
    Long shownWorseAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Double> gained,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Double> latest) {
  public Evidence {
    Objects.requireNonNull(sum, "sum");
    Objects.requireNonNull(last, "last");
    gained = sorted(gained);
    latest = sorted(latest);
  }

  /** Evidence of failure counts. */
  public Evidence(Counts sum, Counts last, int resets, Long shownWorseAt) {
    this(sum, last, resets, shownWorseAt, null, null);
  }

  private static Map<String, Double> sorted(Map<String, Double> m) {
    return m == null ? null : Collections.unmodifiableSortedMap(new TreeMap<>(m));
  }

  /** The first reading of a continuous metric's running totals: nothing gained yet. */
  public static Evidence origin(Map<String, Double> first) {
    Map<String, Double> zero = new TreeMap<>();
    first.keySet().forEach(k -> zero.put(k, 0.0));
    return new Evidence(Counts.ZERO, Counts.ZERO, 0, null, zero, first);
  }

  /** With the next reading of a continuous metric's running totals. */
  public Evidence next(Map<String, Double> reading) {
    boolean sameNames = reading.keySet().equals(latest.keySet());
    boolean wentBack =
        sameNames
            && reading.entrySet().stream().anyMatch(e -> e.getValue() < latest.get(e.getKey()));
    if (!sameNames || wentBack) {
      // The interval is left out. New names (the buckets changed) cannot be added to the old
      // ones' gain, so the gain starts again from this reading.
      return new Evidence(
          sum,
          last,
          resets + 1,
          shownWorseAt,
          sameNames ? gained : origin(reading).gained(),
          reading);
    }
    Map<String, Double> g = new TreeMap<>();
    for (Map.Entry<String, Double> e : gained.entrySet()) {
      g.put(e.getKey(), e.getValue() + reading.get(e.getKey()) - latest.get(e.getKey()));
    }
    return new Evidence(sum, last, resets, shownWorseAt, g, reading);
  }

  /** The first reading: the origin, nothing gathered yet. */
  public static Evidence origin(Counts first) {
    return new Evidence(Counts.ZERO, first, 0, null);
  }

  /** With the next reading of the running totals. */
  public Evidence next(Counts reading) {
    if (reading.anyBelow(last)) {
      return new Evidence(sum, reading, resets + 1, shownWorseAt, gained, latest);
    }
    return new Evidence(
        sum.plus(reading.minus(last)), reading, resets, shownWorseAt, gained, latest);
  }

  /** Shown worse at {@code at} (the first time only). */
  public Evidence shownWorse(long at) {
    return shownWorseAt != null ? this : new Evidence(sum, last, resets, at, gained, latest);
  }
}
