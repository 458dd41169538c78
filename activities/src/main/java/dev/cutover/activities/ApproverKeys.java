package dev.cutover.activities;

import dev.cutover.plan.Names;
import dev.cutover.workflows.SignatureRequest;
import dev.cutover.workflows.SignatureVerdict;
import dev.cutover.workflows.SignedSignals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's approver keyring and its signed-signal setting, both from the worker's environment
 * (a plan can neither add a key nor lift the requirement):
 *
 * <ul>
 *   <li>{@value #KEYRING_VARIABLE}: a file of lines {@code <name> ed25519 <base64 public key>
 *       [comment]} ({@code #} comments and blank lines allowed). A name may have several keys (one
 *       per device, or old and new while rotating); a key belongs to one name. The file is read
 *       again on every verification, so removing a line revokes that key for every running cutover
 *       at once.
 *   <li>{@value #REQUIRE_VARIABLE}: {@code true} refuses unsigned approve, promote, acknowledge,
 *       resume and retry signals in every cutover this worker runs ({@link #signaturesRequired},
 *       reported to the workflow through {@code Admission.signaturesRequired}).
 * </ul>
 *
 * {@link #of} (called once, at the worker's start, by {@link ActivitySettings}) reads the keyring
 * once and refuses a malformed one, naming the line, so a worker never starts with a keyring it
 * would misread. Thread-safe.
 */
public final class ApproverKeys {
  public static final String KEYRING_VARIABLE = "CUTOVER_APPROVER_KEYS";
  public static final String REQUIRE_VARIABLE = "CUTOVER_REQUIRE_SIGNED_SIGNALS";

  /** A keyring is a few lines per person; anything bigger is a wrong file. */
  static final long MAX_KEYRING_BYTES = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(ApproverKeys.class);

  private final Path file;
  private final boolean required;
  private final Clock clock;

  private ApproverKeys(Path file, boolean required, Clock clock) {
    this.file = file;
    this.required = required;
    this.clock = clock;
  }

  /**
   * The worker's keyring and requirement, from the values of {@value #KEYRING_VARIABLE} ({@code
   * path}) and {@value #REQUIRE_VARIABLE} ({@code require}); null or blank: unset.
   *
   * @throws IllegalArgumentException naming the variable (and the keyring's line) when the keyring
   *     cannot be read or is malformed, {@value #REQUIRE_VARIABLE} is neither true nor false, or it
   *     is true without a keyring
   */
  public static ApproverKeys of(String path, String require, Clock clock) {
    boolean required;
    if (require == null || require.isBlank() || require.strip().equalsIgnoreCase("false")) {
      required = false;
    } else if (require.strip().equalsIgnoreCase("true")) {
      required = true;
    } else {
      throw new IllegalArgumentException(
          REQUIRE_VARIABLE + "=" + require.strip() + " is neither true nor false");
    }
    Path file = path == null || path.isBlank() ? null : Path.of(path.strip());
    if (required && file == null) {
      throw new IllegalArgumentException(
          REQUIRE_VARIABLE
              + "=true needs "
              + KEYRING_VARIABLE
              + " (a file of \"<name> ed25519 <base64 public key>\" lines): no signature could ever verify");
    }
    ApproverKeys keys = new ApproverKeys(file, required, clock);
    if (file != null) {
      Keyring k = keys.load();
      LOG.info(
          "{}: {} key(s) for {} approver(s) in {}{}",
          KEYRING_VARIABLE,
          k.size(),
          k.byName.size(),
          file,
          required
              ? "; unsigned promoting signals are refused (" + REQUIRE_VARIABLE + "=true)"
              : "");
    }
    return keys;
  }

  /**
   * Whether this worker refuses unsigned promoting signals for every cutover it runs: what {@code
   * admit} reports as {@code Admission.signaturesRequired}.
   */
  public boolean signaturesRequired() {
    return required;
  }

  /** Whether the worker has a keyring at all. */
  public boolean configured() {
    return file != null;
  }

  /**
   * Verifies a signed signal against the keyring as it is now (read again for each call): valid
   * only when the keyring lists a key for the payload's {@code by} (names compared as {@link
   * Names#same} does), the signature verifies with it over exactly the request's fields, and {@code
   * signedAt} is fresh. Never throws; reasons are short and hold nothing secret.
   */
  public SignatureVerdict verify(SignatureRequest request) {
    try {
      if (request == null || request.payload() == null || request.payload().signature() == null) {
        return new SignatureVerdict(false, "not signed");
      }
      if (file == null) {
        return new SignatureVerdict(
            false, "this worker has no approver keyring (" + KEYRING_VARIABLE + ")");
      }
      Keyring keyring;
      try {
        keyring = load();
      } catch (IllegalArgumentException e) {
        LOG.error(
            "cannot verify a signed {} for {}: {}",
            request.signal(),
            request.workflowId(),
            e.getMessage());
        return new SignatureVerdict(
            false, "the worker's approver keyring cannot be read (its log says why)");
      }
      String by = request.payload().by();
      String problem = Names.problem(by);
      if (problem != null) {
        return new SignatureVerdict(false, "the name " + problem);
      }
      return SignedSignals.verify(
          keyring.keysFor(by),
          request.workflowId(),
          request.signal(),
          request.payload(),
          clock.instant());
    } catch (RuntimeException e) {
      return new SignatureVerdict(
          false, "the signature could not be checked (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Reads and parses the keyring file; the message names the variable, the file and the line. */
  Keyring load() {
    String where = KEYRING_VARIABLE + " (" + file + ")";
    String text;
    try {
      if (Files.size(file) > MAX_KEYRING_BYTES) {
        throw new IllegalArgumentException(
            where + ": larger than " + MAX_KEYRING_BYTES + " bytes: not a keyring");
      }
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(where + ": not UTF-8 text");
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(where + ": the worker may not read it");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          where + ": cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text, where);
  }

  /**
   * Parses keyring text: one {@code <name> ed25519 <base64 public key> [comment]} per line.
   *
   * @throws IllegalArgumentException naming {@code where} and the line for the first malformed one
   */
  static Keyring parse(String text, String where) {
    Keyring k = new Keyring();
    Map<String, Integer> firstLineOfKey = new HashMap<>();
    Map<String, String> ownerOfKey = new HashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int n = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+", 4);
      if (parts.length < 3) {
        throw new IllegalArgumentException(
            where
                + " line "
                + n
                + ": expected \"<name> ed25519 <base64 public key>"
                + " [comment]\", found "
                + parts.length
                + " field"
                + (parts.length == 1 ? "" : "s"));
      }
      String name = parts[0];
      String problem = Names.problem(name);
      if (problem != null) {
        throw new IllegalArgumentException(
            where + " line " + n + ": the name \"" + Names.display(name) + "\" " + problem);
      }
      if (!parts[1].toLowerCase(Locale.ROOT).equals(SignedSignals.ALGORITHM)) {
        throw new IllegalArgumentException(
            where
                + " line "
                + n
                + ": unknown key type \""
                + Names.display(parts[1])
                + "\" (only "
                + SignedSignals.ALGORITHM
                + ")");
      }
      PublicKey key;
      try {
        key = SignedSignals.publicKey(parts[2]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + " line " + n + ": " + e.getMessage());
      }
      String id = Names.key(name);
      String spelled = k.spelling.putIfAbsent(id, name);
      if (spelled != null && !spelled.equals(name)) {
        throw new IllegalArgumentException(
            where
                + " line "
                + n
                + ": \""
                + Names.display(name)
                + "\" is the same person as \""
                + Names.display(spelled)
                + "\" after Unicode normalisation; spell one name one way");
      }
      String encoded = SignedSignals.encodePublicKey(key);
      String owner = ownerOfKey.putIfAbsent(encoded, id);
      if (owner != null) {
        throw new IllegalArgumentException(
            where
                + " line "
                + n
                + ": this key is already on line "
                + firstLineOfKey.get(encoded)
                + (owner.equals(id)
                    ? ""
                    : ", for "
                        + Names.display(k.spelling.get(owner))
                        + ": a key belongs to one person"));
      }
      firstLineOfKey.put(encoded, n);
      k.byName.computeIfAbsent(id, x -> new ArrayList<>()).add(key);
    }
    return k;
  }

  /** Parsed keyring: the keys of each person, by {@link Names#key}. */
  static final class Keyring {
    final Map<String, List<PublicKey>> byName = new HashMap<>();
    final Map<String, String> spelling = new HashMap<>();

    List<PublicKey> keysFor(String name) {
      return List.copyOf(byName.getOrDefault(Names.key(name), List.of()));
    }

    int size() {
      return byName.values().stream().mapToInt(List::size).sum();
    }
  }
}
