package dev.cutover.cli;

/** A cutover is named by its workflow id ({@code cutover-shop}) or its plan name ({@code shop}). */
final class Ids {
  private Ids() {}

  static String workflowId(String idOrName) {
    return idOrName.startsWith("cutover-") ? idOrName : "cutover-" + idOrName;
  }
}
