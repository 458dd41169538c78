package dev.cutover.workflows;

/**
 * The JSON object every signal carries: {@code by} (who) always; {@code stage} and {@code comment}
 * for approve; {@code check} for acknowledge; {@code reason} where it helps. {@code requestId} lets
 * the operator CLI find the decision its request produced.
 */
public record SignalPayload(String stage, String by, String comment, String reason, String check, String requestId) {}
