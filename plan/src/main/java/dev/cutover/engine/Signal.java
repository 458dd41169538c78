package dev.cutover.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An operator's message (docs/plan-format.md, "The workflow contract"), named by one of {@link
 * SignalName}: {@code approve}, {@code abort}, {@code pause}, {@code resume}, {@code promote},
 * {@code acknowledge}, {@code retry}, {@code abandon}, {@code confirm}. {@code name} is kept as it
 * arrived, so that an unknown one is rejected by name. Every one names who sent it in {@code by};
 * {@code stage}, {@code check}, {@code comment}, {@code reason} and {@code task} (confirm: the
 * checklist task) are used where the signal needs them. {@code signature} says whether the worker
 * verified a signature over it, and for whom: the workflow sets it from the worker's approver
 * keyring before the engine sees the signal; the engine never verifies anything itself.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Signal(
    String name,
    String by,
    String reason,
    String stage,
    String check,
    String comment,
    String task,
    Signature signature) {
  /** The names of the {@link SignalName#promoting} signals. */
  public static final Set<String> PROMOTING =
      Arrays.stream(SignalName.values())
          .filter(SignalName::promoting)
          .map(SignalName::wire)
          .collect(Collectors.toUnmodifiableSet());

  public Signal {
    signature = signature == null ? Signature.UNSIGNED : signature;
  }

  /** An unsigned signal. */
  public Signal(String name, String by, String reason, String stage, String check, String comment) {
    this(name, by, reason, stage, check, comment, null, Signature.UNSIGNED);
  }

  /** A signal without a checklist task. */
  public Signal(
      String name,
      String by,
      String reason,
      String stage,
      String check,
      String comment,
      Signature signature) {
    this(name, by, reason, stage, check, comment, null, signature);
  }

  /** A {@code confirm}: {@code by} confirms that the checklist task {@code task} is done. */
  public static Signal confirm(String task, String by, String comment) {
    return new Signal(
        SignalName.CONFIRM.wire(), by, null, null, null, comment, task, Signature.UNSIGNED);
  }

  public static Signal of(String name, String by, String reason) {
    return new Signal(name, by, reason, null, null, null);
  }

  public static Signal approve(String stage, String by, String comment) {
    return new Signal(SignalName.APPROVE.wire(), by, null, stage, null, comment);
  }

  public static Signal acknowledge(String check, String by, String reason) {
    return new Signal(SignalName.ACKNOWLEDGE.wire(), by, reason, null, check, null);
  }

  /** This signal with the worker's verdict on its signature. */
  public Signal withSignature(Signature s) {
    return new Signal(name, by, reason, stage, check, comment, task, s);
  }

  /** The signal it is; empty for a name no signal has. */
  public Optional<SignalName> kind() {
    return SignalName.of(name);
  }

  /** Whether this is one of the {@link SignalName#promoting} signals. */
  public boolean promoting() {
    return kind().map(SignalName::promoting).orElse(false);
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
    public enum Status {
      UNSIGNED,
      VERIFIED,
      INVALID
    }

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
