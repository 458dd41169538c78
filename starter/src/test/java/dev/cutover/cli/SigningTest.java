package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.activities.ActivitySettings;
import dev.cutover.activities.ApproverKeys;
import dev.cutover.workflows.SignalPayload;
import dev.cutover.workflows.SignatureRequest;
import dev.cutover.workflows.SignatureVerdict;
import dev.cutover.workflows.SignedSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cutover keygen} and {@code --key}: what the CLI signs verifies on a worker with the
 * printed keyring line.
 */
class SigningTest {
  static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  static final String WID = "cutover-shop";

  @TempDir Path dir;

  /** Runs keygen and returns the keyring line it printed. */
  String keygen(String name, Path out) {
    Cli.Result r = Cli.run("keygen", "--name", name, "--out", out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out().strip();
  }

  ApproverKeys worker(String... keyringLines) throws IOException {
    Path keyring = dir.resolve("approvers");
    Files.writeString(keyring, String.join("\n", keyringLines) + "\n");
    return ActivitySettings.fromEnvironment(
            Map.of(ApproverKeys.KEYRING_VARIABLE, keyring.toString()),
            Clock.fixed(NOW, ZoneOffset.UTC))
        .approverKeys();
  }

  /** The command as picocli builds it from {@code args}, ready to prepare its payload. */
  static OperatorAction command(String... args) {
    CommandLine cli = new CommandLine(new Main());
    List<CommandLine> parsed = cli.parseArgs(args).asCommandLineList();
    return (OperatorAction) parsed.get(parsed.size() - 1).getCommand();
  }

  static SignatureVerdict verify(ApproverKeys keys, String action, SignalPayload p) {
    return keys.verify(new SignatureRequest(WID, action, p));
  }

  @Test
  void keygenWritesAPrivateKeyOnlyItsOwnerCanReadAndPrintsTheKeyringLine() throws IOException {
    Path key = dir.resolve("keys/alice.key");
    String line = keygen("alice", key);
    assertThat(line).matches("alice ed25519 [A-Za-z0-9+/]{43}=");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(key))
        .contains("name: alice\n", "ed25519-private: ")
        .doesNotContain("BEGIN");
    assertThat(worker(line).configured()).isTrue();

    Cli.Result again = Cli.run("keygen", "--name", "alice", "--out", key.toString());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err())
        .contains(key + " already exists; keygen never overwrites a key (choose another --out)");

