package dev.cutover.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The signals an operator can send (docs/plan-format.md, "The workflow contract"), each under its
 * name in lower case ({@link #wire}): the workflow's signal and update names, the CLI's subcommands
 * and {@link Signal#name}. A name not listed here is rejected, with this list.
 */
public enum SignalName {
  APPROVE(true),
  ABORT(false),
  PAUSE(false),
  RESUME(true),
  PROMOTE(true),
  ACKNOWLEDGE(true),
  RETRY(true),
  ABANDON(false),
  CONFIRM(true);

  private final boolean promoting;

  SignalName(boolean promoting) {
    this.promoting = promoting;
  }

  /** The name the signal arrives under, e.g. {@code approve}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether it moves a cutover on or weakens a guard, and so may be required to be signed: approve,
   * promote (ends a soak), acknowledge (a high breach becomes medium), resume (releases a hold) and
   * retry (starts over after a rollback), confirm (a checklist task a stage waits for). abort,
   * pause and abandon only make a cutover safer: they are never refused for want of a signature.
   */
  public boolean promoting() {
    return promoting;
  }

  /** The signal named {@code wire} exactly; empty for any other name. */
  public static Optional<SignalName> of(String wire) {
    return Arrays.stream(values()).filter(n -> n.wire().equals(wire)).findFirst();
  }

  /** Every name, in this order, as a rejection lists them. */
  static String all() {
    return Arrays.stream(values()).map(SignalName::wire).collect(Collectors.joining(", "));
  }
}
