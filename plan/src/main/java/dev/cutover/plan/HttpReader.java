package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads HTTP requests (of checks, actions, traffic and the flag service) with their headers, bodies
 * and expectations, and the {@code traffic} (an HTTP API or nginx) and {@code flagsApi} sections.
 */
final class HttpReader {
  static final Field<String> HTTP = Type.TEXT.field("http");
  static final Field<Map<String, JsonNode>> HEADERS = Type.MAP.field("headers");
  static final Field<String> BODY = Type.TEXT.field("body");
  static final Field<Boolean> FOLLOW_REDIRECTS = Type.BOOLEAN.field("followRedirects");

  /** A JSON path to the value a response is judged or read back by. */
  static final Field<String> VALUE = Type.TEXT.field("value");

  private static final Field<Integer> STATUS = Type.INTEGER.field("status");
  private static final Field<Map<String, JsonNode>> JSON = Type.MAP.field("json");
  private static final Field<Map<String, JsonNode>> EXPECT_HEADERS = Type.MAP.field("headers");
  static final Field<Obj> EXPECT = Field.object("expect", Section.of(STATUS, JSON, EXPECT_HEADERS));

  private static final Field<Obj> SET = Field.object("set", Section.of(HTTP, HEADERS, BODY));
  private static final Field<Obj> GET = Field.object("get", Section.of(HTTP, HEADERS, VALUE));

  private static final Field<String> FILE = Type.TEXT.field("file");
  private static final Field<String> VARIABLE = Type.TEXT.field("variable");
  private static final Field<String> KEY = Type.TEXT.field("key");
  private static final Field<String> NEW = Type.TEXT.field("new");
  private static final Field<String> OLD = Type.TEXT.field("old");
  private static final Field<String> CONFIG = Type.TEXT.field("config");
  private static final Field<Obj> NGINX =
      Field.object("nginx", Section.of(FILE, VARIABLE, KEY, NEW, OLD, CONFIG));

  private static final Section NGINX_TRAFFIC = Section.of(NGINX);
  private static final Section HTTP_TRAFFIC = Section.of(SET, GET, NGINX);
  private static final Section FLAGS_API = Section.of(SET, GET);

  private final Reading reading;

  HttpReader(Reading reading) {
    this.reading = reading;
  }

  /**
   * A request read back by {@code get}: the call and the JSON path of the value in its response.
   */
  private record ReadBack(HttpCall call, String value) {}

  Traffic traffic(Obj o) {
    if (!o.valid()) {
      return null;
    }
    if (o.has(NGINX)) {
      o.allow(NGINX_TRAFFIC);
      Traffic.Nginx nginx = nginx(o.get(NGINX));
      o.done();
      return nginx == null ? null : new Traffic(null, null, null, nginx);
    }
    o.allow(HTTP_TRAFFIC);
    HttpCall set = null;
    if (!o.has(SET)) {
      o.problem("", "traffic needs set (and optionally get) for an HTTP API, or nginx");
    } else {
      Obj s = o.get(SET);
      set = call(s, Set.of("env", "percent"));
      mustUse(s, set, "traffic", "${percent}", "the body or the URL");
      s.done();
    }
    ReadBack get = readBack(o, Set.of("env"));
    o.done();
    return set == null ? null : new Traffic(set, get.call(), get.value(), null);
  }

  FlagsApi flagsApi(Obj o) {
    if (!o.valid()) {
      return null;
    }
    o.allow(FLAGS_API);
    HttpCall set = null;
    if (!o.has(SET)) {
      o.require(SET);
    } else {
      Obj s = o.get(SET);
      set = call(s, Set.of("env", "flag", "value"));
      mustUse(s, set, "flagsApi", "${flag}", "the URL or the body");
      mustUse(s, set, "flagsApi", "${value}", "the body or the URL");
      s.done();
    }
    ReadBack get = readBack(o, Set.of("env", "flag"));
    o.done();
    return set == null ? null : new FlagsApi(set, get.call(), get.value());
  }

