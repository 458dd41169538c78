package dev.cutover.plan;

import java.util.Objects;

/** One thing wrong with a plan, at a path such as {@code stages[1].gates[0].check}. */
public record Problem(String path, String message) {
  public Problem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
