package dev.cutover.workflows;

import dev.cutover.engine.Command;
import dev.cutover.plan.Notify;
import java.util.List;

/**
 * A message for people. {@code webhook} is the plan's first-form webhook as written (usually {@code
 * ${env:NAME}}), or null; {@code channels} and {@code routes} are the routed form's, as written;
 * with neither the worker only logs the message. {@code text} is the whole message; {@code events}
 * what it tells of (one, or several held back during a flood and sent as one), each routed on its
 * own. {@code chain} is the first run id of the cutover's chain of runs: with the workflow id and
 * an event's subject it makes a key that stays the same across retries and continue-as-new
 * (PagerDuty's dedup key). Requests recorded before routing carry only the first four fields.
 */
public record NotifyRequest(
    String workflowId,
    String webhook,
    String level,
    String text,
    String chain,
    List<Notify.Channel> channels,
    List<Notify.Route> routes,
    List<Event> events) {

  public NotifyRequest {
    channels = channels == null ? List.of() : List.copyOf(channels);
    routes = routes == null ? List.of() : List.copyOf(routes);
    events = events == null ? List.of() : List.copyOf(events);
  }

  /** A request as recorded before routing: one message to the first-form webhook. */
  public NotifyRequest(String workflowId, String webhook, String level, String text) {
    this(workflowId, webhook, level, text, null, List.of(), List.of(), List.of());
  }

  /**
   * One thing that happened: its {@code kind} (lower case, as routes name it), {@code subject} (a
   * rule id, {@code rollback}, a stage, or null), {@code level} (INFO, WARN, PAGE), its text, and
   * on a status update the cutover's {@code report}.
   */
  public record Event(
      String kind, String subject, String level, String text, Command.Notify.Report report) {

    static Event of(Command.Notify n) {
      return new Event(n.kind().wire(), n.subject(), n.level().name(), n.text(), n.report());
    }
  }
}
