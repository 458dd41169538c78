package dev.cutover.stats;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Objects;

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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Evidence(Counts sum, Counts last, int resets, Long shownWorseAt) {
  public Evidence {
    Objects.requireNonNull(sum, "sum");
    Objects.requireNonNull(last, "last");
  }

  /** The first reading: the origin, nothing gathered yet. */
  public static Evidence origin(Counts first) {
    return new Evidence(Counts.ZERO, first, 0, null);
  }

  /** With the next reading of the running totals. */
  public Evidence next(Counts reading) {
    if (reading.anyBelow(last)) {
      return new Evidence(sum, reading, resets + 1, shownWorseAt);
    }
    return new Evidence(sum.plus(reading.minus(last)), reading, resets, shownWorseAt);
  }

  /** Shown worse at {@code at} (the first time only). */
  public Evidence shownWorse(long at) {
    return shownWorseAt != null ? this : new Evidence(sum, last, resets, at);
  }
}
