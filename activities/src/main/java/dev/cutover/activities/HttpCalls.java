package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Durations;
import dev.cutover.plan.HttpCall;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.plan.SecretReferences;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Turns an {@link HttpCall} as the plan wrote it into a request, and sends it with a bounded
 * timeout and a bounded body. Shared by the HTTP check source, the effects and (for sending) the
 * notifier, so every HTTP request the worker makes is built and bounded the same way.
 *
 * <p>Thread-safe: it holds only the shared client and the shared {@link Secrets}.
 */
final class HttpCalls {
  /** The most of a response body ever read: a gate reads one value, not a download. */
  static final int MAX_BODY_BYTES = 1 << 20;

  /** Redirects followed at most, for a call whose plan says {@code followRedirects: true}. */
  static final int MAX_REDIRECTS = 5;

  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");

  private final OkHttpClient client;
  private final Secrets secrets;

  HttpCalls(OkHttpClient client, Secrets secrets) {
    this.client = Objects.requireNonNull(client, "client");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
  }

  Secrets secrets() {
    return secrets;
  }

  /** Values for non-secret placeholders, per part of the request (a URL needs them encoded). */
  record Vars(
      Function<String, String> target,
      Function<String, String> headers,
      Function<String, String> body) {
    static final Vars NONE = same(Map.of());

    static Vars same(Map<String, String> values) {
      return new Vars(values::get, values::get, values::get);
    }
  }

  /** A request ready to send, and how to name it in messages: as the plan wrote it, no secrets. */
  record Prepared(Request request, String description) {}

  /**
   * The {@code ${env:...}} names a request carries (its tag), and whether its body holds one: what
   * {@link #destinations} checks against the hosts each may go to, on the connection itself.
   */
  record Carried(Set<String> names, boolean inBody) {
    static final Carried NONE = new Carried(Set.of(), false);

    Carried {
      names = Set.copyOf(names);
    }

    static Carried of(boolean inBody, String... written) {
      Set<String> names = new LinkedHashSet<>();
      for (String w : written) {
        names.addAll(SecretReferences.names(w));
      }
      return new Carried(names, inBody);
    }
  }

  /**
   * {@code written} (a URL as the plan or the worker's operator wrote it) resolved; a reference
   * inside it, rather than the whole of it, is refused: a secret never goes into a URL.
   *
   * @throws EffectException {@code InvalidRequest} (non-retryable), prefixed with {@code what}
   */
  static String resolveUrl(Secrets secrets, String written, String what) {
    String why = SecretReferences.inUrl(written);
    if (why != null) {
      throw EffectException.invalid(what + ": " + why);
    }
    return secrets.resolve(written);
  }

  /**
   * Every HTTP request of {@code plan} this worker would refuse, judged at start and without DNS,
   * each at its plan path: a reference inside a URL, a host {@code policy} refuses as written (an
   * IP literal in a forbidden range in any spelling, a name not in a set list), and a secret bound
   * to hosts ({@link Secrets}) that the request would send elsewhere. What only DNS or the
   * connection can tell is left to the run-time checks, which apply the same rules.
   */
  static List<String> refusals(Plan plan, HostPolicy policy, Secrets secrets) {
    return refusals(plan, policy, secrets, PagerDutyEvents.ENDPOINT);
  }

  /** As above, PagerDuty events going to {@code pagerDuty} ({@code CUTOVER_PAGERDUTY_URL}). */
  static List<String> refusals(Plan plan, HostPolicy policy, Secrets secrets, String pagerDuty) {
    List<String> out = new ArrayList<>();
    plan.connections()
        .forEach(
            (name, c) -> {
              if (c.kind()
                  != Connection.Kind.POSTGRES) { // a database's host is the SQL source's to judge
                String path =
                    "connections."
                        + name
                        + "."
                        + c.kind().name().toLowerCase(java.util.Locale.ROOT);
                url(out, path, c.url(), policy);
                List<String> written = new ArrayList<>(c.headers().values());
                written.add(c.url());
                bound(
                    out,
                    path,
                    Carried.of(false, written.toArray(String[]::new)),
                    PlanSites.host(c.url()),
                    secrets);
              }
            });
    for (PlanSites.Request r : PlanSites.requests(plan)) {
      HttpCall call = r.call();
      if (call.connection().isEmpty()) {
        url(out, r.path(), call.target(), policy);
      } else {
        String inUrl = SecretReferences.inUrl(call.target());
        if (inUrl != null) {
          out.add(r.path() + ": " + inUrl);
        }
      }
      List<String> written = new ArrayList<>(call.headers().values());
      written.add(call.target());
      written.add(call.body() == null ? "" : call.body());
      bound(
          out,
          r.path(),
          Carried.of(false, written.toArray(String[]::new)),
          PlanSites.host(r),
          secrets);
    }
    if (plan.notifications() != null) {
      String webhook = plan.notifications().webhook();
      if (webhook != null) {
        url(out, "notify.webhook", webhook, policy);
        bound(out, "notify.webhook", Carried.of(false, webhook), PlanSites.host(webhook), secrets);
      }
      for (dev.cutover.plan.Notify.Channel c : plan.notifications().channels()) {
        // A routing key goes to the PagerDuty endpoint the worker's operator chose: its host is
        // checked, and the key must be allowed to go there.
        String target =
            c.type() == dev.cutover.plan.Notify.ChannelType.PAGERDUTY ? pagerDuty : c.target();
        url(out, c.path(), target, policy);
        bound(out, c.path(), Carried.of(false, c.target()), PlanSites.host(target), secrets);
      }
    }
    return out;
  }