  /** A {@code set} request must use {@code placeholder} in its URL or body. */
  private void mustUse(Obj s, HttpCall set, String section, String placeholder, String where) {
    if (set != null && !(set.target() + " " + set.body()).contains(placeholder)) {
      s.problem(HTTP, section + ".set never uses " + placeholder + "; put it in " + where);
    }
  }

  /**
   * The optional {@code get} of traffic or flagsApi: a request, and where its response holds the
   * value.
   */
  private ReadBack readBack(Obj o, Set<String> allowed) {
    if (!o.has(GET)) {
      return new ReadBack(null, null);
    }
    Obj g = o.get(GET);
    HttpCall get = call(g, allowed);
    String value = g.get(VALUE);
    if (value == null) {
      g.require(VALUE);
    } else {
      reading.jsonPath(value, g.path(VALUE));
    }
    g.done();
    return new ReadBack(get, value);
  }

  private Traffic.Nginx nginx(Obj o) {
    if (!o.valid()) {
      return null;
    }
    String file = o.get(FILE);
    if (file == null) {
      o.require(FILE);
    } else if (!file.startsWith("/") || file.contains("..") || !file.endsWith(".conf")) {
      o.problem(
          FILE, "an absolute path to a .conf file (no ..), e.g. /etc/nginx/cutover/split.conf");
    } else if (reading.hardened && PlanSyntax.nginxFileProblem(file) != null) {
      o.problem(FILE, PlanSyntax.nginxFileProblem(file));
    }
    // The worker checks the same rules (PlanSyntax) before it writes the file.
    String variable = o.get(VARIABLE);
    if (variable == null) {
      variable = "$cutover_upstream";
    } else if (PlanSyntax.nginxVariableProblem(variable) != null) {
      o.problem(VARIABLE, PlanSyntax.nginxVariableProblem(variable));
    }
    String key = o.get(KEY);
    if (key == null) {
      key = "${remote_addr}${http_user_agent}";
    } else if (!key.startsWith("$")) {
      o.problem(
          KEY,
          "what splits clients, built from nginx variables, e.g. $remote_addr or ${cookie_session}");
    } else if (reading.hardened && PlanSyntax.nginxKeyProblem(key) != null) {
      o.problem(KEY, "\"" + key + "\" is not " + PlanSyntax.nginxKeyProblem(key));
    }
    String newUp = o.get(NEW);
    String oldUp = o.get(OLD);
    upstream(o, NEW, newUp);
    upstream(o, OLD, oldUp);
    String config = o.get(CONFIG);
    if (config != null && !config.startsWith("/")) {
      o.problem(CONFIG, "an absolute path to nginx's main configuration file");
    }
    o.done();
    if (file == null || newUp == null || oldUp == null) {
      return null;
    }
    return new Traffic.Nginx(file, variable, key, newUp, oldUp, config);
  }

  private static void upstream(Obj o, Field<String> field, String name) {
    if (name == null) {
      o.require(field);
    } else if (PlanSyntax.nginxUpstreamProblem(name) != null) {
      o.problem(field, "\"" + name + "\" is not an upstream name");
    }
  }

  /**
   * The request of an object with {@code http}, {@code headers} and {@code body} (and maybe other
   * fields).
   */
  HttpCall call(Obj o, Set<String> allowed) {
    HttpCall call = requestLine(o, allowed);
    Map<String, String> headers = headers(o, allowed);
    String body = o.get(BODY);
    if (body != null) {
      reading.placeholders(body, o.path(BODY), allowed);
    }
    if (reading.hardened && call != null && PlanSyntax.bodyProblem(call.method(), body) != null) {
      o.problem(BODY, PlanSyntax.bodyProblem(call.method(), body));
    }
    return call == null ? null : call.withHeadersAndBody(headers, body);
  }

