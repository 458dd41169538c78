package dev.cutover.plan;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stage placeholders of a Prometheus query: {@code ${stage_start}} (the stage's start, Unix
 * seconds, for PromQL's {@code @} modifier), {@code ${stage_age}} (the time since, whole seconds
 * such as {@code 3600s}, for a range {@code [${stage_age}]}) and {@code ${baseline}} (the check's
 * stage baseline). Each becomes a number formatted here, never text from elsewhere, so a query
 * cannot be changed by what it is given beyond those numbers. Other text is left as written.
 */
public final class StagePlaceholders {
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$\\{(stage_start|stage_age|baseline)}");

  private StagePlaceholders() {}

  /** Whether {@code text} uses any of them. */
  public static boolean uses(String text) {
    return text != null && PLACEHOLDER.matcher(text).find();
  }

  /**
   * Why {@code text} cannot be filled in from {@code context} at {@code nowMillis}; null if it can.
   */
  public static String problem(String text, CheckContext context) {
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      if (m.group(1).equals("baseline")
          ? context.baseline() == null
          : context.stageStart() == null) {
        return "${"
            + m.group(1)
            + "} has no value yet"
            + (m.group(1).equals("baseline")
                ? " (no stage baseline captured)"
                : " (no stage has started)");
      }
    }
    return null;
  }

  /** {@code text} with the placeholders filled in; call {@link #problem} first. */
  public static String fill(String text, CheckContext context, long nowMillis) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          switch (m.group(1)) {
            case "stage_start" ->
                BigDecimal.valueOf(context.stageStart()).movePointLeft(3).toPlainString();
            case "stage_age" -> Math.max(1, (nowMillis - context.stageStart()) / 1000) + "s";
            default -> number(context.baseline());
          };
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String number(double d) {
    return Double.isFinite(d) ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : "NaN";
  }
}
