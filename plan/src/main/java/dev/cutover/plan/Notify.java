package dev.cutover.plan;

import java.time.Duration;

/**
 * Where notifications go: a Slack-compatible webhook (usually {@code ${env:NAME}}), and how often a
 * status line is sent while a stage is active ({@code every}; null: only on events).
 */
public record Notify(String webhook, Duration every) {}
