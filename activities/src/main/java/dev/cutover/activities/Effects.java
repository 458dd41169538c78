package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Expect;
import dev.cutover.plan.FlagsApi;
import dev.cutover.plan.HttpCall;
import dev.cutover.plan.JsonPaths;
import dev.cutover.plan.Output;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.plan.Traffic;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.EffectResult;
import dev.cutover.workflows.FailureTypes;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries out one {@link ApplyEffectRequest}: sets traffic (and reads it back), sets flags in order
 * (each read back when the plan says how), or runs an HTTP action. nginx traffic is handed to
 * {@link NginxTraffic} and command actions to {@link Commands}, which document their own contracts.
 *
 * <p>Idempotent by construction: traffic and flags are absolute values, and every request carries
 * {@code Idempotency-Key} (for flags, the step's key plus {@code :<flag>}, so that an API honouring
 * keys never mistakes the second flag of a step for a replay of the first).
 *
 * <p>Failures are {@link EffectException}s typed by {@link FailureTypes}: no answer, a timeout,
 * 5xx, 408 or 429 is {@code Unavailable} (retryable); another 4xx, a redirect that is not followed
 * (traffic and flag APIs never follow them; an action does with {@code followRedirects: true}, at
 * most 5) is {@code ClientError}; an action's unmet {@code expect} is {@code ExpectationFailed}; a
 * read-back that differs is {@code ReadBackMismatch} (retryable); an unusable fragment, an unset
 * variable or a host the worker's {@link HostPolicy} refuses is {@code InvalidRequest}. Messages
 * name the call as the plan wrote it, never a resolved URL or a header; the activity redacts them
 * when it turns them into Temporal's failure. No failure carries a cause (its message would reach
 * history).
 *
 * <p>Thread-safe: stateless apart from the shared {@link HttpCalls}.
 */
final class Effects {
  /** Per request: a flag write or read is quick, and a step's few requests fit in one attempt. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final HttpCalls http;
  private final Duration timeout;
  private final NginxTraffic nginx;
  private final Commands commands;

  /**
   * @param timeout bound on each request (plans give effects no timeout of their own)
   */
  Effects(HttpCalls http, Duration timeout, NginxTraffic nginx, Commands commands) {
    this.http = http;
    this.timeout = timeout;
    this.nginx = nginx;
    this.commands = commands;
  }

  /**
   * Carries out {@code request} and says what was done, e.g. "PUT flags:/api/flags/x -> 200; read
   * back 10".
   *
   * @throws EffectException typed as the class comment says; nothing else but for a bug of ours
   */
  String apply(ApplyEffectRequest request) {
    Step step = request.step();
    if (step == null) {
      throw EffectException.invalid("the request has no step");
    }
    return switch (step.kind()) {
      case TRAFFIC -> traffic(request, step);
      case FLAGS -> flags(request, step);
      case ACTION, UNDO_ACTION, ROLLBACK_ACTION -> action(request);
      case WAIT, DRAIN, BASELINE ->
          throw EffectException.invalid(
              step.kind() + " is carried out by the workflow, not applied");
    };
  }

  private String traffic(ApplyEffectRequest request, Step step) {
    Traffic traffic = present(request.traffic(), "traffic");
    if (step.percent() == null) {
      throw EffectException.invalid("a TRAFFIC step needs a percent");
    }
    if (traffic.nginx() != null) {
      return nginx.apply(traffic.nginx(), step.percent());
    }
    String percent = String.valueOf(step.percent());
    HttpCalls.Vars vars = HttpCalls.Vars.same(Map.of("percent", percent));
    String done = set(traffic.set(), request, vars, request.idempotencyKey());
    if (traffic.get() == null) {
      return done;
    }
    return done
        + "; "
        + readBack(
            traffic.get(),
            traffic.valuePath(),
            HttpCalls.Vars.NONE,
            request,
            request.idempotencyKey(),
            IntNode.valueOf(step.percent()));
  }

  private String flags(ApplyEffectRequest request, Step step) {
    FlagsApi api = present(request.flagsApi(), "flagsApi");
    if (step.flags().isEmpty()) {
      throw EffectException.invalid("a FLAGS step needs at least one flag");
    }
    List<String> done = new ArrayList<>();
    for (Map.Entry<String, JsonNode> flag : step.flags().entrySet()) {
      String name = flag.getKey();
      JsonNode value = flag.getValue();
      // The body is JSON, so a value goes in as JSON text ("x" with its quotes); a URL or a header
      // takes the plain text, encoded for the URL.
      String plain = value.isValueNode() ? value.asText() : value.toString();
      HttpCalls.Vars set =
          new HttpCalls.Vars(
              v -> v.equals("flag") ? encode(name) : v.equals("value") ? encode(plain) : null,
              v -> v.equals("flag") ? name : v.equals("value") ? plain : null,
              v -> v.equals("flag") ? name : v.equals("value") ? value.toString() : null);
      String key = request.idempotencyKey() == null ? null : request.idempotencyKey() + ":" + name;
      String line = set(api.set(), request, set, key);
      if (api.get() != null) {
        HttpCalls.Vars get =
            new HttpCalls.Vars(
                v -> v.equals("flag") ? encode(name) : null,
                v -> v.equals("flag") ? name : null,
                v -> null);
        line += "; " + readBack(api.get(), api.valuePath(), get, request, key, value);
      }
      done.add(line);
    }
    return String.join("; ", done);
  }

