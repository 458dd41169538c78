package dev.cutover.cli;

import dev.cutover.engine.Judge;
import dev.cutover.engine.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code cutover status --watch} prints at each poll. On a terminal it redraws in place: the
 * cursor goes home, each line overwrites the last frame's and clears what is left of it, and what
 * is below the new frame is cleared, so the screen never flickers nor scrolls. Piped (to a file, to
 * {@code grep}) it prints plain lines, no escape codes: each frame after a line saying when it was
 * read. Each rule's values seen over the last polls are kept and shown with the frame.
 */
final class WatchScreen {
  /** How many of each rule's recent values are shown. */
  static final int RECENT = 6;

  private static final String HOME = "\033[H";
  private static final String CLEAR_SCREEN = "\033[2J";
  private static final String CLEAR_LINE_END = "\033[K";
  private static final String CLEAR_BELOW = "\033[J";

  private final boolean terminal;
  private final Map<String, Deque<double[]>> recent = new LinkedHashMap<>();
  private boolean first = true;

  WatchScreen(boolean terminal) {
    this.terminal = terminal;
  }

  /** Whether this process writes to a terminal (not a pipe or a file). */
  static boolean onTerminal() {
    return System.console() != null;
  }

  /** The frame for {@code s}, rendered as {@code text}, with the values seen so far. */
  String frame(Status s, String text, String asOf) {
    remember(s);
    String body = text + recentValues();
    if (!terminal) {
      return "--- " + asOf + "\n" + body;
    }
    StringBuilder b = new StringBuilder();
    if (first) {
      b.append(CLEAR_SCREEN);
      first = false;
    }
    b.append(HOME);
    for (String line : body.split("\n")) {
      b.append(line).append(CLEAR_LINE_END).append('\n');
    }
    return b.append(CLEAR_BELOW).toString();
  }

  private void remember(Status s) {
    for (Status.RuleView r : s.rules()) {
      if (r.value() == null || r.measuredAt() == null) {
        continue;
      }
      Deque<double[]> values = recent.computeIfAbsent(r.id(), k -> new ArrayDeque<>());
      double[] last = values.peekLast();
      if (last != null && last[0] == r.measuredAt()) {
        continue;
      }
      values.addLast(new double[] {r.measuredAt(), r.value()});
      while (values.size() > RECENT) {
        values.removeFirst();
      }
    }
  }

  private String recentValues() {
    if (recent.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("recent values (oldest first):\n");
    recent.forEach(
        (rule, values) -> {
          List<String> shown = new ArrayList<>();
          values.forEach(v -> shown.add(Judge.format(v[1])));
          b.append(String.format("  %-22s %s%n", StatusText.v(rule), String.join("  ", shown)));
        });
    return b.toString();
  }
}
