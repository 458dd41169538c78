package dev.cutover.plan;

import java.util.List;
import java.util.stream.Collectors;

/** A plan that cannot be used, with every problem found (not only the first). */
public final class PlanException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<Problem> problems;

  public PlanException(List<Problem> problems) {
    super(
        problems.size()
            + " problem"
            + (problems.size() == 1 ? "" : "s")
            + " in plan:\n"
            + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
