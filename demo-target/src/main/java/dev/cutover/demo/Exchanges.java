package dev.cutover.demo;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The demo target's HTTP plumbing: a request's method, path, idempotency key and bounded JSON body
 * read; a response sent; client errors answered with 400 and a message.
 */
final class Exchanges {
  static final String JSON = "application/json; charset=utf-8";
  private static final int MAX_BODY_BYTES = 1 << 20;

  private Exchanges() {}

  /** True when the request's method is {@code method}; otherwise answers 405 and returns false. */
  static boolean allow(HttpExchange ex, String method) throws IOException {
    if (ex.getRequestMethod().equals(method)) {
      return true;
    }
    methodNotAllowed(ex, method);
    return false;
  }

  static void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().set("Allow", allowed);
    send(
        ex,
        405,
        JSON,
        error("method " + ex.getRequestMethod() + " not allowed; allowed: " + allowed));
  }

  /** The single path segment after {@code prefix}, or null when there is none. */
  static String nameAfter(String path, String prefix) {
    if (!path.startsWith(prefix)) {
      return null;
    }
    String name = path.substring(prefix.length());
    return name.isEmpty() || name.contains("/") ? null : name;
  }

  static String error(String message) {
    return Json.write(Map.of("error", message));
  }

  static String idempotencyKey(HttpExchange ex) {
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    return key == null || key.isBlank() ? null : key;
  }

  static Map<String, Object> jsonBody(HttpExchange ex) throws IOException, BadRequest {
    String text = new String(readBody(ex), StandardCharsets.UTF_8);
    try {
      return Json.parseObject(text);
    } catch (Json.ParseException e) {
      throw new BadRequest("malformed JSON body: " + e.getMessage());
    }
  }

  static byte[] readBody(HttpExchange ex) throws IOException, BadRequest {
    try (InputStream in = ex.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (out.size() + n > MAX_BODY_BYTES) {
          throw new BadRequest("body larger than " + MAX_BODY_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    }
  }

  static void send(HttpExchange ex, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A client error, answered with 400 and the message. */
  static final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message);
    }
  }
}
