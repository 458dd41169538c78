package dev.cutover.plan;

import java.util.List;

/** Who may approve: {@code approvers} (empty: anyone); with {@code fourEyes}, never the starter. */
public record Approvals(List<String> approvers, boolean fourEyes) {
  public Approvals {
    approvers = List.copyOf(approvers == null ? List.of() : approvers);
  }

  public static Approvals anyone() {
    return new Approvals(List.of(), false);
  }
}
