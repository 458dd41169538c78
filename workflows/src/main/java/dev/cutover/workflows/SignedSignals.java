package dev.cutover.workflows;

import dev.cutover.engine.Signal;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;

/**
 * Signed signals: what a signature covers, how the CLI signs and how the worker verifies. Pure (no
 * I/O, no clock of its own: callers pass {@code now}), so the CLI, the verifying activity and tests
 * share one definition. Ed25519 from the JDK.
 *
 * <p>A signature covers, in this order, each as a presence byte (0: absent, 1: present) and, when
 * present, a 4-byte big-endian length and that many bytes of UTF-8: the tag {@value #DOMAIN}, the
 * workflow id, the signal name, and the payload's {@code stage}, {@code check}, {@code by}, {@code
 * comment}, {@code reason} and {@code signedAt} (an ISO-8601 instant, exactly as sent). Every field
 * is framed, so no two different signals encode alike; an absent field differs from an empty one; a
 * field that is not valid Unicode (a lone surrogate) cannot be signed or verified.
 *
 * <p>A signature verifies for {@link #MAX_AGE} after {@code signedAt} and at most {@link #MAX_SKEW}
 * before it (clocks differ). Within that window a copy of a signed signal (anyone who can read the
 * workflow's history can copy one) would verify again: the engine accepts each signed content once
 * ({@link #fingerprint}), and refuses one signed before its cutover started.
 */
public final class SignedSignals {
  /**
   * Domain and version tag: a signature for anything else (another tool, a later format) never
   * verifies here.
   */
  public static final String DOMAIN = "cutover-signal-v1";

  /** How long after {@code signedAt} a signature still verifies. */
  public static final Duration MAX_AGE = Duration.ofMinutes(10);

  /** How far ahead of the verifier's clock {@code signedAt} may be. */
  public static final Duration MAX_SKEW = Duration.ofMinutes(2);

  /** The only algorithm, as written in keyring lines. */
  public static final String ALGORITHM = "ed25519";

  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw 32-byte Ed25519 key (RFC 8410). */
  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private static final int RAW_KEY_BYTES = 32;
  private static final int SIGNATURE_BYTES = 64;

  private SignedSignals() {}

  /**
   * Whether {@code signal} is one that moves a cutover on or weakens a guard ({@link
   * Signal#PROMOTING}).
   */
  public static boolean promoting(String signal) {
    return signal != null && Signal.PROMOTING.contains(signal);
  }

  /**
   * Whether the workflow should ask the worker to verify this signal: a promoting one that carries
   * a signature.
   */
  public static boolean needsVerification(String signal, SignalPayload payload) {
    return promoting(signal) && payload != null && payload.signature() != null;
  }

