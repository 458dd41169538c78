package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the plan's {@code notify} section: the first form ({@code webhook}, {@code every}) and the
 * routed form ({@code channels}, {@code routes}, {@code stageEvery}). Both forms may not be mixed:
 * a plan with {@code channels} routes every message, one with only {@code webhook} sends every
 * message there, as before.
 */
final class NotifyReader {
  /** The most channels and routes a plan may name. */
  static final int MAX_CHANNELS = 10;

  static final int MAX_ROUTES = 20;

  private static final Pattern CHANNEL_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

  private static final Field<String> WEBHOOK = Type.TEXT.field("webhook");
  private static final Field<Duration> EVERY = Type.DURATION.field("every");
  private static final Field<Map<String, JsonNode>> CHANNELS = Type.MAP.field("channels");
  private static final Field<List<JsonNode>> ROUTES = Type.LIST.field("routes");
  private static final Field<Map<String, JsonNode>> STAGE_EVERY = Type.MAP.field("stageEvery");

  /** The section's fields. */
  static final Section SECTION = Section.of(WEBHOOK, EVERY, CHANNELS, ROUTES, STAGE_EVERY);

  private static final Field<Notify.ChannelType> CHANNEL_TYPE =
      Type.oneOf(Notify.ChannelType.class).field("type");
  private static final Field<String> URL = Type.TEXT.field("url");
  private static final Field<String> ROUTING_KEY = Type.TEXT.field("routingKey");
  private static final Section CHANNEL = Section.of(CHANNEL_TYPE, WEBHOOK, URL, ROUTING_KEY);

  private static final Field<List<JsonNode>> TO = Type.LIST.field("to");
  private static final Field<List<JsonNode>> EVENTS = Type.LIST.field("events");
  private static final Field<Notify.Severity> SEVERITY =
      Type.oneOf(Notify.Severity.class).field("severity");
  private static final Section ROUTE = Section.of(TO, EVENTS, SEVERITY);

  private NotifyReader() {}

  /** The section {@code o}, or null when it sends nothing; problems go to {@code o}'s reading. */
  static Notify read(Obj o, Set<String> stageNames) {
    if (!o.valid()) {
      return null;
    }
    String webhook = o.get(WEBHOOK);
    if (webhook != null) {
      o.reading().placeholders(webhook, o.path(WEBHOOK), Set.of("env"));
    }
    Duration every = minute(o, EVERY, o.get(EVERY));
    List<Notify.Channel> channels = new ArrayList<>();
    if (o.has(CHANNELS)) {
      Map<String, JsonNode> nodes = o.get(CHANNELS);
      if (nodes.size() > MAX_CHANNELS) {
        o.problem(CHANNELS, "at most " + MAX_CHANNELS + " channels");
      }
      nodes.forEach((name, n) -> channels.add(channel(o, name, n)));
      channels.removeIf(c -> c == null);
      if (webhook != null) {
        o.problem(
            WEBHOOK,
            "with channels, name this webhook as a channel too"
                + " (channels: {team: {type: slack, webhook: ...}})");
      }
    } else if (webhook == null) {
      o.problem(WEBHOOK, "required (or name channels and routes)");
    }
    List<Notify.Route> routes = new ArrayList<>();
    if (o.has(ROUTES)) {
      if (!o.has(CHANNELS)) {
        o.problem(ROUTES, "routes send to channels: name them under notify.channels");
      }
      List<JsonNode> nodes = o.get(ROUTES);
      if (nodes.size() > MAX_ROUTES) {
        o.problem(ROUTES, "at most " + MAX_ROUTES + " routes");
      }
      Set<String> names = new java.util.HashSet<>();
      channels.forEach(c -> names.add(c.name()));
      routes.addAll(o.each(ROUTES, (n, path) -> route(o.reading(), n, path, names)));
    } else if (o.has(CHANNELS)) {
      o.problem(ROUTES, "required with channels: which events go to which channel");
    }
    Map<String, Duration> stageEvery = new LinkedHashMap<>();
    if (o.has(STAGE_EVERY)) {
      o.get(STAGE_EVERY)
          .forEach(
              (stage, n) -> {
                String path = o.path(STAGE_EVERY) + "." + stage;
                if (!stageNames.contains(stage)) {
                  o.reading().problem(path, "no stage is named \"" + stage + "\"");
                  return;
                }
                Obj holder = new Obj(o.reading(), wrap(stage, n), o.path(STAGE_EVERY));
                Field<Duration> f = Type.DURATION.field(stage);
                holder.allow(Section.of(f));
                Duration d = minute(holder, f, holder.get(f));
                if (d != null) {
                  stageEvery.put(stage, d);
                }
              });
    }
    o.done();
    if (webhook == null && channels.isEmpty()) {
      return null;
    }
    return new Notify(webhook, every, channels, routes, stageEvery);
  }

