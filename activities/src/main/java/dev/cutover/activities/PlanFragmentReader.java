package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.CheckContext;
import dev.cutover.plan.Connection;
import dev.cutover.plan.FlagsApi;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.Traffic;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.MeasureRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Kept for compatibility: reads the plan fragments that cutovers started before typed requests
 * still send to the {@code measure} and {@code apply} activities, with {@link PlanReader} as the
 * worker always did, into the typed pieces the current code measures and applies. What cannot be
 * read is an ERROR reading (a check) or an {@code InvalidRequest} (an effect), with the reader's
 * problems, as before. New cutovers never come here: the workflow sends what it read itself.
 */
final class PlanFragmentReader {
  private PlanFragmentReader() {}

  /** A check read from its fragment, with its connection; or, when either cannot be read, why. */
  record CheckRead(
      String name, Check check, Connection connection, Reading unreadable, CheckContext context) {
    CheckRead(String name, Check check, Connection connection, Reading unreadable) {
      this(name, check, connection, unreadable, CheckContext.NONE);
    }
  }

  static CheckRead check(MeasureRequest.CheckSpec spec) {
    String name = spec.name();
    Check check;
    try {
      check = PlanReader.check(name, spec.check());
    } catch (PlanException e) {
      return unreadable(name, "invalid check: " + problems(e));
    } catch (RuntimeException e) {
      return unreadable(
          name,
          "invalid check: "
              + e.getClass().getSimpleName()
              + ": "
              + HttpCalls.firstLine(e.getMessage()));
    }
    if (check.source().connection().isEmpty()) {
      return new CheckRead(name, check, null, null);
    }
    String c = check.source().connection().get();
    JsonNode node = spec.connections().get(c);
    if (node == null) {
      return unreadable(name, "no connection named \"" + c + "\" in the request");
    }
    try {
      return new CheckRead(name, check, PlanReader.connection(c, node), null);
    } catch (PlanException e) {
      return unreadable(name, "invalid connection: " + problems(e));
    } catch (RuntimeException e) {
      return unreadable(
          name,
          "measuring failed: "
              + e.getClass().getSimpleName()
              + ": "
              + HttpCalls.firstLine(e.getMessage()));
    }
  }

  private static CheckRead unreadable(String name, String why) {
    return new CheckRead(name, null, null, Reading.error(name, why));
  }

  /**
   * The typed request an {@link EffectRequest} stands for: the fragment its step needs (traffic,
   * flags API or action) and the connections it carries, each read by {@link PlanReader}. The
   * connections are read before anything is sent, where the released code read each just before its
   * request: a connection that no longer reads now fails the step before its first request.
   *
   * @throws EffectException {@code InvalidRequest} for a fragment that is missing or does not read
   */
  static ApplyEffectRequest effect(EffectRequest request) {
    Traffic traffic = null;
    FlagsApi flagsApi = null;
    Action action = null;
    if (request.step() != null) {
      switch (request.step().kind()) {
        case TRAFFIC -> traffic = read(() -> PlanReader.traffic(request.traffic()), "traffic");
        case FLAGS -> flagsApi = read(() -> PlanReader.flagsApi(request.flagsApi()), "flagsApi");
        case ACTION, UNDO_ACTION, ROLLBACK_ACTION ->
            action = read(() -> PlanReader.action(request.action(), "action"), "action");
        default -> {} // not applied: the effect says so
      }
    }
    Map<String, Connection> connections = new LinkedHashMap<>();
    request
        .connections()
        .forEach(
            (name, node) ->
                connections.put(
                    name, read(() -> PlanReader.connection(name, node), "connections." + name)));
    return new ApplyEffectRequest(
        request.workflowId(),
        request.idempotencyKey(),
        request.stage(),
        request.step(),
        traffic,
        flagsApi,
        action,
        connections);
  }

  private static <T> T read(Supplier<T> reader, String what) {
    try {
      T t = reader.get();
      if (t == null) {
        throw EffectException.invalid(what + " is missing from the request");
      }
      return t;
    } catch (PlanException e) {
      throw EffectException.invalid("invalid " + what + ": " + problems(e));
    }
  }

  private static String problems(PlanException e) {
    List<String> problems = e.problems().stream().map(Object::toString).toList();
    return String.join("; ", problems);
  }
}
