package dev.cutover.workflows;

/**
 * A message for people: {@code webhook} as the plan wrote it (usually {@code ${env:NAME}}), or null
 * when the plan has no notify section (the worker then only logs it).
 */
public record NotifyRequest(String workflowId, String webhook, String level, String text) {}
