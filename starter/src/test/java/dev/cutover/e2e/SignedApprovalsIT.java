package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.demo.DemoTarget;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import dev.cutover.workflows.SignedSignals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed approvals end to end, as operators and an attacker with access to the namespace would meet
 * them: approvers make keys with {@code cutover keygen}, the worker's operator lists the printed
 * lines in a keyring and starts a real worker process with {@code CUTOVER_APPROVER_KEYS} and {@code
 * CUTOVER_REQUIRE_SIGNED_SIGNALS=true}; {@code cutover start} and {@code cutover approve} run as
 * the packaged CLI; forged approvals go in through {@code temporal workflow signal}. Only the
 * signed approval moves the cutover on, and a key deleted from the keyring stops verifying at once,
 * without restarting the worker.
 */
class SignedApprovalsIT {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  /**
   * {@code cutover ARGS} as a separate process from the packaged jar, with no signing key in its
   * environment.
   */
  static Run cutover(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Services.cutoverJar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("CUTOVER_SIGNING_KEY");
    pb.environment().remove("TEMPORAL_ADDRESS");
    Process p = pb.start();
    // Small outputs: read both streams to the end, then wait.
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
    return new Run(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  static String plan(String name) {
    return """
        version: 1
        name: %s
        connections:
          target: { http: "${env:DEMO_TARGET_URL}" }
        checks:
          v2_error_rate: { http: "GET target:/stats", value: "$.error_rate", pass: "< 0.05" }
        traffic:
          set: { http: "PUT target:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/v2-rollout", value: "$.value" }
        approvals: { approvers: [alice, bob], fourEyes: true }
        stages:
          - { name: canary, percent: 10, soak: 2s, every: 1s, gates: [v2_error_rate], approval: true }
          - { name: half, percent: 50, soak: 2s, every: 1s, gates: [v2_error_rate], approval: true }
          - { name: full, percent: 100, soak: 2s, every: 1s, gates: [v2_error_rate] }
        rollback: { percent: 0 }
        """
        .formatted(name);
  }

  /**
   * The private key of a key file {@code cutover keygen} wrote (what an approver's machine holds).
   */
  static PrivateKey privateKey(Path keyFile) throws Exception {
    for (String line : Files.readAllLines(keyFile)) {
      if (line.startsWith("ed25519-private:")) {
        return SignedSignals.privateKey(line.substring("ed25519-private:".length()).strip());
      }
    }
    throw new AssertionError("no private key in " + keyFile);
  }

  static String json(SignalPayload p) {
    ObjectNode n = TemporalCli.JSON.createObjectNode();
    n.put("stage", p.stage());
    n.put("by", p.by());
    if (p.signedAt() != null) {
      n.put("signedAt", p.signedAt());
    }
    if (p.signature() != null) {
      n.put("signature", p.signature());
    }
    return n.toString();
  }

  static JsonNode lastDecision(JsonNode status) {
    JsonNode d = status.path("decisions");
    return d.get(d.size() - 1);
  }

  /**
   * Sends {@code input} as an approve signal with the Temporal CLI and returns the decision it
   * produced.
   */
  static JsonNode signal(TemporalCli temporal, String id, String input, int decisionsBefore)
      throws Exception {
    temporal.run("workflow", "signal", "--workflow-id", id, "--name", "approve", "--input", input);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      JsonNode s = status(temporal, id);
      if (s.path("decisions").size() > decisionsBefore) {
        return s.path("decisions").get(decisionsBefore);
      }
      WorkerProcess.sleep(200);
    }
    throw new AssertionError("no decision on " + input);
  }

  static JsonNode status(TemporalCli temporal, String id) throws Exception {
    return temporal
        .json("workflow", "query", "--workflow-id", id, "--name", "status", "-o", "json")
        .path("queryResult")
        .path(0);
  }

  @Test
  void
      onlyASignedApprovalFromAKeyInTheWorkersKeyringMovesTheCutoverOnAndDeletingTheKeyRevokesItAtOnce()
          throws Exception {
    String address = Services.temporalAddress();
    TemporalCli temporal = new TemporalCli(Services.temporalBin().toString(), address);
    String name = "signed-" + UUID.randomUUID().toString().substring(0, 8);
    String id = "cutover-" + name;
    String queue = "e2e-" + name;

    // Each approver makes a key; the worker's operator collects the printed lines.
    Path aliceKey = dir.resolve("alice.key");
    Path bobKey = dir.resolve("bob.key");
    Run alice = cutover("keygen", "--name", "alice", "--out", aliceKey.toString());
    Run bob = cutover("keygen", "--name", "bob", "--out", bobKey.toString());
    assertThat(alice.exit()).as(alice.err()).isZero();
    assertThat(bob.exit()).as(bob.err()).isZero();
    assertThat(alice.out()).matches("alice ed25519 [A-Za-z0-9+/]{43}=\n");
    Path keyring = dir.resolve("approvers");
    Files.writeString(keyring, "# approvers of the e2e worker\n" + alice.out() + bob.out());

    try (DemoTarget target = DemoTarget.start(0);
        WorkerProcess w =
            Workers.start(
                address,
                queue,
                Map.of(
                    "DEMO_TARGET_URL",
                    target.baseUrl(),
                    "CUTOVER_APPROVER_KEYS",
                    keyring.toString(),
                    "CUTOVER_REQUIRE_SIGNED_SIGNALS",
                    "true"),
                dir)) {
      assertThat(w.log())
          .contains(
              "CUTOVER_APPROVER_KEYS: 2 key(s) for 2 approver(s) in "
                  + keyring
                  + "; unsigned promoting signals are refused (CUTOVER_REQUIRE_SIGNED_SIGNALS=true)");
      Path planFile = Plans.write(dir, name, plan(name));
      Run start =
          cutover(
              "start",
              planFile.toString(),
              "--by",
              "carol",
              "--address",
              address,
              "--task-queue",
              queue);
      assertThat(start.exit()).as(start.err()).isZero();
      assertThat(start.out()).isEqualTo(id + "\n");
      OperatorPathIT.awaitStatus(temporal, id, "AWAITING_APPROVAL", Duration.ofSeconds(60));

      // The CLI without a key: refused by the worker, the reason printed, exit 3.
      Run unsigned =
          cutover("approve", name, "--stage", "canary", "--by", "alice", "--address", address);
      assertThat(unsigned.exit()).as(unsigned.err()).isEqualTo(3);
      assertThat(unsigned.out())
          .isEqualTo(
              "rejected: stage canary: approval by alice is not signed; this worker"
                  + " requires signed approvals (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover approve "
                  + name
                  + " --stage canary --key FILE (now AWAITING_APPROVAL)\n");

      // Forged with the Temporal CLI by someone who may signal the namespace.
      String notVerified =
          "rejected: stage canary: approval by alice has a signature that does not verify: ";
      String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
      byte[] random = new byte[64];
      new SecureRandom().nextBytes(random);
      PrivateKey bobPrivate = privateKey(bobKey);
      List<String[]> forged =
          List.of(
              new String[] {
                "{\"stage\":\"canary\",\"by\":\"alice\"}",
                "rejected: stage canary: approval by alice is not"
                    + " signed; this worker requires signed approvals (CUTOVER_REQUIRE_SIGNED_SIGNALS): cutover approve "
                    + name
                    + " --stage canary --key FILE"
              },
              new String[] {
                "{\"stage\":\"canary\",\"by\":\"alice\",\"signedAt\":\""
                    + now
                    + "\",\"signature\":\"garbage\"}",
                notVerified + "the signature is not a base64 Ed25519 signature"
              },
              new String[] {
                "{\"stage\":\"canary\",\"by\":\"alice\",\"signedAt\":\""
                    + now
                    + "\",\"signature\":\""
                    + Base64.getEncoder().encodeToString(random)
                    + "\"}",
                notVerified
                    + "the signature does not verify with the keyring's key for this name (another key, cutover"
                    + " or signal, or a changed field)"
              },
              // bob, an approver with a key of his own, signs an approval that claims to be
              // alice's.
              new String[] {
                json(
                    SignedSignals.sign(
                        bobPrivate,
                        id,
                        "approve",
                        new SignalPayload("canary", "alice", null, null, null),
                        Instant.now().truncatedTo(ChronoUnit.MILLIS))),
                notVerified
                    + "the signature does not verify with the keyring's key for this name (another key, cutover"
                    + " or signal, or a changed field)"
              });
      for (String[] f : forged) {
        int before = status(temporal, id).path("decisions").size();
        JsonNode d = signal(temporal, id, f[0], before);
        assertThat(d.path("accepted").asBoolean()).as(f[0]).isFalse();
        assertThat(d.path("by").asText()).isEqualTo("alice");
        assertThat(d.path("text").asText()).as(f[0]).isEqualTo(f[1]);
      }
      JsonNode held = status(temporal, id);
      assertThat(held.path("state").asText()).isEqualTo("AWAITING_APPROVAL");
      assertThat(held.path("percent").asInt()).isEqualTo(10);
      assertThat(target.flags().get(DemoTarget.ROLLOUT_FLAG)).isEqualTo("10");
      // What the operator reads: every rejection, with its reason.
      Run shown = cutover("status", name, "--address", address);
      assertThat(shown.exit()).as(shown.err()).isZero();
      assertThat(shown.out())
          .contains(
              "alice     REJECTED "
                  + notVerified
                  + "the signature is not a base64 Ed25519"
                  + " signature\n");

      // alice's own key: accepted, and the next stage is applied.
      Run signed =
          cutover(
              "approve",
              name,
              "--stage",
              "canary",
              "--key",
              aliceKey.toString(),
              "--comment",
              "graphs flat",
              "--address",
              address);
      assertThat(signed.exit()).as(signed.err() + signed.out()).isZero();
      assertThat(signed.out()).startsWith("accepted: ");
      JsonNode half =
          OperatorPathIT.awaitStatus(temporal, id, "AWAITING_APPROVAL", Duration.ofSeconds(60));
      assertThat(half.path("stage").path("name").asText()).isEqualTo("half");
      assertThat(half.path("percent").asInt()).isEqualTo(50);
      assertThat(target.flags().get(DemoTarget.ROLLOUT_FLAG)).isEqualTo("50");
      List<String> accepted = new ArrayList<>();
      half.path("decisions")
          .forEach(
              d -> {
                if (d.path("accepted").asBoolean() && d.path("by").asText().equals("alice")) {
                  accepted.add(d.path("text").asText());
                }
              });
      assertThat(accepted).containsExactly("approved stage canary: graphs flat (signed)");

      // The operator deletes alice's line: her next signed approval is refused at once, the worker
      // still running.
      Files.writeString(keyring, "# approvers of the e2e worker\n" + bob.out());
      Run revoked =
          cutover(
              "approve",
              name,
              "--stage",
              "half",
              "--key",
              aliceKey.toString(),
              "--address",
              address);
      assertThat(revoked.exit()).as(revoked.err()).isEqualTo(3);
      assertThat(revoked.out())
          .isEqualTo(
              "rejected: stage half: approval by alice has a signature that does not verify:"
                  + " the worker's approver keyring has no key for this name (now AWAITING_APPROVAL)\n");
      assertThat(status(temporal, id).path("percent").asInt()).isEqualTo(50);

      // bob's key is still listed: the cutover completes on his signed approval.
      Run byBob =
          cutover(
              "approve", name, "--stage", "half", "--key", bobKey.toString(), "--address", address);
      assertThat(byBob.exit()).as(byBob.err() + byBob.out()).isZero();
      OperatorPathIT.awaitStatus(temporal, id, "COMPLETED", Duration.ofSeconds(60));
      assertThat(target.flags().get(DemoTarget.ROLLOUT_FLAG)).isEqualTo("100");
    }
  }
}
