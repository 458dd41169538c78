package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
/**
 * An operator's message (PLAN.md §3): {@code approve}, {@code abort}, {@code pause}, {@code
 * resume}, {@code promote}, {@code acknowledge}, {@code retry}, {@code abandon}. Every one names who
 * sent it in {@code by}; {@code stage}, {@code check}, {@code comment} and {@code reason} are used
 * where the signal needs them.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Signal(String name, String by, String reason, String stage, String check, String comment) {
  public static Signal of(String name, String by, String reason) {
    return new Signal(name, by, reason, null, null, null);
  }

  public static Signal approve(String stage, String by, String comment) {
    return new Signal("approve", by, null, stage, null, comment);
  }

  public static Signal acknowledge(String check, String by, String reason) {
    return new Signal("acknowledge", by, reason, null, check, null);
  }
}