  /**
   * As {@link #apply}; for a stage's http action that declares outputs, also the values read from
   * its answer (StepOutputs in docs/plan-format.md): each must be there, short and plain ({@link
   * Output#problem}) and hold no secret; otherwise the step fails as an unmet expectation.
   */
  EffectResult applyWithOutputs(ApplyEffectRequest request) {
    Step step = request.step();
    if (step == null
        || step.kind() != Step.Kind.ACTION
        || !(request.action() instanceof Action.Http a)
        || a.outputs().isEmpty()) {
      return new EffectResult(apply(request), Map.of());
    }
    Sent sent = send(request, a);
    Map<String, String> outputs = new LinkedHashMap<>();
    JsonNode root = sent.answer().json();
    for (Output out : a.outputs()) {
      JsonNode found = root == null ? null : JsonPaths.read(root, out.json());
      String why;
      String value = null;
      if (found == null || found.isMissingNode() || found.isNull()) {
        why = root == null ? "the answer's body is not JSON" : out.json() + " is missing";
      } else if (!found.isTextual() && !found.isNumber()) {
        why = out.json() + " is not a number or text";
      } else {
        value = found.asText();
        why = Output.problem(value);
        if (why == null && !http.secrets().redact(value).equals(value)) {
          why = "holds a secret";
        }
        why = why == null ? null : out.json() + " " + why;
      }
      if (why != null) {
        throw EffectException.expectationFailed(
            sent.p().description()
                + " -> "
                + sent.answer().status()
                + ", but output "
                + out.name()
                + " cannot be kept: "
                + why);
      }
      outputs.put(out.name(), value);
    }
    List<String> shown = new ArrayList<>();
    outputs.forEach((name, value) -> shown.add(name + "=" + value));
    return new EffectResult(
        sent.p().description()
            + " -> "
            + sent.answer().status()
            + "; outputs "
            + String.join(", ", shown),
        outputs);
  }

  private record Sent(HttpCalls.Prepared p, HttpCalls.Answer answer) {}

  private String action(ApplyEffectRequest request) {
    Action action = present(request.action(), "action");
    if (action instanceof Action.Command c) {
      return commands.run(c, request);
    }
    if (!(action instanceof Action.Http a)) {
      throw EffectException.invalid("a wait action is carried out by the workflow, not applied");
    }
    Sent sent = send(request, a);
    return sent.p().description() + " -> " + sent.answer().status();
  }

  /** Sends an http action and holds its answer to the action's expectations. */
  private Sent send(ApplyEffectRequest request, Action.Http a) {
    HttpCall call = a.call();
    boolean usesStage =
        Placeholders.uses(call.target(), "stage")
            || Placeholders.uses(call.body(), "stage")
            || call.headers().values().stream().anyMatch(h -> Placeholders.uses(h, "stage"));
    if (usesStage && request.stage() == null) {
      throw EffectException.invalid(call + ": uses ${stage}, but this step belongs to no stage");
    }
    String stage = request.stage() == null ? "" : request.stage();
    java.util.function.UnaryOperator<String> named =
        v -> v.equals("stage") ? stage : output(request, v);
    requireOutputs(request, call.target(), call.body(), call.headers().values());
    HttpCalls.Vars vars =
        new HttpCalls.Vars(
            v -> named.apply(v) == null ? null : encode(named.apply(v)),
            named::apply,
            named::apply);
    HttpCalls.Prepared p =
        http.prepare(call, connection(request, call), vars, request.idempotencyKey());
    HttpCalls.Answer answer = send(p, a.followRedirects());
    Expect expect = a.expect();
    if (expect != null && expect.status() != null && expect.status() == answer.status()) {
      // The plan expects exactly this status (perhaps a 409 "already done"): not a client error.
    } else {
      classify(p, answer, a.followRedirects());
    }
    if (expect != null) {
      List<String> unmet = new ArrayList<>();
      if (expect.status() != null && expect.status() != answer.status()) {
        unmet.add("status " + answer.status() + ", expected " + expect.status());
      }
      unmet.addAll(HttpSource.unmetJson(answer, expect.json()));
      unmet.addAll(HttpSource.unmetHeaders(answer, expect.headers()));
      if (!unmet.isEmpty()) {
        throw EffectException.expectationFailed(
            p.description() + " did not meet expect: " + String.join("; ", unmet));
      }
    }
    return new Sent(p, answer);
  }

