package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignedSignals;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the real worker says at start about what plans may use: a WARN, in its default log level,
 * when no host or secret list is set (naming the variable and what is reachable); the lists in
 * force when they are; and a malformed setting (a list, a path, a port, the approver keyring) stops
 * it with exit code 2 naming the variable and the entry or line, before it connects: the Temporal
 * address these runs give is one where nothing listens.
 */
class WorkerSettingsIT {
  @TempDir Path dir;

  @Test
  void aWorkerWithoutAllowListsWarnsLoudlyNamingTheVariablesAndWhatIsReachable() throws Exception {
    String log;
    // Blank is unset; the test JVM's own CUTOVER_* variables are not plan-facing lists.
    try (WorkerProcess w =
        Workers.start(
            Services.temporalAddress(),
            "settings-open",
            Map.of("CUTOVER_ALLOWED_HOSTS", "", "CUTOVER_ALLOWED_SECRETS", ""),
            dir)) {
      log = w.log();
    }
    assertThat(log)
        .contains(
            "WARN  CutoverWorker - CUTOVER_ALLOWED_HOSTS is not set: plans may reach EVERY address"
                + " this worker can route to (the internet and every private network: 10.0.0.0/8, 172.16.0.0/12,"
                + " 192.168.0.0/16, fc00::/7, ...), all but loopback, link-local, cloud metadata and other special-purpose"
                + " addresses; set CUTOVER_ALLOWED_HOSTS to the hosts plans need");
    assertThat(log)
        .contains(
            "WARN  CutoverWorker - CUTOVER_ALLOWED_SECRETS is not set: this worker resolves no"
                + " ${env:NAME} reference");
  }

  @Test
  void aWorkerWithListsSaysWhatTheyAllowAndDoesNotWarn() throws Exception {
    String log;
    try (WorkerProcess w =
        Workers.start(
            Services.temporalAddress(),
            "settings-listed",
            Map.of(
                "APPDB_PASSWORD",
                "not-a-real-one",
                "CUTOVER_ALLOWED_COMMANDS",
                "/opt/bin/sync --to green"),
            dir)) {
      log = w.log();
    }
    assertThat(log)
        .contains(
            "worker setting: CUTOVER_ALLOWED_HOSTS: only localhost, 127.0.0.1",
            "worker setting: CUTOVER_ALLOWED_SECRETS: APPDB_PASSWORD",
            "worker setting: CUTOVER_ALLOWED_COMMANDS: /opt/bin/sync --to green",
            "worker setting: CUTOVER_NGINX_DIRS unset: nginx traffic is off; CUTOVER_NGINX_CONFIG unset");
    // The one warning left is the ledger's: this worker has none (no CUTOVER_LEDGER_URL).
    assertThat(log.lines().filter(l -> l.contains("WARN  CutoverWorker")))
        .allMatch(l -> l.contains("no ledger: CUTOVER_LEDGER_URL is not set"));
    assertThat(log).doesNotContain("not-a-real-one");
  }

  /** What {@code cutover worker} printed and its exit code. */
  record Exit(int code, String out) {}

  /**
   * Runs both ways to start a worker, the image's {@code cutover-worker.jar} and {@code cutover
   * worker}, with {@code env}, until they stop: they must exit alike and say the same (each under
   * its own name). Returns what {@code cutover worker} did.
   */
  static Exit worker(String address, Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Exit jar = run(List.of(java, "-jar", Services.workerJar().toString()), address, env);
    Exit cli = run(List.of(java, "-jar", Services.cutoverJar().toString(), "worker"), address, env);
    assertThat(jar.code()).as("cutover-worker.jar: " + jar.out()).isEqualTo(cli.code());
    if (cli.code() == 2) {
      assertThat(jar.out().replaceFirst("^cutover-worker: ", "cutover: ")).isEqualTo(cli.out());
    }
    return cli;
  }