  private static void url(List<String> out, String path, String url, HostPolicy policy) {
    String inUrl = SecretReferences.inUrl(url);
    if (inUrl != null) {
      out.add(path + ": " + inUrl);
    }
    String host = PlanSites.host(url);
    String why = host == null ? null : policy.refusalWithoutDns(host);
    if (why != null) {
      out.add(path + ": " + why);
    }
  }

  private static void bound(
      List<String> out, String path, Carried carried, String host, Secrets secrets) {
    String why = host == null ? null : secrets.destinationRefusal(carried.names(), host, null);
    if (why != null) {
      out.add(path + ": " + why);
    }
  }

  /**
   * A network interceptor: before a request is written to its connection, each secret it carries
   * ({@link Carried}) must be allowed to go to that host and address ({@link
   * Secrets#destinationRefusal}); else it fails with {@link HostPolicy.Refused} and nothing is
   * sent.
   */
  static Interceptor destinations(Secrets secrets) {
    return chain -> {
      Request r = chain.request();
      Carried carried = r.tag(Carried.class);
      if (carried != null && !carried.names().isEmpty()) {
        InetAddress address =
            chain.connection() == null
                ? null
                : chain.connection().route().socketAddress().getAddress();
        String why = secrets.destinationRefusal(carried.names(), r.url().host(), address);
        if (why != null) {
          throw new HostPolicy.Refused(why);
        }
      }
      return chain.proceed(r);
    };
  }

