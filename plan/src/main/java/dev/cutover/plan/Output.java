package dev.cutover.plan;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A value an http action's answer holds that its undo, and the stage's later actions, may use as
 * {@code ${output:NAME}} (an alert silence's id, to delete the silence on rollback). {@code json}
 * is the JSONPath of the value in the response body. A target's answer is untrusted, so a value is
 * kept only when it is short and plain ({@link #problem}); it is never a secret (the worker refuses
 * one that holds a secret the request used) and never part of a URL's host (the reader refuses that
 * place).
 */
public record Output(String name, String json) {
  /** The most characters a value may have. */
  public static final int MAX_VALUE_CHARS = 128;

  /** The most outputs one action may declare. */
  public static final int MAX_PER_ACTION = 5;

  /** A name: lower case letters, digits and {@code _}, starting with a letter. */
  public static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]{0,31}$");

  /**
   * What a value may hold: letters, digits, {@code . _ : -}. Enough for ids (numbers, UUIDs, ULIDs,
   * {@code silence-123}), and nothing that changes a URL's path or query, a header or a JSON string
   * it is put into.
   */
  private static final Pattern VALUE = Pattern.compile("^[A-Za-z0-9._:-]+$");

  public Output {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(json, "json");
  }

  /** The placeholder that uses this output: {@code ${output:NAME}}. */
  public String placeholder() {
    return "${output:" + name + "}";
  }

  /** Why {@code value} cannot be an output, or null when it can. */
  public static String problem(String value) {
    if (value == null || value.isEmpty()) {
      return "is empty";
    }
    if (value.length() > MAX_VALUE_CHARS) {
      return "is longer than " + MAX_VALUE_CHARS + " characters";
    }
    if (!VALUE.matcher(value).matches()) {
      return "holds characters other than letters, digits and . _ : -";
    }
    return null;
  }
}
