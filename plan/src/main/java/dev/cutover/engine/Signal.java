package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Set;

/**
 * An operator's message (PLAN.md §3): {@code approve}, {@code abort}, {@code pause}, {@code
 * resume}, {@code promote}, {@code acknowledge}, {@code retry}, {@code abandon}. Every one names who
 * sent it in {@code by}; {@code stage}, {@code check}, {@code comment} and {@code reason} are used
 * where the signal needs them. {@code signature} says whether the worker verified a signature over
 * it, and for whom: the workflow sets it from the worker's approver keyring before the engine sees
 * the signal; the engine never verifies anything itself.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Signal(String name, String by, String reason, String stage, String check, String comment,
    Signature signature) {
  /**
   * The signals that move a cutover on or weaken a guard, and so may be required to be signed:
   * approve, promote (ends a soak), acknowledge (a high breach becomes medium), resume (releases a
   * hold) and retry (starts over after a rollback). abort, pause and abandon only make a cutover
   * safer: they are never refused for want of a signature.
   */
  public static final Set<String> PROMOTING = Set.of("approve", "promote", "acknowledge", "resume", "retry");

  public Signal {
    signature = signature == null ? Signature.UNSIGNED : signature;
  }

  /** An unsigned signal. */
  public Signal(String name, String by, String reason, String stage, String check, String comment) {
    this(name, by, reason, stage, check, comment, Signature.UNSIGNED);
  }

  public static Signal of(String name, String by, String reason) {
    return new Signal(name, by, reason, null, null, null);
  }

  public static Signal approve(String stage, String by, String comment) {
    return new Signal("approve", by, null, stage, null, comment);
  }

  public static Signal acknowledge(String check, String by, String reason) {
    return new Signal("acknowledge", by, reason, null, check, null);
  }

  /** This signal with the worker's verdict on its signature. */
  public Signal withSignature(Signature s) {
    return new Signal(name, by, reason, stage, check, comment, s);
  }

  /** Whether this is one of the {@link #PROMOTING} signals. */
  public boolean promoting() {
    return name != null && PROMOTING.contains(name);
  }

  /**
   * What the worker found when it verified a signal's signature.
   *
   * @param status UNSIGNED (no signature), VERIFIED or INVALID
   * @param signer VERIFIED: the keyring name whose key verified it (the same person as {@code by})
   * @param id VERIFIED: a fingerprint of what was signed; the engine accepts each one once
   * @param signedAt VERIFIED: when it was signed (epoch ms, the signer's clock)
   * @param problem INVALID: why it did not verify (short, nothing secret)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Signature(Status status, String signer, String id, Long signedAt, String problem) {
    public enum Status { UNSIGNED, VERIFIED, INVALID }

    public static final Signature UNSIGNED = new Signature(Status.UNSIGNED, null, null, null, null);

    public Signature {
      status = status == null ? Status.UNSIGNED : status;
    }

    public static Signature verified(String signer, String id, long signedAt) {
      return new Signature(Status.VERIFIED, signer, id, signedAt, null);
    }

    public static Signature invalid(String problem) {
      return new Signature(Status.INVALID, null, null, null, problem);
    }
  }
}