  private static Exit run(List<String> command, String address, Map<String, String> env)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("TEMPORAL_ADDRESS", address);
    Process p = pb.start();
    boolean ended = p.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ended).as(out).isTrue();
    return new Exit(p.exitValue(), out);
  }

  /**
   * An address where nothing listens: the settings must be checked before the worker reaches for
   * Temporal.
   */
  static String unreachable() {
    return "127.0.0.1:" + Services.freePort();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CUTOVER_ALLOWED_SECRETS|*|CUTOVER_ALLOWED_SECRETS: \"*\" would hand plans every variable of the worker"
            + " (AWS_SECRET_ACCESS_KEY included); list names, or prefixes such as APP_*",
        "CUTOVER_ALLOWED_SECRETS|TEMPORAL_*|CUTOVER_ALLOWED_SECRETS: \"TEMPORAL_*\" names the worker's own settings;"
            + " no plan may read CUTOVER_* or TEMPORAL_* variables",
        "CUTOVER_ALLOWED_SECRETS|APP-TOKEN|CUTOVER_ALLOWED_SECRETS: \"APP-TOKEN\" is not a variable name or a prefix"
            + " ending in * (e.g. APPDB_PASSWORD, APP_*, or FLAG_TOKEN@flags.internal)",
        "CUTOVER_ALLOWED_HOSTS|10.0.0.0/33|CUTOVER_ALLOWED_HOSTS: \"10.0.0.0/33\" has a prefix length outside 0..32",
        "CUTOVER_ALLOWED_COMMANDS|/opt/bin/sync 'oops|CUTOVER_ALLOWED_COMMANDS: a quote ' is not closed in"
            + " \"/opt/bin/sync 'oops\"",
        "CUTOVER_NGINX_CONFIG|nginx.conf|CUTOVER_NGINX_CONFIG: \"nginx.conf\" is not an absolute path",
        "CUTOVER_NGINX_DIRS|/etc/nginx/cutover:conf.d|CUTOVER_NGINX_DIRS: \"conf.d\" is not an absolute path",
        "CUTOVER_NGINX_BIN|sbin/nginx|CUTOVER_NGINX_BIN: \"sbin/nginx\" is neither an absolute path nor a program name"
            + " found through PATH",
        "TEMPORAL_TLS|maybe|TEMPORAL_TLS=maybe is not true or false",
        "TEMPORAL_TLS_CLIENT_KEY_PATH|/no/such/client.key|TEMPORAL_TLS_CLIENT_KEY_PATH=/no/such/client.key: no such file",
        "TEMPORAL_CONFIG_FILE|/no/such/temporal.toml|TEMPORAL_CONFIG_FILE=/no/such/temporal.toml: no such file",
        "CUTOVER_HEALTH_PORT|80a|CUTOVER_HEALTH_PORT=80a is not a port number",
        "CUTOVER_HEALTH_PORT|70000|CUTOVER_HEALTH_PORT=70000 is not a port number",
        "CUTOVER_LOG_LEVEL|LOUD|CUTOVER_LOG_LEVEL=LOUD is not a log level (one of ALL, DEBUG, ERROR, INFO, OFF, TRACE, WARN)",
        "CUTOVER_REQUIRE_SIGNED_SIGNALS|yes|CUTOVER_REQUIRE_SIGNED_SIGNALS=yes is neither true nor false",
        "CUTOVER_REQUIRE_SIGNED_SIGNALS|true|CUTOVER_REQUIRE_SIGNED_SIGNALS=true needs CUTOVER_APPROVER_KEYS (a file of"
            + " \"<name> ed25519 <base64 public key>\" lines): no signature could ever verify"
      })
  void aMalformedSettingStopsTheWorkerWithExitTwoNamingItBeforeItConnects(
      String variable, String value, String message) throws Exception {
    Exit e = worker(unreachable(), Map.of(variable, value));

    assertThat(e.code()).as(e.out()).isEqualTo(2);
    assertThat(e.out()).isEqualTo("cutover: " + message + "\n");
  }

  @Test
  void theCliNamesAMalformedConnectionSettingWithExitTwoBeforeItConnects() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Exit e =
        run(
            List.of(java, "-jar", Services.cutoverJar().toString(), "status", "shop"),
            unreachable(),
            Map.of("TEMPORAL_TLS_SERVER_CA_CERT_PATH", "/no/such/ca.pem"));

    assertThat(e.code()).as(e.out()).isEqualTo(2);
    assertThat(e.out())
        .isEqualTo("cutover: TEMPORAL_TLS_SERVER_CA_CERT_PATH=/no/such/ca.pem: no such file\n");
  }

  @Test
  void aMalformedTemporalAddressIsNamed() throws Exception {
    Exit e = worker("temporal.internal", Map.of());

    assertThat(e.code()).as(e.out()).isEqualTo(2);
    assertThat(e.out())
        .isEqualTo(
            "cutover: TEMPORAL_ADDRESS=temporal.internal is not host:port (such as localhost:7233"
                + " or temporal.internal:7233)\n");
  }

  @Test
  void aMalformedApproverKeyringStopsTheWorkerNamingTheFileAndTheLine() throws Exception {
    String alice =
        "alice ed25519 " + SignedSignals.encodePublicKey(SignedSignals.generate().getPublic());
    String bobKey = SignedSignals.encodePublicKey(SignedSignals.generate().getPublic());
    record Case(String keyring, String message) {}
    List<Case> cases =
        List.of(
            new Case(
                alice + "\nbob " + bobKey,
                "line 2: expected \"<name> ed25519 <base64 public key> [comment]\", found 2"
                    + " fields"),
            new Case(
                "# approvers\n\nbob rsa " + bobKey,
                "line 3: unknown key type \"rsa\" (only ed25519)"),
            new Case("bob ed25519 not-base64!", "line 1: the public key is not base64"),
            new Case(
                "bob ed25519 AAAAAAAAAAAAAAAAAAAAAA==",
                "line 1: the public key is not an Ed25519 key (32 bytes, or 44 as"
                    + " X.509; found 16)"),
            new Case(
                alice + "\nAlice ed25519 " + bobKey,
                "line 2: \"Alice\" is the same person as \"alice\" after Unicode"
                    + " normalisation; spell one name one way"),
            new Case(
                "bob ed25519 " + bobKey + "\n" + alice + "\ncarol ed25519 " + bobKey,
                "line 3: this key is already on" + " line 1, for bob: a key belongs to one person"),
            new Case(
                "ali\u200dce ed25519 " + bobKey,
                "line 1: the name \"ali<U+200D>ce\" has an invisible, control or"
                    + " direction-changing character (U+200D)"));
    int n = 0;
    for (Case c : cases) {
      Path keyring = Files.writeString(dir.resolve("approvers-" + n++), c.keyring() + "\n");
      Exit e =
          worker(
              unreachable(),
              Map.of(
                  "CUTOVER_APPROVER_KEYS",
                  keyring.toString(),
                  "CUTOVER_REQUIRE_SIGNED_SIGNALS",
                  "true"));
      assertThat(e.code()).as(e.out()).isEqualTo(2);
      assertThat(e.out())
          .as(c.keyring())
          .isEqualTo("cutover: CUTOVER_APPROVER_KEYS (" + keyring + ") " + c.message() + "\n");
    }
    Path missing = dir.resolve("no-such-keyring");
    Exit e = worker(unreachable(), Map.of("CUTOVER_APPROVER_KEYS", missing.toString()));
    assertThat(e.code()).as(e.out()).isEqualTo(2);
    assertThat(e.out())
        .isEqualTo("cutover: CUTOVER_APPROVER_KEYS (" + missing + "): no such file\n");
    Path binary =
        Files.write(dir.resolve("approvers.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    e = worker(unreachable(), Map.of("CUTOVER_APPROVER_KEYS", binary.toString()));
    assertThat(e.out())
        .isEqualTo("cutover: CUTOVER_APPROVER_KEYS (" + binary + "): not UTF-8 text\n");
  }

  @Test
  void wellFormedSettingsWithAnUnreachableServerFailWithExitOneNamingTheServer() throws Exception {
    Path keyring =
        Files.writeString(
            dir.resolve("approvers"),
            "alice ed25519 "
                + SignedSignals.encodePublicKey(SignedSignals.generate().getPublic())
                + "\n");
    String address = unreachable();
    Exit e =
        worker(
            address,
            Map.of(
                "CUTOVER_APPROVER_KEYS",
                keyring.toString(),
                "CUTOVER_REQUIRE_SIGNED_SIGNALS",
                "true"));

    assertThat(e.code()).as(e.out()).isEqualTo(1);
    assertThat(e.out())
        .contains("cutover: cannot start the worker against " + address + ": ")
        .doesNotContain("Exception");
  }

  @Test
  void aHealthPortInUseStopsTheWorkerNamingTheSetting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Exit e =
          worker(
              Services.temporalAddress(),
              Map.of("CUTOVER_HEALTH_PORT", String.valueOf(taken.getLocalPort())));

      assertThat(e.code()).as(e.out()).isEqualTo(1);
      assertThat(e.out())
          .contains(
              "cutover: cannot start the worker against "
                  + Services.temporalAddress()
                  + ": CUTOVER_HEALTH_PORT="
                  + taken.getLocalPort()
                  + ": cannot serve the health endpoint there (");
    }
  }
}
