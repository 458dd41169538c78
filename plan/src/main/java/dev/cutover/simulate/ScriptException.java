package dev.cutover.simulate;

import java.util.List;

/** A simulation script that cannot be read: every problem, each as {@code file:line: message}. */
public final class ScriptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // an immutable List.copyOf; never serialized in practice
  private final List<String> problems;

  public ScriptException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
