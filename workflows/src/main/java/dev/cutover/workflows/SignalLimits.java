package dev.cutover.workflows;

import java.util.List;

/**
 * The bounds every operator message is held to before the engine reads it. Anyone who may signal
 * the namespace can send one, so a field could be a megabyte long (and the state carrying it past
 * Temporal's payload limit), or hold a newline that forges a line in {@code cutover status}.
 *
 * <ul>
 *   <li>{@code by}, {@code stage}, {@code check}, {@code task}, {@code signedAt}, {@code signature}
 *       name someone or something: longer than their limit, or holding a control character, the
 *       signal is refused (recorded as a rejected decision saying why). Cutting or cleaning a name
 *       could turn it into another one.
 *   <li>{@code reason} and {@code comment} are free text: control characters become spaces and text
 *       past {@link #TEXT_MAX} characters is cut with a marker, so an abort with a long reason
 *       still aborts.
 * </ul>
 *
 * The {@code operate} update is held to the same bounds by its validator, and refuses oversized
 * free text too: an update's sender is waiting for the answer and can send it again.
 */
public final class SignalLimits {
  /** The longest {@code by}: a person's name. */
  public static final int BY_MAX = 100;

  /** The longest {@code stage}: as the plan reader allows stage names. */
  public static final int STAGE_MAX = 63;

  /** The longest {@code check}. */
  public static final int CHECK_MAX = 128;

  /** The longest {@code task}: a checklist task's name, as the plan reader allows them. */
  public static final int TASK_MAX = 63;

  /** The longest {@code reason} or {@code comment} kept. */
  public static final int TEXT_MAX = 1_000;

  /** The longest {@code signedAt} (an ISO-8601 instant). */
  public static final int SIGNED_AT_MAX = 64;

  /** The longest {@code signature}. */
  public static final int SIGNATURE_MAX = 200;

  /** The signals a cutover knows, which {@code operate} may name. */
  public static final List<String> SIGNALS =
      List.of(
          "approve",
          "abort",
          "pause",
          "resume",
          "promote",
          "acknowledge",
          "retry",
          "abandon",
          "confirm");

  private SignalLimits() {}

  /**
   * A signal as the engine may read it ({@code refusal} null), or why it is refused; {@code by} is
   * who to record the decision under ({@code "?"} when {@code by} itself is what is wrong).
   */
  record Checked(SignalPayload payload, String refusal, String by) {}

  static Checked check(SignalPayload p) {
    if (p == null) {
      return new Checked(new SignalPayload(null, null, null, null, null), null, null);
    }
    String refusal = nameProblem("by", p.by(), BY_MAX);
    String by = refusal == null && p.by() != null && !p.by().isBlank() ? p.by().trim() : "?";
    if (refusal == null) {
      refusal =
          firstNonNull(
              nameProblem("stage", p.stage(), STAGE_MAX),
              nameProblem("check", p.check(), CHECK_MAX),
              nameProblem("signedAt", p.signedAt(), SIGNED_AT_MAX),
              nameProblem("signature", p.signature(), SIGNATURE_MAX),
              nameProblem("task", p.task(), TASK_MAX));
    }
    if (refusal != null) {
      return new Checked(null, refusal, by);
    }
    return new Checked(
        new SignalPayload(
            p.stage(),
            p.by(),
            UntrustedText.clean(p.comment(), TEXT_MAX),
            UntrustedText.clean(p.reason(), TEXT_MAX),
            p.check(),
            p.signedAt(),
            p.signature(),
            p.task()),
        null,
        by);
  }

  /**
   * The {@code operate} update's validator: refuses an unknown signal name, a missing payload or
   * {@code by}, and any field past its bound, before the update enters history.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static void validate(Operation op) {
    if (op == null || op.name() == null) {
      throw new IllegalArgumentException("an operation names a signal: one of " + SIGNALS);
    }
    if (!SIGNALS.contains(op.name())) {
      throw new IllegalArgumentException(
          UntrustedText.quoted(op.name(), 40) + " is not a signal: one of " + SIGNALS);
    }
    SignalPayload p = op.payload();
    if (p == null || p.by() == null || p.by().isBlank()) {
      throw new IllegalArgumentException("say who you are (by is required)");
    }
    String problem =
        firstNonNull(
            nameProblem("by", p.by(), BY_MAX),
            nameProblem("stage", p.stage(), STAGE_MAX),
            nameProblem("check", p.check(), CHECK_MAX),
            nameProblem("signedAt", p.signedAt(), SIGNED_AT_MAX),
            nameProblem("signature", p.signature(), SIGNATURE_MAX),
            nameProblem("task", p.task(), TASK_MAX),
            textProblem("reason", p.reason()),
            textProblem("comment", p.comment()));
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  private static String nameProblem(String field, String value, int max) {
    if (value == null) {
      return null;
    }
    if (value.length() > max) {
      return field + " is " + value.length() + " characters long; at most " + max + " are read";
    }
    if (UntrustedText.hasControl(value)) {
      return field + " " + UntrustedText.quoted(value, 40) + " holds control characters";
    }
    return null;
  }

  private static String textProblem(String field, String value) {
    return value != null && value.length() > TEXT_MAX
        ? field + " is " + value.length() + " characters long; at most " + TEXT_MAX + " are kept"
        : null;
  }

  private static String firstNonNull(String... s) {
    for (String x : s) {
      if (x != null) {
        return x;
      }
    }
    return null;
  }
}
