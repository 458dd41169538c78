package dev.cutover.workflows;

/** A signed signal to verify against the worker's approver keyring. */
public record SignatureRequest(String workflowId, String signal, SignalPayload payload) {}
