package dev.cutover.workflows;

/**
 * The JSON object every signal carries: {@code by} (who) always; {@code stage} and {@code comment}
 * for approve; {@code check} for acknowledge; {@code reason} where it helps. {@code requestId} lets
 * the operator CLI find the decision its request produced. {@code signedAt} and {@code signature}
 * are set when the sender signed the signal with a key from the worker's approver keyring.
 */
public record SignalPayload(String stage, String by, String comment, String reason, String check, String requestId,
    String signedAt, String signature) {
  /** An unsigned payload. */
  public SignalPayload(String stage, String by, String comment, String reason, String check, String requestId) {
    this(stage, by, comment, reason, check, requestId, null, null);
  }
}
