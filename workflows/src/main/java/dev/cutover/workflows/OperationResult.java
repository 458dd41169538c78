package dev.cutover.workflows;

/** What the cutover decided about an operator action, and the state it left the cutover in. */
public record OperationResult(boolean accepted, String text, String state) {}
