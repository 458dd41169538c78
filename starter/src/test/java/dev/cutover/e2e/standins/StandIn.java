package dev.cutover.e2e.standins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;

/**
 * A vendor's API on loopback (JDK HttpServer), for the recipes' tests: it refuses what the vendor
 * documents it refuses (wrong method or path, wrong auth header form, wrong content type, missing
 * or bad fields) with the vendor's status, answers in the documented shape, and records every
 * request it accepted or refused, so that a test can say exactly what a cutover sent.
 *
 * <p>It also serves the application's side that a recipe measures: a Prometheus instant query
 * ({@code GET /api/v1/query}, answering {@link #errorRate}) and the application's health ({@code
 * /healthz}, {@code /health}), so that one recipe runs against one stand-in.
 */
public abstract class StandIn implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the stand-in saw it, and the status it answered. */
  public record Request(
      String method, String path, String query, String contentType, String body, int status) {
    /** {@code "METHOD path"} (with {@code ?query} when there is one) and the status. */
    public String line() {
      return method + " " + path + (query == null ? "" : "?" + query) + " -> " + status;
    }
  }

  /** A request the vendor refuses: the status and the vendor's error body. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient JsonNode body;

    Refused(int status, JsonNode body) {
      super(status + " " + body, null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  /** An answer: status and JSON body (null: no body). */
  record Answer(int status, JsonNode body) {
    static Answer ok(JsonNode body) {
      return new Answer(200, body);
    }
  }

  private final HttpServer server;
  private final java.util.concurrent.ExecutorService executor = Executors.newFixedThreadPool(4);
  private final List<Request> requests = new ArrayList<>();
  private volatile double errorRate;

  protected StandIn() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** What the Prometheus stand-in answers for every query from now on. */
  public void errorRate(double value) {
    this.errorRate = value;
  }

  /** Every request so far, oldest first. */
  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The vendor's answer to one request (not a Prometheus query or a health probe). */
  abstract Answer answer(String method, String path, String query, HttpExchange ex, String body)
      throws Refused;

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      String body;
      try (InputStream in = ex.getRequestBody()) {
        body = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
      }
      Answer a;
      if (method.equals("GET") && path.equals("/api/v1/query")) {
        a = Answer.ok(prometheusVector(errorRate));
      } else if (method.equals("GET") && (path.equals("/healthz") || path.equals("/health"))) {
        a =
            Answer.ok(
                JSON.createObjectNode().put("status", "healthy").put("processors_available", true));
      } else {
        synchronized (this) {
          try {
            a = answer(method, path, query, ex, body);
          } catch (Refused r) {
            a = new Answer(r.status, r.body);
          }
          requests.add(
              new Request(
                  method,
                  path,
                  query,
                  ex.getRequestHeaders().getFirst("Content-Type"),
                  body,
                  a.status()));
        }
      }
      byte[] out = a.body() == null ? new byte[0] : JSON.writeValueAsBytes(a.body());
      if (a.body() != null) {
        ex.getResponseHeaders().set("Content-Type", "application/json");
      }
      ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        ex.getResponseBody().write(out);
      }
    }
  }

  private static JsonNode prometheusVector(double value) {
    ObjectNode root = JSON.createObjectNode().put("status", "success");
    ObjectNode data = root.putObject("data").put("resultType", "vector");
    ObjectNode sample = data.putArray("result").addObject();
    sample.putObject("metric");
    sample.putArray("value").add(System.currentTimeMillis() / 1000.0).add(Double.toString(value));
    return root;
  }

  // ---- helpers for the vendors' checks

  static String header(HttpExchange ex, String name) {
    return ex.getRequestHeaders().getFirst(name);
  }

  /** The media type of the request's Content-Type, lower case, without parameters. */
  static String mediaType(HttpExchange ex) {
    String ct = header(ex, "Content-Type");
    return ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  /** The body as JSON, or the vendor's refusal (status 400, {@code error}) when it is not. */
  static JsonNode parse(String body, Refusal refusal) throws Refused {
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw refusal.refuse(400, "the request body is empty");
      }
      return n;
    } catch (IOException e) {
      throw refusal.refuse(400, "the request body is not JSON");
    }
  }

  /** How a vendor words its error bodies. */
  @FunctionalInterface
  interface Refusal {
    Refused refuse(int status, String message);
  }
}