  private static JsonNode wrap(String key, JsonNode value) {
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode()
        .set(key, value);
  }

  private static Duration minute(Obj o, Field<Duration> f, Duration d) {
    if (d != null && d.compareTo(Duration.ofMinutes(1)) < 0) {
      o.problem(f, "must be at least 1m");
      return null;
    }
    return d;
  }

  private static Notify.Channel channel(Obj parent, String name, JsonNode node) {
    String path = parent.path(CHANNELS) + "." + name;
    Obj o = new Obj(parent.reading(), node, path, CHANNEL);
    if (!CHANNEL_NAME.matcher(name).matches()) {
      parent
          .reading()
          .problem(path, "a channel name is lower case letters, digits, - and _ (such as oncall)");
    }
    if (!o.valid()) {
      return null;
    }
    Notify.ChannelType type = o.get(CHANNEL_TYPE);
    if (type == null) {
      if (!o.has(CHANNEL_TYPE)) {
        o.require(CHANNEL_TYPE);
      }
      o.done();
      return null;
    }
    Field<String> target =
        switch (type) {
          case SLACK -> WEBHOOK;
          case PAGERDUTY -> ROUTING_KEY;
          case WEBHOOK -> URL;
        };
    for (Field<String> f : List.of(WEBHOOK, URL, ROUTING_KEY)) {
      if (f != target && o.has(f)) {
        o.problem(
            f,
            "a "
                + type.name().toLowerCase(java.util.Locale.ROOT)
                + " channel takes "
                + target.name()
                + ", not "
                + f.name());
      }
    }
    String value = o.get(target);
    if (value == null) {
      o.require(target);
    } else {
      o.reading().placeholders(value, o.path(target), Set.of("env"));
    }
    o.done();
    return value == null ? null : new Notify.Channel(name, type, value);
  }

  private static Notify.Route route(Reading r, JsonNode node, String path, Set<String> channels) {
    Obj o = new Obj(r, node, path, ROUTE);
    if (!o.valid()) {
      return null;
    }
    List<String> to = names(o, TO, channels, "no channel is named");
    if (!o.has(TO)) {
      o.require(TO);
    } else if (to.isEmpty() && !r.hasProblems()) {
      o.problem(TO, "names at least one channel");
    }
    List<String> events =
        names(o, EVENTS, Set.copyOf(Notify.EVENT_KINDS), "is not an event kind; one of");
    Notify.Severity severity = o.get(SEVERITY);
    o.done();
    return new Notify.Route(to, events, severity);
  }

  /** A list of names (a single name reads as a list of one), each one of {@code known}. */
  private static List<String> names(
      Obj o, Field<List<JsonNode>> field, Set<String> known, String unknown) {
    JsonNode raw = o.raw(field);
    List<String> out = new ArrayList<>();
    if (raw != null && raw.isTextual()) {
      check(o.reading(), o.path(field), raw.asText(), known, unknown, out);
      return out;
    }
    o.each(
        field,
        (n, p) -> {
          if (!n.isTextual()) {
            o.reading().problem(p, "expected a name");
          } else {
            check(o.reading(), p, n.asText(), known, unknown, out);
          }
          return null;
        });
    return out;
  }

  private static void check(
      Reading r, String path, String name, Set<String> known, String unknown, List<String> out) {
    if (known.contains(name)) {
      out.add(name);
    } else if (unknown.endsWith("one of")) {
      r.problem(path, "\"" + name + "\" " + unknown + ": " + String.join(", ", Notify.EVENT_KINDS));
    } else {
      r.problem(
          path,
          unknown
              + " \""
              + name
              + "\" (notify.channels names "
              + new java.util.TreeSet<>(known)
              + ")");
    }
  }
}
