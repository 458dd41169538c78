package dev.cutover.plan;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where notifications go. The first form is one Slack-compatible {@code webhook} that gets every
 * message; the routed form names {@code channels} (Slack, PagerDuty, a JSON webhook) and {@code
 * routes} saying which events at which severity go to which channel. {@code every} is the status
 * cadence while a stage is active (null: only on events), {@code stageEvery} a stage's own cadence
 * by stage name. Secrets (webhook URLs, routing keys) are written as {@code ${env:NAME}}.
 */
public record Notify(
    String webhook,
    Duration every,
    List<Channel> channels,
    List<Route> routes,
    Map<String, Duration> stageEvery) {

  public Notify {
    channels = channels == null ? List.of() : List.copyOf(channels);
    routes = routes == null ? List.of() : List.copyOf(routes);
    stageEvery = stageEvery == null ? Map.of() : Map.copyOf(stageEvery);
  }

  /** The first form: every message to one Slack-compatible webhook. */
  public Notify(String webhook, Duration every) {
    this(webhook, every, List.of(), List.of(), Map.of());
  }

  /** The status cadence of stage {@code stage}: its own, else the plan's; null: none. */
  public Duration everyFor(String stage) {
    Duration own = stage == null ? null : stageEvery.get(stage);
    return own != null ? own : every;
  }

  /** What kind of service a channel is. */
  public enum ChannelType {
    /** A Slack incoming webhook: text and Block Kit blocks. */
    SLACK,
    /** PagerDuty Events API v2: trigger and resolve with a stable dedup key. */
    PAGERDUTY,
    /** Any HTTP endpoint taking the JSON documented in docs/notifications.md. */
    WEBHOOK
  }

  /**
   * A named channel: its {@code target} is the webhook URL (Slack, webhook) or the routing key
   * (PagerDuty), usually {@code ${env:NAME}}.
   */
  public record Channel(String name, ChannelType type, String target) {
    public Channel {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(target, "target");
    }

    /**
     * The plan's field that holds the target: {@code webhook}, {@code routingKey} or {@code url}.
     */
    public String field() {
      return switch (type) {
        case SLACK -> "webhook";
        case PAGERDUTY -> "routingKey";
        case WEBHOOK -> "url";
      };
    }

    /** Its place in the plan, e.g. {@code notify.channels.oncall.routingKey}. */
    public String path() {
      return "notify.channels." + name + "." + field();
    }
  }

  /** How urgent an event is, least first; a route takes events at its severity or above. */
  public enum Severity {
    INFO,
    WARNING,
    CRITICAL;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Events of {@code events} (empty: every kind) at {@code severity} or above go to the channels
   * {@code to}.
   */
  public record Route(List<String> to, List<String> events, Severity severity) {
    public Route {
      to = List.copyOf(to);
      events = events == null ? List.of() : List.copyOf(events);
      severity = severity == null ? Severity.INFO : severity;
    }

    /**
     * Whether an event of {@code kind} at {@code severity} goes to {@code channel} by this route.
     */
    public boolean takes(String channel, String kind, Severity atSeverity) {
      return to.contains(channel)
          && (events.isEmpty() || events.contains(kind))
          && atSeverity.compareTo(severity) >= 0;
    }
  }

  /**
   * The event kinds a route may name, as the engine tags its messages ({@code
   * dev.cutover.engine.Command.Notify.Kind}, in lower case).
   */
  public static final List<String> EVENT_KINDS =
      List.of(
          "stage_started",
          "waiting",
          "checklist",
          "breach",
          "cleared",
          "inconclusive",
          "escalation",
          "paused",
          "resumed",
          "acknowledged",
          "rollback_started",
          "rollback_failed",
          "rollback_recovered",
          "rolled_back",
          "deadline",
          "rollback_overdue",
          "completed",
          "status",
          "note");
}
