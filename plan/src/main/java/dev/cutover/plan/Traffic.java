package dev.cutover.plan;

import java.util.Optional;

/**
 * How a stage's percent is applied and read back: through an HTTP API ({@code set} with {@code
 * ${percent}}, {@code get} with a JSON {@code value} path) or by rewriting an nginx {@code
 * split_clients} file ({@link Nginx}). Exactly one of {@code set} and {@code nginx}.
 */
public record Traffic(HttpCall set, HttpCall get, String valuePath, Nginx nginx) {
  public Traffic {
    if ((set == null) == (nginx == null)) {
      throw new IllegalArgumentException("traffic is http (set/get) or nginx, exactly one");
    }
  }

  public Optional<HttpCall> readBack() {
    return Optional.ofNullable(get);
  }

  /**
   * nginx as the traffic switch: the worker writes {@code file} (a {@code split_clients} block
   * setting {@code variable} to {@code newUpstream} for the stage's percent of clients, keyed by
   * {@code key}, else {@code oldUpstream}), checks the configuration with {@code nginx -t}, keeps
   * the previous file if that fails, and reloads. Read-back parses the file.
   */
  public record Nginx(
      String file,
      String variable,
      String key,
      String newUpstream,
      String oldUpstream,
      String config) {}
}
