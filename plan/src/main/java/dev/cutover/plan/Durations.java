package dev.cutover.plan;

import java.time.Duration;
import java.util.Optional;

/**
 * Durations as operators write them: {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, or a
 * sequence such as {@code 1h30m}. Units: {@code ms s m h d w}. Zero is {@code 0} or {@code 0s}.
 * Nothing longer than {@link #MAX} is a duration: no timer could run it.
 */
public final class Durations {
  /**
   * The longest duration there is: what a Temporal timer can be given (protobuf's Duration range,
   * 315,576,000,000 seconds, 10,000 years, 3,652,500 days). A plan asking for longer cannot run.
   */
  public static final Duration MAX = Duration.ofDays(3_652_500);

  private static final long MAX_MILLIS = MAX.toMillis();

  private Durations() {}

  /** The duration, or empty when the text is not a duration or is longer than {@link #MAX}. */
  public static Optional<Duration> parse(String text) {
    long millis = millis(text);
    return millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
  }

  /** Whether {@code text} is written as a duration but is longer than {@link #MAX}. */
  public static boolean isTooLong(String text) {
    return millis(text) == TOO_LONG;
  }

  private static final long NOT_A_DURATION = -1;
  private static final long TOO_LONG = -2;

  /**
   * The text's milliseconds, {@link #NOT_A_DURATION} or {@link #TOO_LONG}. Read by hand in one
   * pass, so text of any length costs no more than its length (no regular expression to recurse, no
   * number that overflows).
   */
  private static long millis(String text) {
    if (text == null) {
      return NOT_A_DURATION;
    }
    String t = text.trim();
    if (t.equals("0")) {
      return 0;
    }
    if (t.isEmpty()) {
      return NOT_A_DURATION;
    }
    long total = 0;
    boolean tooLong = false;
    int i = 0;
    while (i < t.length()) {
      int digits = i;
      while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        i++;
      }
      if (i == digits) {
        return NOT_A_DURATION;
      }
      String number = t.substring(digits, i);
      long unit;
      if (t.startsWith("ms", i)) {
        unit = 1;
        i += 2;
      } else if (i < t.length()) {
        unit =
            switch (t.charAt(i)) {
              case 's' -> 1_000L;
              case 'm' -> 60_000L;
              case 'h' -> 3_600_000L;
              case 'd' -> 86_400_000L;
              case 'w' -> 604_800_000L;
              default -> 0;
            };
        if (unit == 0) {
          return NOT_A_DURATION;
        }
        i++;
      } else {
        return NOT_A_DURATION;
      }
      if (tooLong) {
        continue; // still read the rest: "1000000000000d" is too long, "1000000000000x" is not a
        // duration
      }
      int lead = 0;
      while (lead < number.length() - 1 && number.charAt(lead) == '0') {
        lead++;
      }
      String significant = number.substring(lead);
      // 16 digits of milliseconds or more is past MAX whatever the unit.
      if (significant.length() > 15) {
        tooLong = true;
        continue;
      }
      long n = Long.parseLong(significant);
      if (n > MAX_MILLIS / unit) {
        tooLong = true;
        continue;
      }
      total += n * unit;
      if (total > MAX_MILLIS) {
        tooLong = true;
      }
    }
    return tooLong ? TOO_LONG : total;
  }

  /** The shortest text that {@link #parse} reads back as the same duration, e.g. {@code 1d12h}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative()) {
      try {
        return "-" + format(d.negated());
      } catch (ArithmeticException e) {
        return d.toString();
      }
    }
    // From seconds and nanoseconds, not toMillis(): that overflows for durations past 292 million
    // years.
    long seconds = d.getSeconds();
    long ms = d.getNano() / 1_000_000;
    StringBuilder b = new StringBuilder();
    long[] sizes = {86_400L, 3_600L, 60L, 1L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      long n = seconds / sizes[i];
      if (n > 0) {
        b.append(n).append(units[i]);
        seconds -= n * sizes[i];
      }
    }
    if (ms > 0) {
      b.append(ms).append("ms");
    }
    return b.length() == 0 ? "0s" : b.toString();
  }

  /** Like {@link #format(Duration)} for milliseconds. */
  public static String formatMillis(long millis) {
    return format(Duration.ofMillis(millis));
  }
}