  /**
   * Builds the request: the target against {@code connection}'s base URL when relative, the
   * connection's headers then the call's (the call's win), the body, and {@code Idempotency-Key}
   * when {@code idempotencyKey} is non-null.
   *
   * @throws EffectException {@code InvalidRequest} (non-retryable) for a missing or wrong
   *     connection, an unset variable, or a request HTTP cannot carry
   */
  Prepared prepare(HttpCall call, Connection connection, Vars vars, String idempotencyKey) {
    String description =
        call.method() + " " + Placeholders.fill(call.target(), vars.target(), null);
    // A secret never goes into a URL, whatever rules the plan was read by (its reader may predate
    // them).
    String inUrl = SecretReferences.inUrl(call.target());
    if (inUrl != null) {
      throw EffectException.invalid(description + ": " + inUrl);
    }
    String url;
    Headers.Builder headers = new Headers.Builder();
    if (call.connection().isPresent()) {
      String name = call.connection().get();
      if (connection == null) {
        throw EffectException.invalid(description + ": no connection named \"" + name + "\"");
      }
      if (connection.kind() != Connection.Kind.HTTP) {
        throw EffectException.invalid(
            description
                + ": connection \""
                + name
                + "\" is "
                + connection.kind().name().toLowerCase(Locale.ROOT)
                + ", not http");
      }
      String base = resolveUrl(secrets, connection.url(), description + ": connections." + name);
      while (base.endsWith("/")) {
        base = base.substring(0, base.length() - 1);
      }
      url = base + Placeholders.fill(call.path(), vars.target(), secrets);
    } else {
      url = Placeholders.fill(call.target(), vars.target(), secrets);
    }
    HttpUrl httpUrl = HttpUrl.parse(url);
    if (httpUrl == null) {
      // Never the resolved URL: it may hold a secret.
      throw EffectException.invalid(description + ": not an http(s) URL once filled in");
    }
    try {
      if (connection != null && call.connection().isPresent()) {
        for (Map.Entry<String, String> h : connection.headers().entrySet()) {
          headers.set(h.getKey(), carried(secrets.resolve(h.getValue()), h.getKey()));
        }
      }
      for (Map.Entry<String, String> h : call.headers().entrySet()) {
        headers.set(
            h.getKey(),
            carried(Placeholders.fill(h.getValue(), vars.headers(), secrets), h.getKey()));
      }
      if (idempotencyKey != null) {
        headers.set(IDEMPOTENCY_KEY, idempotencyKey);
      }
    } catch (IllegalArgumentException e) {
      // OkHttp's message may quote the header value; say only that a header is unusable.
      throw EffectException.invalid(
          description + ": a header has a name or value HTTP cannot carry");
    }
    String body = Placeholders.fill(call.body(), vars.body(), secrets);
    RequestBody requestBody = null;
    if (PlanSyntax.bodyProblem(call.method(), body) != null) {
      throw EffectException.invalid(
          description + ": " + PlanSyntax.bodyProblem(call.method(), body));
    }
    if (body != null) {
      String type = headers.get("Content-Type");
      MediaType media = type == null ? JSON_TYPE : MediaType.parse(type);
      requestBody =
          RequestBody.create(
              body.getBytes(StandardCharsets.UTF_8), media == null ? JSON_TYPE : media);
    } else if (call.method().equals("POST")
        || call.method().equals("PUT")
        || call.method().equals("PATCH")) {
      requestBody = RequestBody.create(new byte[0], null);
    }
    List<String> written =
        new ArrayList<>(List.of(call.target(), call.body() == null ? "" : call.body()));
    written.addAll(call.headers().values());
    if (connection != null && call.connection().isPresent()) {
      written.add(connection.url());
      written.addAll(connection.headers().values());
    }
    Carried carried =
        Carried.of(!SecretReferences.names(call.body()).isEmpty(), written.toArray(String[]::new));
    Request request =
        new Request.Builder()
            .url(httpUrl)
            .headers(headers.build())
            .method(call.method(), requestBody)
            .tag(Carried.class, carried)
            .build();
    return new Prepared(request, description);
  }

  /**
   * {@code value}, if a header named {@code name} can carry it; by the plan reader's rules ({@link
   * PlanSyntax}), which are the HTTP client's own.
   *
   * @throws IllegalArgumentException when it cannot (the caller says so without quoting it)
   */
  static String carried(String value, String name) {
    if (PlanSyntax.headerNameProblem(name) != null
        || PlanSyntax.headerValueProblem(value) != null) {
      throw new IllegalArgumentException("unusable header");
    }
    return value;
  }

  /** A response: its status and body, or {@code truncated} when the body exceeded the limit. */
  // Read once by the caller that sent the request; never compared, hashed or kept.
  @SuppressWarnings("ArrayRecordComponent")
  record Answer(int status, byte[] body, boolean truncated, Map<String, List<String>> headers) {
    Answer {
      headers = headers == null ? Map.of() : headers;
    }

    Answer(int status, byte[] body, boolean truncated) {
      this(status, body, truncated, Map.of());
    }