  /** The value of placeholder {@code v} when it is {@code output:NAME}, else null. */
  static String output(ApplyEffectRequest request, String v) {
    return v.startsWith(OUTPUT) ? request.outputs().get(v.substring(OUTPUT.length())) : null;
  }

  /**
   * Every {@code ${output:NAME}} in {@code texts} has a value in the request: never send a
   * placeholder as written (the stage's action that returns it has not run, or returned nothing).
   */
  static void requireOutputs(ApplyEffectRequest request, String... texts) {
    requireOutputs(request, java.util.Arrays.asList(texts));
  }

  static void requireOutputs(
      ApplyEffectRequest request, String target, String body, java.util.Collection<String> more) {
    List<String> all = new ArrayList<>(more);
    all.add(target);
    all.add(body);
    requireOutputs(request, all);
  }

  private static void requireOutputs(ApplyEffectRequest request, List<String> texts) {
    for (String text : texts) {
      if (text == null) {
        continue;
      }
      java.util.regex.Matcher m = PlanSyntax.PLACEHOLDER.matcher(text);
      while (m.find()) {
        String inner = m.group(1);
        if (inner.startsWith(OUTPUT) && output(request, inner) == null) {
          throw EffectException.invalid(
              "uses ${"
                  + inner
                  + "}, but no earlier action of stage "
                  + request.stage()
                  + " returned it");
        }
      }
    }
  }

  private static final String OUTPUT = "output:";

  /** Sends a set request; it must answer 2xx. */
  private String set(HttpCall call, ApplyEffectRequest request, HttpCalls.Vars vars, String key) {
    HttpCalls.Prepared p = http.prepare(call, connection(request, call), vars, key);
    HttpCalls.Answer answer = send(p);
    classify(p, answer);
    return p.description() + " -> " + answer.status();
  }

  /** GETs the value back and compares it with what was just set. */
  private String readBack(
      HttpCall call,
      String valuePath,
      HttpCalls.Vars vars,
      ApplyEffectRequest request,
      String key,
      JsonNode expected) {
    HttpCalls.Prepared p = http.prepare(call, connection(request, call), vars, key);
    HttpCalls.Answer answer = send(p);
    classify(p, answer);
    JsonNode root = answer.json();
    JsonNode actual = JsonPaths.read(root, valuePath);
    if (!JsonPaths.sameValue(actual, expected)) {
      String found =
          answer.truncated()
              ? "a body larger than 1 MiB"
              : root == null
                  ? "a body that is not JSON"
                  : actual.isMissingNode() ? "nothing at " + valuePath : actual.toString();
      throw EffectException.readBackMismatch(
          "read back " + found + " from " + p.description() + ", expected " + expected);
    }
    return "read back " + actual;
  }

  private HttpCalls.Answer send(HttpCalls.Prepared p) {
    return send(p, false);
  }

  private HttpCalls.Answer send(HttpCalls.Prepared p, boolean followRedirects) {
    try {
      return http.send(p.request(), timeout, followRedirects);
    } catch (IOException e) {
      if (HostPolicy.refusedIn(e) != null) {
        // No retry makes a refused host reachable: a person must change the plan or the worker.
        throw EffectException.invalid(p.description() + ": " + HttpCalls.failure(e, timeout));
      }
      if (e instanceof HttpCalls.RedirectRefused) {
        throw EffectException.clientError(p.description() + ": " + e.getMessage());
      }
      throw EffectException.unavailable(p.description() + ": " + HttpCalls.failure(e, timeout));
    }
  }

  /** Throws unless the answer is 2xx. */
  private static void classify(HttpCalls.Prepared p, HttpCalls.Answer answer) {
    classify(p, answer, false);
  }

  /** Throws unless the answer is 2xx; {@code followed}: redirects were being followed. */
  private static void classify(HttpCalls.Prepared p, HttpCalls.Answer answer, boolean followed) {
    int s = answer.status();
    if (answer.ok()) {
      return;
    }
    String snippet = answer.snippet();
    String said = p.description() + " answered " + s + (snippet.isEmpty() ? "" : ": " + snippet);
    if (s >= 500 || s == 408 || s == 429) {
      throw EffectException.unavailable(said);
    }
    if (s >= 300 && s < 400) {
      throw EffectException.clientError(
          p.description()
              + " answered "
              + s
              + (followed
                  ? " without a Location to follow"
                  : " (a redirect; redirects are not followed, so give the final URL)"));
    }
    throw EffectException.clientError(said);
  }

  /**
   * The connection a relative call names, from the request; null for an absolute URL, or when the
   * request lacks it ({@link HttpCalls#prepare} names the missing connection).
   */
  private static Connection connection(ApplyEffectRequest request, HttpCall call) {
    return call.connection().map(name -> request.connections().get(name)).orElse(null);
  }

  private static <T> T present(T piece, String what) {
    if (piece == null) {
      throw EffectException.invalid(what + " is missing from the request");
    }
    return piece;
  }

  /** Percent-encodes everything but unreserved characters, so a value stays one path segment. */
  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
