package dev.cutover.workflows;

import java.util.List;

/**
 * The worker's answer to an {@link AdmitRequest}: every reason its configuration refuses the plan
 * (empty when admitted), each naming the plan path and the worker setting involved, never a secret
 * value; and whether this worker requires approvals and other promoting signals to be signed.
 */
public record Admission(List<String> refusals, boolean signaturesRequired) {
  public Admission {
    refusals = List.copyOf(refusals);
  }

  public boolean admitted() {
    return refusals.isEmpty();
  }
}
