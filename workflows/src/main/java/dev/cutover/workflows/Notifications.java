package dev.cutover.workflows;

import dev.cutover.engine.Command;
import dev.cutover.plan.Notify;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's notifications as activities, best effort. On cutovers at {@link
 * Versions#COALESCED_COMMANDS}, at most {@link #IN_FLIGHT_MAX} are in flight: during a flood the
 * rest are held back and sent as one message once a slot is free, so that a flood of signals does
 * not add an activity to history for each one.
 */
final class Notifications {
  static final int IN_FLIGHT_MAX = 4;

  /** The most texts one combined notification quotes. */
  static final int COMBINED_MAX = 5;

  private final Versions versions;
  private final WorkflowStart start;
  private final ActivityStubs stubs;
  private final List<Command.Notify> held = new ArrayList<>();
  private final List<Promise<Void>> notifying = new ArrayList<>();

  Notifications(Versions versions, WorkflowStart start, ActivityStubs stubs) {
    this.versions = versions;
    this.start = start;
    this.stubs = stubs;
  }

  /** Sends {@code n} now, or holds it back behind the ones already held. */
  void send(Command.Notify n) {
    if (versions.coalesced() && (inFlight() >= IN_FLIGHT_MAX || !held.isEmpty())) {
      held.add(n);
    } else {
      notifyPeople(n);
    }
  }

  /** Held notifications, once a slot is free: one message, at the most urgent level among them. */
  void sendHeld() {
    if (held.isEmpty() || inFlight() >= IN_FLIGHT_MAX) {
      return;
    }
    Command.Notify.Level level =
        held.stream().map(Command.Notify::level).max(Enum::compareTo).orElseThrow();
    StringBuilder text =
        new StringBuilder(
            "[" + start.plan().name() + "] " + held.size() + " notifications in a burst:");
    held.stream().limit(COMBINED_MAX).forEach(n -> text.append("\n").append(n.text()));
    if (held.size() > COMBINED_MAX) {
      text.append("\n... and ")
          .append(held.size() - COMBINED_MAX)
          .append(" more (see cutover status)");
    }
    List<NotifyRequest.Event> events = held.stream().map(NotifyRequest.Event::of).toList();
    held.clear();
    notifyPeople(level, text.toString(), events);
  }

  /** How many are held back (dropped if the run continues as new now). */
  int held() {
    return held.size();
  }

  boolean anyCompleted() {
    return notifying.stream().anyMatch(Promise::isCompleted);
  }

  boolean allCompleted() {
    return notifying.stream().allMatch(Promise::isCompleted);
  }

  void forgetCompleted() {
    notifying.removeIf(Promise::isCompleted);
  }

  private long inFlight() {
    return notifying.stream().filter(p -> !p.isCompleted()).count();
  }

  private void notifyPeople(Command.Notify n) {
    notifyPeople(n.level(), n.text(), List.of(NotifyRequest.Event.of(n)));
  }

  /**
   * Sends one message telling of {@code events}. What goes where is the worker's to work out from
   * the plan's routes: the request is an activity's input, so adding to it changes no command.
   */
  private void notifyPeople(
      Command.Notify.Level level, String text, List<NotifyRequest.Event> events) {
    Notify plan = start.plan().notifications();
    notifying.add(
        Async.procedure(
            stubs.notifications(
                    "notify "
                        + level.name().toLowerCase(java.util.Locale.ROOT)
                        + (events.size() == 1 ? "" : " (" + events.size() + " events)"))
                ::notifyPeople,
            new NotifyRequest(
                Workflow.getInfo().getWorkflowId(),
                start.requests().webhook(),
                level.name(),
                text,
                Workflow.getInfo().getFirstExecutionRunId(),
                plan == null ? List.of() : plan.channels(),
                plan == null ? List.of() : plan.routes(),
                events)));
  }
}
