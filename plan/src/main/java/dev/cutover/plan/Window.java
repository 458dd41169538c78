package dev.cutover.plan;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a stage may start, e.g. {@code "Mon-Thu 09:00-16:00 Europe/Berlin"}. Days are a range
 * ({@code Mon-Fri}), a list ({@code Mon,Wed}) or {@code daily}; the time range is half open ({@code
 * 16:00} is outside) and may cross midnight ({@code 22:00-02:00} belongs to the day it starts on).
 * Rollback ignores windows.
 */
public record Window(String text, Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {
  private static final Pattern SHAPE =
      Pattern.compile("^\\s*(\\S+)\\s+(\\d{2}:\\d{2})-(\\d{2}:\\d{2})\\s+(\\S+)\\s*$");

  public Window {
    Objects.requireNonNull(text, "text");
    days = Set.copyOf(days);
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(zone, "zone");
  }

  /** The window, or a message saying what is wrong with the text. */
  public static Result parse(String text) {
    if (text == null) {
      return Result.error("a window is text such as \"Mon-Thu 09:00-16:00 Europe/Berlin\"");
    }
    Matcher m = SHAPE.matcher(text);
    if (!m.matches()) {
      return Result.error(
          "\"" + text + "\" is not a window; write e.g. \"Mon-Thu 09:00-16:00 Europe/Berlin\"");
    }
    Optional<Set<DayOfWeek>> days = parseDays(m.group(1));
    if (days.isEmpty()) {
      return Result.error(
          "\"" + m.group(1) + "\" is not a set of days; write e.g. Mon-Fri, Mon,Wed or daily");
    }
    LocalTime from;
    LocalTime to;
    try {
      from = LocalTime.parse(m.group(2));
      to = LocalTime.parse(m.group(3));
    } catch (RuntimeException e) {
      return Result.error(
          "\"" + m.group(2) + "-" + m.group(3) + "\" is not a time range such as 09:00-16:00");
    }
    if (from.equals(to)) {
      return Result.error("the window opens and closes at the same time (" + m.group(2) + ")");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(m.group(4));
    } catch (RuntimeException e) {
      return Result.error("\"" + m.group(4) + "\" is not a time zone such as UTC or Europe/Berlin");
    }
    return new Result(new Window(text.trim(), days.get(), from, to, zone), null);
  }

  /** A parsed window or the reason it could not be parsed. */
  public record Result(Window window, String error) {
    static Result error(String message) {
      return new Result(null, message);
    }
  }

  /** Whether a stage may start at {@code at}. */
  public boolean isOpen(Instant at) {
    ZonedDateTime t = at.atZone(zone);
    LocalTime time = t.toLocalTime();
    if (from.isBefore(to)) {
      return days.contains(t.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
    }
    // Crosses midnight: the late part belongs to today, the early part to yesterday's window.
    return (days.contains(t.getDayOfWeek()) && !time.isBefore(from))
        || (days.contains(t.getDayOfWeek().minus(1)) && time.isBefore(to));
  }

  /** {@code at} itself when open, else the next instant the window opens. */
  public Instant nextOpening(Instant at) {
    if (isOpen(at)) {
      return at;
    }
    LocalDate day = at.atZone(zone).toLocalDate();
    for (int i = 0; i <= 8; i++) {
      LocalDate d = day.plusDays(i);
      if (days.contains(d.getDayOfWeek())) {
        Instant opening = ZonedDateTime.of(d, from, zone).toInstant();
        if (opening.isAfter(at)) {
          return opening;
        }
      }
    }
    throw new IllegalStateException("window " + text + " never opens");
  }

  private static Optional<Set<DayOfWeek>> parseDays(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    if (t.equals("daily") || t.equals("*")) {
      return Optional.of(EnumSet.allOf(DayOfWeek.class));
    }
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String part : t.split(",")) {
      String[] ends = part.split("-", -1);
      if (ends.length > 2) {
        return Optional.empty();
      }
      Optional<DayOfWeek> a = day(ends[0]);
      Optional<DayOfWeek> b = ends.length == 2 ? day(ends[1]) : a;
      if (a.isEmpty() || b.isEmpty()) {
        return Optional.empty();
      }
      DayOfWeek d = a.get();
      out.add(d);
      while (d != b.get()) {
        d = d.plus(1);
        out.add(d);
      }
    }
    return Optional.of(out);
  }

  private static Optional<DayOfWeek> day(String text) {
    for (DayOfWeek d : DayOfWeek.values()) {
      if (d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH).equalsIgnoreCase(text)
          || d.name().equalsIgnoreCase(text)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return text;
  }
}
