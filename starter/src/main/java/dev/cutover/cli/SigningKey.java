package dev.cutover.cli;

import dev.cutover.plan.Names;
import dev.cutover.workflows.SignedSignals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Set;

/**
 * An approver's private signing key, as {@code cutover keygen} writes it: a small text file, mode
 * 600, that names its owner and holds the Ed25519 key pair.
 *
 * <pre>
 * # cutover signing key: keep it private
 * name: alice
 * ed25519-public: &lt;base64 of the 32-byte public key&gt;
 * ed25519-private: &lt;base64 of the PKCS#8 private key&gt;
 * </pre>
 *
 * A PEM PKCS#8 Ed25519 key ({@code openssl genpkey -algorithm ed25519}) is read too; it names no
 * one, so {@code --by} says who signs.
 *
 * @param name the owner, as the worker's keyring names them (null for a PEM key)
 * @param publicKey base64 of the raw public key (null for a PEM key)
 */
record SigningKey(String name, PrivateKey key, String publicKey, Path file) {
  static final String HEADER = "# cutover signing key: keep it private (mode 600)";

  /** The line the worker's keyring needs for this key. */
  static String keyringLine(String name, String publicKey) {
    return name + " " + SignedSignals.ALGORITHM + " " + publicKey;
  }

  /**
   * Writes a new key pair for {@code name} to {@code file}, created with mode 600; never
   * overwrites.
   *
   * @return the keyring line for the worker
   */
  static String write(Path file, String name, KeyPair pair) {
    String pub = SignedSignals.encodePublicKey(pair.getPublic());
    String text =
        HEADER
            + "\n# its line in the worker's CUTOVER_APPROVER_KEYS file:\n#   "
            + keyringLine(name, pub)
            + "\n"
            + "name: "
            + name
            + "\n"
            + "ed25519-public: "
            + pub
            + "\n"
            + "ed25519-private: "
            + SignedSignals.encodePrivateKey(pair.getPrivate())
            + "\n";
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (FileAlreadyExistsException e) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          file + " already exists; keygen never overwrites a key (choose another --out)");
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILURE, "cannot write " + file + ": " + TemporalOptions.rootMessage(e));
    }
    return keyringLine(name, pub);
  }

  /**
   * Reads a key file. Refuses one that others may read, as ssh does, and never prints key material.
   *
   * @throws CliException (bad input) naming the file and what is wrong
   */
  static SigningKey read(Path file) {
    String text;
    try {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.GROUP_READ)
            || perms.contains(PosixFilePermission.OTHERS_READ)
            || perms.contains(PosixFilePermission.GROUP_WRITE)
            || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
          throw new CliException(
              ExitCodes.BAD_INPUT,
              file
                  + " is a private key that others may read or change (mode "
                  + PosixFilePermissions.toString(perms)
                  + "): chmod 600 "
                  + file);
        }
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: nothing to check
      }
      if (Files.size(file) > 64 * 1024) {
        throw new CliException(ExitCodes.BAD_INPUT, file + " is too large to be a signing key");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          "cannot read the signing key " + file + ": " + TemporalOptions.rootMessage(e));
    }
    if (text.contains("-----BEGIN PRIVATE KEY-----")) {
      String body = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27);
      int end = body.indexOf("-----END PRIVATE KEY-----");
      if (end < 0) {
        throw new CliException(ExitCodes.BAD_INPUT, file + ": a PEM key without its END line");
      }
      return new SigningKey(
          null, privateKey(file, body.substring(0, end).replaceAll("\\s+", "")), null, file);
    }
    String name = null;
    String pub = null;
    String priv = null;
    String[] lines = text.split("\r?\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon).strip();
      String value = colon < 0 ? "" : line.substring(colon + 1).strip();
      switch (field) {
        case "name" -> name = value;
        case "ed25519-public" -> pub = value;
        case "ed25519-private" -> priv = value;
        default ->
            throw new CliException(
                ExitCodes.BAD_INPUT,
                file
                    + " line "
                    + (i + 1)
                    + ": not a cutover signing key (expected name:, ed25519-public: and ed25519-private: lines)");
      }
    }
    if (priv == null || priv.isEmpty()) {
      throw new CliException(
          ExitCodes.BAD_INPUT, file + ": no ed25519-private: line (write one with cutover keygen)");
    }
    if (name != null && (name.isEmpty() || Names.problem(name) != null)) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          file
              + ": the name \""
              + Names.display(name)
              + "\" "
              + (name.isEmpty() ? "is empty" : Names.problem(name)));
    }
    return new SigningKey(name, privateKey(file, priv), pub, file);
  }

  private static PrivateKey privateKey(Path file, String base64) {
    try {
      Base64.getDecoder().decode(base64);
      return SignedSignals.privateKey(base64);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          ExitCodes.BAD_INPUT, file + ": not an Ed25519 private key (base64 of PKCS#8)");
    }
  }
}
