package dev.cutover.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Durations;
import dev.cutover.plan.HttpCall;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import okhttp3.Headers;
import okhttp3.HttpUrl;
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
  record Vars(Function<String, String> target, Function<String, String> headers,
      Function<String, String> body) {
    static final Vars NONE = same(Map.of());

    static Vars same(Map<String, String> values) {
      return new Vars(values::get, values::get, values::get);
    }
  }

  /** A request ready to send, and how to name it in messages: as the plan wrote it, no secrets. */
  record Prepared(Request request, String description) {}

  /**
   * Builds the request: the target against {@code connection}'s base URL when relative, the
   * connection's headers then the call's (the call's win), the body, and {@code Idempotency-Key}
   * when {@code idempotencyKey} is non-null.
   *
   * @throws ApplicationFailure {@code InvalidRequest} (non-retryable) for a missing or wrong
   *     connection, an unset variable, or a request HTTP cannot carry
   */
  Prepared prepare(HttpCall call, Connection connection, Vars vars, String idempotencyKey) {
    String description = call.method() + " " + Placeholders.fill(call.target(), vars.target(), null);
    String url;
    Headers.Builder headers = new Headers.Builder();
    if (call.connection().isPresent()) {
      String name = call.connection().get();
      if (connection == null) {
        throw invalid(description + ": no connection named \"" + name + "\"");
      }
      if (connection.kind() != Connection.Kind.HTTP) {
        throw invalid(description + ": connection \"" + name + "\" is "
            + connection.kind().name().toLowerCase() + ", not http");
      }
      String base = secrets.resolve(connection.url());
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
      throw invalid(description + ": not an http(s) URL once filled in");
    }
    try {
      if (connection != null && call.connection().isPresent()) {
        for (Map.Entry<String, String> h : connection.headers().entrySet()) {
          headers.set(h.getKey(), secrets.resolve(h.getValue()));
        }
      }
      for (Map.Entry<String, String> h : call.headers().entrySet()) {
        headers.set(h.getKey(), Placeholders.fill(h.getValue(), vars.headers(), secrets));
      }
      if (idempotencyKey != null) {
        headers.set(IDEMPOTENCY_KEY, idempotencyKey);
      }
    } catch (IllegalArgumentException e) {
      // OkHttp's message may quote the header value; say only that a header is unusable.
      throw invalid(description + ": a header has a name or value HTTP cannot carry");
    }
    String body = Placeholders.fill(call.body(), vars.body(), secrets);
    RequestBody requestBody = null;
    if (body != null) {
      if (call.method().equals("GET") || call.method().equals("HEAD")) {
        throw invalid(description + ": a " + call.method() + " request cannot carry a body");
      }
      String type = headers.get("Content-Type");
      MediaType media = type == null ? JSON_TYPE : MediaType.parse(type);
      requestBody = RequestBody.create(body.getBytes(StandardCharsets.UTF_8), media == null ? JSON_TYPE : media);
    } else if (call.method().equals("POST") || call.method().equals("PUT") || call.method().equals("PATCH")) {
      requestBody = RequestBody.create(new byte[0], null);
    }
    Request request = new Request.Builder().url(httpUrl).headers(headers.build())
        .method(call.method(), requestBody).build();
    return new Prepared(request, description);
  }

  /** A response: its status and body, or {@code truncated} when the body exceeded the limit. */
  record Answer(int status, byte[] body, boolean truncated) {
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

  /**
   * Sends {@code request}; connect, write, read and the whole call are each bounded by {@code
   * timeout}, redirects are not followed, and at most {@link #MAX_BODY_BYTES} of body is read.
   */
  Answer send(Request request, Duration timeout) throws IOException {
    // A derived client shares the connection pool and threads; only the timeouts differ.
    OkHttpClient bounded = client.newBuilder()
        .callTimeout(timeout).connectTimeout(timeout).readTimeout(timeout).writeTimeout(timeout)
        .followRedirects(false).followSslRedirects(false)
        .build();
    try (Response response = bounded.newCall(request).execute()) {
      ResponseBody body = response.body();
      if (body == null) {
        return new Answer(response.code(), new byte[0], false);
      }
      BufferedSource source = body.source();
      if (source.request(MAX_BODY_BYTES + 1L)) {
        return new Answer(response.code(), new byte[0], true);
      }
      return new Answer(response.code(), source.readByteArray(), false);
    }
  }

  /** A short account of why a request got no answer (to be redacted by the caller). */
  static String failure(IOException e, Duration timeout) {
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

  static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_REQUEST);
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
