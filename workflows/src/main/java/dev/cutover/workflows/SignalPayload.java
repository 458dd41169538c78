package dev.cutover.workflows;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The JSON object every signal carries: {@code by} (who) always; {@code stage} and {@code comment}
 * for approve; {@code check} for acknowledge; {@code reason} where it helps. {@code signedAt} and
 * {@code signature} are set when the sender signed the signal with a key from the worker's approver
 * keyring.
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
    String signature) {
  /** An unsigned payload. */
  public SignalPayload(String stage, String by, String comment, String reason, String check) {
    this(stage, by, comment, reason, check, null, null);
  }
}
