package dev.cutover.activities;

import dev.cutover.plan.Notify;
import dev.cutover.workflows.NotifyRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which of a message's events each channel gets: those a route sends there by kind and severity. A
 * PagerDuty channel also gets what resolves the pages it can raise: {@code cleared} when it takes
 * {@code breach}, {@code escalation} or {@code inconclusive}, {@code rollback_recovered} when it
 * takes {@code rollback_failed}, at any severity, so a page opened for a rule closes when the rule
 * passes again. Pure.
 */
final class NotifyRouting {
  /** The kinds that resolve a PagerDuty alert rather than trigger one. */
  static final Set<String> RESOLVING = Set.of("cleared", "rollback_recovered");

  private NotifyRouting() {}

  /** A channel and the events it gets, in the order they happened. */
  record Delivery(Notify.Channel channel, List<NotifyRequest.Event> events) {}

  /** Every channel that gets at least one event of {@code request}. */
  static List<Delivery> deliveries(NotifyRequest request) {
    List<Delivery> out = new ArrayList<>();
    for (Notify.Channel c : request.channels()) {
      List<NotifyRequest.Event> events = new ArrayList<>();
      for (NotifyRequest.Event e : request.events()) {
        if (takes(request.routes(), c, e)) {
          events.add(e);
        }
      }
      if (!events.isEmpty()) {
        out.add(new Delivery(c, events));
      }
    }
    return out;
  }

  static boolean takes(List<Notify.Route> routes, Notify.Channel c, NotifyRequest.Event e) {
    Notify.Severity severity = severity(e.level());
    for (Notify.Route r : routes) {
      if (r.takes(c.name(), e.kind(), severity)) {
        return true;
      }
      if (c.type() == Notify.ChannelType.PAGERDUTY
          && r.to().contains(c.name())
          && resolvesWhatRouteRaises(r, e.kind())) {
        return true;
      }
    }
    return false;
  }

  private static boolean resolvesWhatRouteRaises(Notify.Route r, String kind) {
    boolean all = r.events().isEmpty();
    return switch (kind) {
      case "cleared" ->
          all
              || r.events().contains("breach")
              || r.events().contains("escalation")
              || r.events().contains("inconclusive");
      case "rollback_recovered" -> all || r.events().contains("rollback_failed");
      default -> false;
    };
  }

  /** The severity of an engine level: PAGE is critical, WARN a warning, anything else info. */
  static Notify.Severity severity(String level) {
    return switch (level == null ? "" : level.toUpperCase(Locale.ROOT)) {
      case "PAGE" -> Notify.Severity.CRITICAL;
      case "WARN" -> Notify.Severity.WARNING;
      default -> Notify.Severity.INFO;
    };
  }
}
