package dev.cutover.activities;

import dev.cutover.plan.PlanSyntax;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code ${...}} placeholders in plan text in a single pass: {@code ${env:NAME}} from {@link
 * Secrets}, anything else ({@code ${percent}}, {@code ${flag}}, {@code ${value}}, {@code ${stage}})
 * from the given variables. Inserted text is never scanned again, so a flag value that happens to
 * read {@code ${env:DB_PASSWORD}} is sent as those characters, not as the password.
 */
final class Placeholders {
  /** The plan reader's own pattern: what it checked is what is filled. */
  private static final Pattern PLACEHOLDER = PlanSyntax.PLACEHOLDER;

  private Placeholders() {}

  /**
   * {@code text} with placeholders filled. With {@code secrets} null, {@code ${env:NAME}} stays as
   * written: that is how a request is described in messages. A placeholder without a value stays as
   * written too (the plan reader has already refused unknown ones).
   */
  static String fill(String text, Function<String, String> variables, Secrets secrets) {
    if (text == null) {
      return null;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String inner = m.group(1);
      String replacement;
      if (inner.startsWith("env:")) {
        replacement =
            secrets == null ? m.group() : secrets.lookup(inner.substring("env:".length()));
      } else {
        String v = variables.apply(inner);
        replacement = v == null ? m.group() : v;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Whether {@code text} uses placeholder {@code ${name}}. */
  static boolean uses(String text, String name) {
    return text != null && text.contains("${" + name + "}");
  }
}
