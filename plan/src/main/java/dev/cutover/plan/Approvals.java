package dev.cutover.plan;

import java.util.List;

/**
 * Who may approve: {@code approvers} (empty: anyone); with {@code fourEyes}, never the starter;
 * with {@code signed}, only with a signature from a key the worker's approver keyring lists for the
 * approver, and the same for every other signal that moves the cutover on (promote, acknowledge,
 * resume, retry). Names are compared as {@link Names#same} does.
 */
public record Approvals(List<String> approvers, boolean fourEyes, boolean signed) {
  public Approvals {
    approvers = List.copyOf(approvers == null ? List.of() : approvers);
  }

  /** Unsigned approvals, as plans without {@code signed} have. */
  public Approvals(List<String> approvers, boolean fourEyes) {
    this(approvers, fourEyes, false);
  }

  public static Approvals anyone() {
    return new Approvals(List.of(), false, false);
  }

  /** Whether {@code name} may approve: anyone when no approvers are listed, else one of them. */
  public boolean mayApprove(String name) {
    return approvers.isEmpty() || approvers.stream().anyMatch(a -> Names.same(a, name));
  }
}
