package dev.cutover.workflows;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON object every signal carries: {@code by} (who) always; {@code stage} and {@code comment}
 * for approve; {@code check} for acknowledge; {@code task} for confirm (left out of the JSON when
 * absent, so a worker of an earlier release reads every other signal as before); {@code reason}
 * where it helps. {@code signedAt} and {@code signature} are set when the sender signed the signal
 * with a key from the worker's approver keyring.
 *
 * <p>{@code requestId}, which earlier senders wrote (always null, never read), is accepted and
 * ignored: signals in the histories of running cutovers carry it. Any other unknown field is
 * refused as before.
 */
@JsonIgnoreProperties({"requestId"})
public record SignalPayload(
    String stage,
    String by,
    String comment,
    String reason,
    String check,
    String signedAt,
    String signature,
    @JsonInclude(JsonInclude.Include.NON_NULL) String task) {
  /** An unsigned payload. */
  public SignalPayload(String stage, String by, String comment, String reason, String check) {
    this(stage, by, comment, reason, check, null, null, null);
  }

  /** A payload without a checklist task (every signal but confirm). */
  public SignalPayload(
      String stage,
      String by,
      String comment,
      String reason,
      String check,
      String signedAt,
      String signature) {
    this(stage, by, comment, reason, check, signedAt, signature, null);
  }

  /** A confirm's payload: {@code by} confirms the checklist task {@code task}. */
  public static SignalPayload confirming(String task, String by, String comment) {
    return new SignalPayload(null, by, comment, null, null, null, null, task);
  }
}
