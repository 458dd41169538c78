package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link PlanReader.Rules#OUTPUTS} rules about step outputs. A stage's http action may declare
 * {@code outputs: {NAME: JSONPATH}}, values of its answer's body; its {@code undo} and the stage's
 * later actions ({@code actions}, then {@code onComplete}, and their undos) use them as {@code
 * ${output:NAME}}. A name is declared once a stage. An output never goes into a URL's host: a
 * target's answer is untrusted, so it may choose a path or a query, never where a request goes.
 */
final class StepOutputs {
  static final Field<Map<String, JsonNode>> OUTPUTS = Type.MAP.field("outputs");

  private static final String PREFIX = "output:";

  private StepOutputs() {}

  /** The outputs {@code o} declares, each checked. */
  static List<Output> read(Obj o, Reading reading) {
    if (!o.has(OUTPUTS)) {
      return List.of();
    }
    Map<String, JsonNode> written = o.get(OUTPUTS);
    String path = o.path(OUTPUTS);
    List<Output> outputs = new ArrayList<>();
    if (written.isEmpty()) {
      reading.problem(path, "declares no output; leave it out");
    }
    if (written.size() > Output.MAX_PER_ACTION) {
      reading.problem(path, "at most " + Output.MAX_PER_ACTION + " outputs an action");
    }
    written.forEach(
        (name, where) -> {
          String at = path + "." + name;
          if (!Output.NAME.matcher(name).matches()) {
            reading.problem(
                at,
                "\""
                    + name
                    + "\" is not an output name (lower case letters, digits and _, starting with a"
                    + " letter, at most 32)");
          } else if (!where.isTextual()) {
            reading.problem(
                at, "is the JSON path of the value in the answer's body, e.g. \"$.id\"");
          } else {
            reading.jsonPath(where.asText(), at);
            outputs.add(new Output(name, where.asText()));
          }
        });
    return outputs;
  }

  /** {@code allowed} and the placeholders of {@code outputs}. */
  static Set<String> plus(Set<String> allowed, List<Output> outputs) {
    if (outputs.isEmpty()) {
      return allowed;
    }
    Set<String> all = new LinkedHashSet<>(allowed);
    outputs.forEach(out -> all.add(PREFIX + out.name()));
    return Set.copyOf(all);
  }

  /**
   * Adds the outputs of {@code action} (read at {@code path}) to {@code visible}, for the stage's
   * later actions; a name declared before in the stage is a problem.
   */
  static void declare(Action action, String path, Set<String> visible, Reading reading) {
    if (action == null) {
      return;
    }
    for (Output out : action.outputs()) {
      if (!visible.add(PREFIX + out.name())) {
        reading.problem(
            path + "." + OUTPUTS.name() + "." + out.name(),
            "an earlier action of this stage declares output " + out.name() + " already");
      }
    }
  }

  /**
   * An output in a request target must come after the start of its path: never in the scheme, the
   * host or the port, nor in the connection's name.
   */
  static void checkTarget(String target, String path, Reading reading) {
    int at = target == null ? -1 : target.indexOf("${" + PREFIX);
    if (at < 0) {
      return;
    }
    int scheme = target.indexOf("://");
    int pathStart = scheme >= 0 ? target.indexOf('/', scheme + 3) : target.indexOf('/');
    if (pathStart < 0 || at < pathStart) {
      reading.problem(
          path,
          "an output never goes into a URL's host or a connection's name (a target's answer is"
              + " untrusted): use it in the path, the query, a header or the body");
    }
  }
}
