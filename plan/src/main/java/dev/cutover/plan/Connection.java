package dev.cutover.plan;

import java.util.Map;
import java.util.Objects;

/**
 * A named endpoint. Secrets are {@code ${env:NAME}} references, which only the worker resolves, at
 * the moment of use and only for names its operator allows ({@code CUTOVER_ALLOWED_SECRETS}): the
 * plan, and so workflow history, carries the reference, never the value. Where one may stand:
 *
 * <ul>
 *   <li>{@code url} of a {@link Kind#POSTGRES} connection: nowhere. The JDBC URL is written
 *       literally, with no {@code user:password@} and no credential parameters ({@link JdbcUrls});
 *       the worker refuses a reference in it for every plan, whatever rules it was read by.
 *   <li>{@code url} of an {@link Kind#HTTP} or {@link Kind#PROMETHEUS} connection: only as the
 *       whole URL ({@code ${env:FLAGS_URL}}), never inside one ({@link SecretReferences}). Plans
 *       read by rules older than {@code HARDENED} may hold one inside; the worker then refuses to
 *       send the request.
 *   <li>{@code user}: anywhere in it; {@code password}: exactly one whole reference (a literal
 *       password would be written to history).
 *   <li>{@code headers}: in any value, whole or part.
 * </ul>
 */
public record Connection(
    String name, Kind kind, String url, String user, String password, Map<String, String> headers) {
  public enum Kind {
    POSTGRES,
    PROMETHEUS,
    HTTP
  }

  public Connection {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(url, "url");
    headers =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(headers == null ? Map.of() : headers));
  }
}
