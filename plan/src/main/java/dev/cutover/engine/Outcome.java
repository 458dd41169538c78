package dev.cutover.engine;

/** The outcome of one measurement. Only PASS counts as passing; NO_DATA and ERROR never do. */
public enum Outcome {
  PASS,
  FAIL,
  NO_DATA,
  ERROR;

  /** PASS or FAIL: the measurement said something about the system, not about the source. */
  public boolean conclusive() {
    return this == PASS || this == FAIL;
  }
}