    /** The values of header {@code name} (any case), in the order sent; empty when not sent. */
    List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of());
    }

    /** The body as JSON, or null when it is not JSON (or was too large to read). */
    JsonNode json() {
      if (truncated || body.length == 0) {
        return null;
      }
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }

    /** The start of the body, on one line, for an error message (to be redacted by the caller). */
    String snippet() {
      if (truncated) {
        return "(body larger than 1 MiB)";
      }
      String text = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
      return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** As {@link #send(Request, Duration, boolean)}, not following redirects. */
  Answer send(Request request, Duration timeout) throws IOException {
    return send(request, timeout, false);
  }

  /**
   * Sends {@code request}; connect, write, read and the whole exchange (every hop of it) are
   * bounded by {@code timeout}, and at most {@link #MAX_BODY_BYTES} of body is read.
   *
   * <p>Redirects are followed only when {@code followRedirects} says so, and then at most {@value
   * #MAX_REDIRECTS}, never from https to http; each hop's host is checked by the worker's {@link
   * HostPolicy} like the first. A 303 (and a 301 or 302 of a method other than GET or HEAD) is
   * followed with a GET without body, as browsers and OkHttp do; 307 and 308 keep the method and
   * body. A hop to another origin drops {@code Authorization}, {@code Cookie} and every header
   * carrying a value resolved from {@code ${env:...}}, and is not followed when it would resend a
   * body holding one, so a credential meant for one host is never sent to another.
   *
   * @throws RedirectRefused a redirect that cannot be followed (too many, a downgrade to http, a
   *     Location that is not an http(s) URL, a secret-bearing body to another origin)
   * @throws HostPolicy.Refused a host the policy does not allow (possibly as the cause or a
   *     suppressed exception: see {@link HostPolicy#refusedIn})
   */
  Answer send(Request request, Duration timeout, boolean followRedirects) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Request current = request;
    for (int hop = 0; ; hop++) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis < 1) {
        throw new InterruptedIOException("timeout");
      }
      Duration left = Duration.ofMillis(leftMillis);
      // A derived client shares the connection pool, threads and host policy; only the timeouts
      // differ.
      OkHttpClient bounded =
          client
              .newBuilder()
              .callTimeout(left)
              .connectTimeout(left)
              .readTimeout(left)
              .writeTimeout(left)
              .followRedirects(false)
              .followSslRedirects(false)
              .build();
      try (Response response = bounded.newCall(current).execute()) {
        String location = response.header("Location");
        if (followRedirects && isRedirect(response.code()) && location != null) {
          if (hop == MAX_REDIRECTS) {
            throw new RedirectRefused(
                "more than " + MAX_REDIRECTS + " redirects; give the final URL");
          }
          current = followUp(current, response.code(), location);
          continue;
        }
        ResponseBody body = response.body();
        // okhttp's multimap has lower-case names.
        Map<String, List<String>> headers = response.headers().toMultimap();
        if (body == null) {
          return new Answer(response.code(), new byte[0], false, headers);
        }
        BufferedSource source = body.source();
        if (source.request(MAX_BODY_BYTES + 1L)) {
          return new Answer(response.code(), new byte[0], true, headers);
        }
        return new Answer(response.code(), source.readByteArray(), false, headers);
      }
    }
  }

  /** A redirect the worker does not follow; its message says why (never the target URL). */
  static final class RedirectRefused extends IOException {
    RedirectRefused(String message) {
      super(message);
    }
  }

  static boolean isRedirect(int status) {
    return status == 300
        || status == 301
        || status == 302
        || status == 303
        || status == 307
        || status == 308;
  }

  private Request followUp(Request from, int status, String location) throws RedirectRefused {
    HttpUrl to = from.url().resolve(location);
    if (to == null) {
      throw new RedirectRefused("redirect " + status + " to a Location that is not an http(s) URL");
    }
    if (from.url().isHttps() && !to.isHttps()) {
      throw new RedirectRefused("redirect " + status + " from https to http; not followed");
    }
    Request.Builder next = from.newBuilder().url(to);
    String method = from.method();
    boolean keepsMethod =
        method.equals("GET") || method.equals("HEAD") || status == 307 || status == 308;
    if (!keepsMethod) {
      next.method("GET", null)
          .removeHeader("Content-Type")
          .removeHeader("Content-Length")
          .removeHeader("Transfer-Encoding");
    }
    boolean sameOrigin =
        to.scheme().equals(from.url().scheme())
            && to.host().equals(from.url().host())
            && to.port() == from.url().port();
    if (!sameOrigin) {
      Carried carried = from.tag(Carried.class);
      if (keepsMethod && from.body() != null && carried != null && carried.inBody()) {
        throw new RedirectRefused(
            "redirect "
                + status
                + " to another origin would send the body, which holds an"
                + " ${env:...} value, there too; not followed");
      }
      // What still goes: no credential header and no body holding a secret.
      next.tag(Carried.class, Carried.NONE);
      for (String name : from.headers().names()) {
        boolean credential =
            name.equalsIgnoreCase("Authorization")
                || name.equalsIgnoreCase("Cookie")
                || name.equalsIgnoreCase("Proxy-Authorization");
        boolean secret = from.headers(name).stream().anyMatch(v -> !secrets.redact(v).equals(v));
        if (credential || secret) {
          next.removeHeader(name);
        }
      }
    }
    return next.build();
  }

  /** A short account of why a request got no answer (to be redacted by the caller). */
  static String failure(IOException e, Duration timeout) {
    HostPolicy.Refused refused = HostPolicy.refusedIn(e);
    if (refused != null) {
      return refused.getMessage();
    }
    if (e instanceof RedirectRefused) {
      return e.getMessage();
    }
    if (e instanceof InterruptedIOException) {
      return "no answer within " + Durations.format(timeout);
    }
    return e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).strip();
    return line.length() <= 300 ? line : line.substring(0, 300) + "...";
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
