package dev.cutover.workflows;

/**
 * Whether a signal's signature verifies against the worker's approver keyring: {@code valid} means
 * it was signed, for this workflow, signal and payload, by a key the keyring lists for the signal's
 * {@code by}, recently enough; otherwise {@code reason} says why not (no value secret).
 */
public record SignatureVerdict(boolean valid, String reason) {}
