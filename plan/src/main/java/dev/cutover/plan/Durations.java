package dev.cutover.plan;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, or a
 * sequence such as {@code 1h30m}. Units: {@code ms s m h d w}. Zero is {@code 0} or {@code 0s}.
 */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h|d|w))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

  private Durations() {}

  /** The duration, or empty when the text is not a duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim();
    if (t.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    if (!WHOLE.matcher(t).matches()) {
      return Optional.empty();
    }
    Matcher m = PART.matcher(t);
    Duration total = Duration.ZERO;
    try {
      while (m.find()) {
        long n = Long.parseLong(m.group(1));
        total = total.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          case "w" -> Duration.ofDays(7 * n);
          default -> throw new IllegalStateException(m.group(2));
        });
      }
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(total);
  }

  /** The shortest text that {@link #parse} reads back as the same duration, e.g. {@code 1d12h}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    long ms = d.toMillis();
    if (ms < 0) {
      b.append('-');
      ms = -ms;
    }
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    String[] units = {"d", "h", "m", "s", "ms"};
    for (int i = 0; i < sizes.length; i++) {
      long n = ms / sizes[i];
      if (n > 0) {
        b.append(n).append(units[i]);
        ms -= n * sizes[i];
      }
    }
    return b.toString();
  }

  /** Like {@link #format(Duration)} for milliseconds. */
  public static String formatMillis(long millis) {
    return format(Duration.ofMillis(millis));
  }
}