    record Case(String name, String message) {}
    for (Case c :
        List.of(
            new Case(
                "ali\u200Dce",
                "--name \"ali<U+200D>ce\" has an invisible, control or direction-changing character (U+200D)"),
            new Case(
                "alice smith", "--name \"alice smith\": a keyring name is one word (no spaces)"),
            new Case(
                "\u0430lice",
                "--name \"\u0430lice\" mixes letters of Cyrillic and Latin script"))) {
      Cli.Result r =
          Cli.run("keygen", "--name", c.name(), "--out", dir.resolve("x.key").toString());
      assertThat(r.exit()).as(c.name()).isEqualTo(2);
      assertThat(r.err()).as(c.name()).contains(c.message());
      assertThat(dir.resolve("x.key")).doesNotExist();
    }
  }

  @Test
  void everyPromotingActionSignedWithKeyVerifiesOnTheWorkerAndNamesTheKeysOwner()
      throws IOException {
    Path key = dir.resolve("alice.key");
    ApproverKeys worker = worker(keygen("alice", key));
    record Case(String action, String[] args) {}
    List<Case> cases =
        List.of(
            new Case(
                "approve",
                new String[] {
                  "approve", "shop", "--stage", "canary", "--comment", "dashboards clean"
                }),
            new Case("promote", new String[] {"promote", "shop", "--reason", "looks good"}),
            new Case("acknowledge", new String[] {"acknowledge", "shop", "--check", "errors"}),
            new Case("confirm", new String[] {"confirm", "shop", "dns-ttl-lowered"}),
            new Case("resume", new String[] {"resume", "cutover-shop"}),
            new Case("retry", new String[] {"retry", "shop"}));
    for (Case c : cases) {
      String[] args =
          java.util.stream.Stream.concat(
                  java.util.Arrays.stream(c.args()),
                  java.util.stream.Stream.of("--key", key.toString()))
              .toArray(String[]::new);
      SignalPayload p = command(args).prepare(WID, NOW);
      assertThat(p.by()).as(c.action()).isEqualTo("alice");
      assertThat(p.signedAt()).as(c.action()).isEqualTo("2026-03-02T10:00:00Z");
      assertThat(verify(worker, c.action(), p))
          .as(c.action())
          .isEqualTo(
              new SignatureVerdict(
                  true, "verified with a key the worker's keyring lists for this name"));
      assertThat(verify(worker, c.action().equals("promote") ? "resume" : "promote", p).valid())
          .as(c.action() + " sent as another signal")
          .isFalse();
    }
    for (String safe : List.of("abort", "pause", "abandon")) {
      Cli.Result r = Cli.run(safe, "shop", "--key", key.toString());
      assertThat(r.exit()).as(safe).isEqualTo(2);
      assertThat(r.err()).as(safe).contains("Unknown options: '--key'");
    }
  }

  @Test
  void aTamperedFieldAnotherKeyOrAnOldSignatureFailsOnTheWorker() throws IOException {
    Path alice = dir.resolve("alice.key");
    Path impostor = dir.resolve("impostor.key");
    ApproverKeys worker = worker(keygen("alice", alice));
    keygen("alice", impostor);
    SignalPayload p =
        command("approve", "shop", "--stage", "canary", "--key", alice.toString())
            .prepare(WID, NOW);
    String wrongKey =
        "the signature does not verify with the keyring's key for this name (another key, cutover or"
            + " signal, or a changed field)";

    SignalPayload tampered =
        new SignalPayload(
            "full", p.by(), p.comment(), p.reason(), p.check(), p.signedAt(), p.signature());
    assertThat(verify(worker, "approve", tampered))
        .isEqualTo(new SignatureVerdict(false, wrongKey));
    SignalPayload otherWho =
        new SignalPayload(
            p.stage(), "bob", p.comment(), p.reason(), p.check(), p.signedAt(), p.signature());
    assertThat(verify(worker, "approve", otherWho))
        .isEqualTo(
            new SignatureVerdict(false, "the worker's approver keyring has no key for this name"));

    SignalPayload forged =
        command("approve", "shop", "--stage", "canary", "--key", impostor.toString())
            .prepare(WID, NOW);
    assertThat(forged.by()).isEqualTo("alice");
    assertThat(verify(worker, "approve", forged)).isEqualTo(new SignatureVerdict(false, wrongKey));

    SignalPayload old =
        command("approve", "shop", "--stage", "canary", "--key", alice.toString())
            .prepare(WID, NOW.minus(Duration.ofMinutes(11)));
    assertThat(verify(worker, "approve", old))
        .isEqualTo(
            new SignatureVerdict(
                false, "signed 11 min ago; a signature is good for 10 min (sign again)"));
  }

  @Test
  void byMustNameTheKeysOwnerAndDefaultsToIt() throws IOException {
    Path key = dir.resolve("alice.key");
    keygen("alice", key);
    Cli.Result r =
        Cli.run("approve", "shop", "--stage", "canary", "--key", key.toString(), "--by", "bob");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--by bob does not match the signing key " + key + ", which is alice's");
    assertThat(
            command(
                    "approve",
                    "shop",
                    "--stage",
                    "canary",
                    "--key",
                    key.toString(),
                    "--by",
                    "ALICE")
                .prepare(WID, NOW)
                .by())
        .isEqualTo("alice");
    SignalPayload unsigned =
        command("approve", "shop", "--stage", "canary", "--by", "carol").prepare(WID, NOW);
    assertThat(unsigned.signature()).isNull();
    assertThat(unsigned.signedAt()).isNull();
    assertThat(unsigned.by()).isEqualTo("carol");
  }

  @Test
  void theKeyCanComeFromCutoverSigningKey() throws IOException {
    Path key = dir.resolve("alice.key");
    ApproverKeys worker = worker(keygen("alice", key));
    OperatorAction approve = command("approve", "shop", "--stage", "canary");
    approve.signing().environment =
        name -> name.equals("CUTOVER_SIGNING_KEY") ? key.toString() : null;
    SignalPayload p = approve.prepare(WID, NOW);
    assertThat(verify(worker, "approve", p).valid()).isTrue();
  }

  @Test
  void aPemKeyFromOpensslSignsWithByNamingTheSigner() throws IOException {
    KeyPair pair = SignedSignals.generate();
    Path pem = dir.resolve("bob.pem");
    Files.createFile(
        pem, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        pem,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    ApproverKeys worker =
        worker("bob ed25519 " + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
    SignalPayload p =
        command("promote", "shop", "--key", pem.toString(), "--by", "bob").prepare(WID, NOW);
    assertThat(verify(worker, "promote", p).valid()).isTrue();
  }

  @Test
  void unusableKeyFilesAreRefusedBeforeAnythingIsSentAndWithoutKeyMaterial() throws IOException {
    Path key = dir.resolve("alice.key");
    keygen("alice", key);
    String secret =
        Files.readString(key)
            .lines()
            .filter(l -> l.startsWith("ed25519-private: "))
            .findFirst()
            .orElseThrow();

    Path open = dir.resolve("open.key");
    Files.copy(key, open);
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    Path garbled = dir.resolve("garbled.key");
    Files.createFile(
        garbled,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(garbled, "name: alice\n" + secret.substring(0, secret.length() - 8) + "\n");
    Path notAKey = dir.resolve("notes.txt");
    Files.createFile(
        notAKey,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(notAKey, "hello\n");

    record Case(Path file, String message) {}
    for (Case c :
        List.of(
            new Case(
                open,
                open
                    + " is a private key that others may read or change (mode rw-r--r--): chmod 600 "
                    + open),
            new Case(garbled, garbled + ": not an Ed25519 private key (base64 of PKCS#8)"),
            new Case(notAKey, notAKey + " line 1: not a cutover signing key"),
            new Case(
                dir.resolve("missing.key"),
                "cannot read the signing key " + dir.resolve("missing.key")))) {
      Cli.Result r = Cli.run("approve", "shop", "--stage", "canary", "--key", c.file().toString());
      assertThat(r.exit()).as(c.file().toString()).isEqualTo(2);
      assertThat(r.err())
          .as(c.file().toString())
          .contains(c.message())
          .doesNotContain(secret.substring(17, 40));
    }
    assertThatThrownBy(
            () ->
                command("approve", "shop", "--stage", "canary", "--key", open.toString())
                    .prepare(WID, NOW))
        .isInstanceOf(CliException.class);
  }
}
