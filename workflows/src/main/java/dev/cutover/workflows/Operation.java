package dev.cutover.workflows;

/** An operator action sent as an update, for an immediate answer: {@code name} is a signal name. */
public record Operation(String name, SignalPayload payload) {}