  /**
   * The bytes a signature covers (see the class comment).
   *
   * @throws IllegalArgumentException when a field is not valid Unicode
   */
  public static byte[] canonical(String workflowId, String signal, SignalPayload p) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    for (String field :
        new String[] {
          DOMAIN,
          workflowId,
          signal,
          p.stage(),
          p.check(),
          p.by(),
          p.comment(),
          p.reason(),
          p.signedAt()
        }) {
      write(out, field);
    }
    // A confirm's task is covered too; appended only when present, so that what every other
    // signal's signature covers is unchanged.
    if (p.task() != null) {
      write(out, p.task());
    }
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String field) {
    if (field == null) {
      out.write(0);
      return;
    }
    byte[] bytes = utf8(field);
    out.write(1);
    out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }

  /**
   * A fingerprint of what a signal's signature covers (URL-safe base64 of its SHA-256): equal for
   * two copies of one signed signal however their signatures are encoded, different for any other.
   */
  public static String fingerprint(String workflowId, String signal, SignalPayload p) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical(workflowId, signal, p));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * {@code p} with {@code signedAt} and the signature made with {@code key} over it, for that
   * workflow and signal.
   */
  public static SignalPayload sign(
      PrivateKey key, String workflowId, String signal, SignalPayload p, Instant signedAt) {
    SignalPayload dated =
        new SignalPayload(
            p.stage(),
            p.by(),
            p.comment(),
            p.reason(),
            p.check(),
            signedAt.toString(),
            null,
            p.task());
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(canonical(workflowId, signal, dated));
      return new SignalPayload(
          p.stage(),
          p.by(),
          p.comment(),
          p.reason(),
          p.check(),
          dated.signedAt(),
          Base64.getEncoder().encodeToString(s.sign()),
          p.task());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot sign with this key (an Ed25519 private key is needed): " + e.getMessage(), e);
    }
  }

  /**
   * Why a signed payload cannot verify whatever the keyring holds (not signed, no or a malformed or
   * stale {@code signedAt}, a signature that is not 64 bytes of base64, a field that is not valid
   * Unicode), judged at {@code now}; null when only the keys can tell. Pure and cheap: the workflow
   * asks it first, so a flood of garbage signatures costs no call to the worker.
   */
  public static String shapeProblem(SignalPayload p, Instant now) {
    if (p == null || p.signature() == null || p.signature().isBlank()) {
      return "not signed";
    }
    if (p.signedAt() == null || p.signedAt().isBlank()) {
      return "signed without signedAt";
    }
    Instant signedAt;
    try {
      signedAt = Instant.parse(p.signedAt());
    } catch (DateTimeParseException e) {
      return "signedAt is not an ISO-8601 instant such as 2026-01-31T12:00:00Z";
    }
    Duration age = Duration.between(signedAt, now);
    if (age.compareTo(MAX_AGE) > 0) {
      return "signed "
          + minutes(age)
          + " ago; a signature is good for "
          + minutes(MAX_AGE)
          + " (sign again)";
    }
    if (age.negated().compareTo(MAX_SKEW) > 0) {
      return "signed "
          + minutes(age.negated())
          + " ahead of the worker's clock; clocks may"
          + " differ by at most "
          + minutes(MAX_SKEW);
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(p.signature().trim());
    } catch (IllegalArgumentException e) {
      signature = new byte[0];
    }
    if (signature.length != SIGNATURE_BYTES) {
      return "the signature is not a base64 Ed25519 signature";
    }
    try {
      canonical("", "", p);
    } catch (IllegalArgumentException e) {
      return "a signed field is not valid Unicode";
    }
    return null;
  }

  /**
   * Verifies a signed signal against {@code keys}, the keys the worker's keyring lists for the
   * payload's {@code by}. Valid only when the signature verifies with one of them over exactly
   * these fields and {@code signedAt} is fresh at {@code now}. Never throws; the reason is short
   * and holds nothing secret.
   */
  public static SignatureVerdict verify(
      Collection<PublicKey> keys, String workflowId, String signal, SignalPayload p, Instant now) {
    try {
      String shape = shapeProblem(p, now);
      if (shape != null) {
        return new SignatureVerdict(false, shape);
      }
      byte[] signature = Base64.getDecoder().decode(p.signature().trim());
      if (keys == null || keys.isEmpty()) {
        return new SignatureVerdict(
            false, "the worker's approver keyring has no key for this name");
      }
      byte[] message = canonical(workflowId, signal, p); // valid Unicode: shapeProblem said so
      for (PublicKey key : keys) {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        s.update(message);
        boolean ok;
        try {
          ok = s.verify(signature);
        } catch (SignatureException e) {
          ok = false; // not a well-formed Ed25519 signature: it does not verify
        }
        if (ok) {
          return new SignatureVerdict(
              true, "verified with a key the worker's keyring lists for this name");
        }
      }
      return new SignatureVerdict(
          false,
          "the signature does not verify with the keyring's key"
              + (keys.size() == 1 ? "" : "s")
              + " for this name (another key, cutover or signal, or a changed field)");
    } catch (GeneralSecurityException | RuntimeException e) {
      return new SignatureVerdict(
          false, "the signature could not be checked (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * What the engine is told about a signal's signature: UNSIGNED when it carries none (or the
   * workflow did not verify it: {@code verdict} null), VERIFIED for {@code by} with its {@link
   * #fingerprint} and time when {@code verdict} is valid, INVALID with the verdict's reason
   * otherwise.
   */
  public static Signal.Signature toSignature(
      String workflowId, String signal, SignalPayload p, SignatureVerdict verdict) {
    if (p == null || p.signature() == null || verdict == null) {
      return Signal.Signature.UNSIGNED;
    }
    if (!verdict.valid()) {
      return Signal.Signature.invalid(verdict.reason());
    }
    try {
      return Signal.Signature.verified(
          p.by(), fingerprint(workflowId, signal, p), Instant.parse(p.signedAt()).toEpochMilli());
    } catch (RuntimeException e) {
      return Signal.Signature.invalid("a verified signature with an unreadable field");
    }
  }

  // ------------------------------------------------------------------ keys

  /** A new Ed25519 key pair. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no Ed25519", e);
    }
  }

  /** A public key as keyring lines carry it: base64 of its 32 raw bytes. */
  public static String encodePublicKey(PublicKey key) {
    byte[] der = key.getEncoded();
    return Base64.getEncoder()
        .encodeToString(Arrays.copyOfRange(der, der.length - RAW_KEY_BYTES, der.length));
  }

  /**
   * Reads a public key from base64 of its 32 raw bytes, or of its X.509 encoding (what {@code
   * openssl pkey -pubout -outform DER} writes).
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static PublicKey publicKey(String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the public key is not base64");
    }
    byte[] der;
    if (bytes.length == RAW_KEY_BYTES) {
      der = new byte[X509_PREFIX.length + RAW_KEY_BYTES];
      System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
      System.arraycopy(bytes, 0, der, X509_PREFIX.length, RAW_KEY_BYTES);
    } else if (bytes.length == X509_PREFIX.length + RAW_KEY_BYTES
        && Arrays.equals(Arrays.copyOf(bytes, X509_PREFIX.length), X509_PREFIX)) {
      der = bytes;
    } else {
      throw new IllegalArgumentException(
          "the public key is not an Ed25519 key (32 bytes, or 44 as X.509; found "
              + bytes.length
              + ")");
    }
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the public key is not a valid Ed25519 key");
    }
  }

  /** A private key as key files carry it: base64 of its PKCS#8 encoding. */
  public static String encodePrivateKey(PrivateKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  /**
   * Reads a private key from base64 of its PKCS#8 encoding.
   *
   * @throws IllegalArgumentException when it is not an Ed25519 private key (the message holds no
   *     key material)
   */
  public static PrivateKey privateKey(String base64) {
    try {
      byte[] der = Base64.getDecoder().decode(base64.trim());
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key (base64 of PKCS#8)");
    }
  }

  private static byte[] utf8(String s) {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(s));
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not valid Unicode");
    }
  }

  private static String minutes(Duration d) {
    long seconds = d.toSeconds();
    long m = seconds / 60;
    long s = seconds % 60;
    return m == 0 ? s + " s" : s == 0 ? m + " min" : m + " min " + s + " s";
  }
}