  private HttpCall requestLine(Obj o, Set<String> allowed) {
    String line = o.get(HTTP);
    if (line == null) {
      if (!o.has(HTTP)) {
        o.require(HTTP);
      }
      return null;
    }
    String path = o.path(HTTP);
    Optional<HttpCall> call = HttpCall.parse(line);
    if (call.isEmpty()) {
      reading.problem(
          path,
          "\""
              + line
              + "\" is not a request such as \"GET https://host/path\" or \"PUT flags:/api/x\"");
      return null;
    }
    HttpCall c = call.get();
    if (c.connection().isEmpty()
        && !c.target().startsWith("http://")
        && !c.target().startsWith("https://")
        && !SecretReferences.isWhole(c.target())) { // a whole URL from the worker (a deploy hook)
      reading.problem(
          path, "\"" + c.target() + "\" is neither an http(s) URL nor connection:/path");
    } else if (reading.hardened
        && c.connection().isEmpty()
        && !SecretReferences.isWhole(c.target())
        && PlanSyntax.httpUrlProblem(c.target()) != null) {
      // Not quoted: a URL may carry a credential, and a problem can end up in workflow history.
      reading.problem(path, PlanSyntax.httpUrlProblem(c.target()));
    }
    reading.placeholders(c.target(), path, allowed);
    return c;
  }

  /** The {@code headers} of a connection or a request. */
  Map<String, String> headers(Obj o, Set<String> allowed) {
    Map<String, String> out = new LinkedHashMap<>();
    o.get(HEADERS)
        .forEach(
            (k, v) -> {
              String p = o.path(HEADERS) + "." + k;
              if (!v.isValueNode() || v.isNull()) {
                reading.problem(p, "a header value is text");
                return;
              }
              String value = v.asText();
              if (reading.hardened && PlanSyntax.headerNameProblem(k) != null) {
                reading.problem(p, PlanSyntax.headerNameProblem(k));
              } else if (reading.hardened && PlanSyntax.headerValueProblem(value) != null) {
                reading.problem(p, PlanSyntax.headerValueProblem(value));
              }
              reading.placeholders(value, p, allowed);
              if (k.equalsIgnoreCase("authorization")
                  && !PlanSyntax.PLACEHOLDER.matcher(value).find()) {
                reading.problem(
                    p,
                    "put credentials in ${env:NAME}: a literal Authorization header would be written to workflow history");
              }
              out.put(k, value);
            });
    return out;
  }

  /** The {@code expect} of an http check or action, if it has one. */
  Expect expect(Obj parent) {
    if (!parent.has(EXPECT)) {
      return null;
    }
    Obj o = parent.get(EXPECT);
    if (!o.valid()) {
      return null;
    }
    Integer status = o.get(STATUS);
    if (status != null && (status < 100 || status > 599)) {
      o.problem(STATUS, status + " is not an HTTP status");
    }
    Map<String, JsonNode> json = new LinkedHashMap<>();
    o.get(JSON)
        .forEach(
            (k, v) -> {
              // Any JSON value: a filter or wildcard yields a list ([] for "none matched").
              reading.jsonPath(k, o.path(JSON) + "." + k);
              json.put(k, v);
            });
    Map<String, HeaderExpect> headers = new LinkedHashMap<>();
    o.get(EXPECT_HEADERS)
        .forEach(
            (k, v) -> {
              String p = o.path(EXPECT_HEADERS) + "." + k;
              Optional<HeaderExpect> h =
                  v.isTextual() ? HeaderExpect.parse(v.asText()) : Optional.empty();
              if (PlanSyntax.headerNameProblem(k) != null) {
                reading.problem(p, PlanSyntax.headerNameProblem(k));
              } else if (h.isEmpty()) {
                reading.problem(
                    p,
                    "a header expectation is present, absent, \"= value\" or \"contains value\"");
              } else {
                headers.put(k, h.get());
              }
            });
    o.done();
    return new Expect(status, json, headers);
  }
}
