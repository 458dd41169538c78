package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.cli.Main;
import dev.cutover.demo.DemoTarget;
import dev.cutover.testing.WorkerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability bar: a known secret value never appears in history, logs or the server's SQLite
 * file. The plan uses a database password and a flag API token through ${env:...}; the cutover runs
 * to completion, then every byte the system wrote is searched for them.
 */
class SecretsIT {
  @TempDir Path dir;

  @Test
  void noSecretValueReachesHistoryLogsOrTheServersDatabase() throws Exception {
    String pgUrl = Services.require("CUTOVER_TEST_PG_URL");
    String dbSecret = "pw-" + UUID.randomUUID();
    String tokenSecret = "tok-" + UUID.randomUUID();
    String role = "gate_" + UUID.randomUUID().toString().substring(0, 8).replace('-', '_');
    try (Connection c =
            DriverManager.getConnection(
                pgUrl,
                Services.require("CUTOVER_TEST_PG_USER"),
                Services.require("CUTOVER_TEST_PG_PASSWORD"));
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + dbSecret + "'");
    }
    Path bin = Services.temporalBin();
    int port = Services.freePort();
    String address = "127.0.0.1:" + port;
    Path db = dir.resolve("temporal.db");
    String name = "secrets";
    String plan =
        """
        version: 1
        name: %s
        connections:
          appdb: { postgres: "%s", user: %s, password: "${env:APPDB_PASSWORD}" }
          target: { http: "${env:DEMO_TARGET_URL}", headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" } }
        checks:
          db_alive: { sql: appdb, query: "SELECT 1 AS value", pass: "== 1" }
          v2_error_rate: { http: "GET target:/stats", value: "$.error_rate", pass: "< 0.05" }
        traffic:
          set: { http: "PUT target:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/v2-rollout", value: "$.value" }
        prerequisites: [db_alive]
        stages:
          - { name: canary, percent: 10, soak: 4s, every: 1s, gates: [db_alive, v2_error_rate] }
          - { name: full, percent: 100, soak: 3s, every: 1s, gates: [db_alive] }
        """
            .formatted(name, pgUrl, role);
    Process server = ServerRestartIT.startServer(bin, port, db);
    Path logs = dir.resolve("logs");
    try (DemoTarget target = DemoTarget.start(0)) {
      try (WorkerProcess w =
          Workers.start(
              address,
              "e2e-secrets",
              Map.of(
                  "DEMO_TARGET_URL",
                  target.baseUrl(),
                  "APPDB_PASSWORD",
                  dbSecret,
                  "FLAG_TOKEN",
                  tokenSecret),
              logs)) {
        assertThat(
                Main.execute(
                    "start",
                    Plans.write(dir, name, plan).toString(),
                    "--by",
                    "carol",
                    "--address",
                    address,
                    "--task-queue",
                    "e2e-secrets"))
            .isZero();
        Cutover cutover = new Cutover(address, "cutover-" + name);
        assertThat(cutover.awaitState("COMPLETED", Duration.ofSeconds(90)).percent())
            .isEqualTo(100);
        String history = decodedPayloads(cutover.client.fetchHistory(cutover.id).toJson(true));
        // Positive control: the references are there, so the search does see the payloads.
        assertThat(history)
            .contains("${env:APPDB_PASSWORD}", "${env:FLAG_TOKEN}")
            .doesNotContain(dbSecret, tokenSecret);
        cutover.close();
      }
    } finally {
      ServerRestartIT.kill(server);
    }
    // Everything written: the server's SQLite file (and its WAL), the server log, the worker logs.
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(bytes).as(f.toString()).doesNotContain(dbSecret).doesNotContain(tokenSecret);
        all.append(bytes);
      }
    }
    // Positive control: the server's files hold the plan (with its references) in readable form.
    assertThat(all.toString()).contains("${env:FLAG_TOKEN}");
  }

  /**
   * The history JSON with every base64 payload decoded in place, so a search sees what they hold.
   */
  static String decodedPayloads(String json) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"data\":\\s*\"([^\"]+)\"").matcher(json);
    StringBuilder out = new StringBuilder(json);
    while (m.find()) {
      try {
        String base64 = m.group(1).replace("\\u003d", "=");
        out.append('\n')
            .append(
                new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException notBase64) {
        // not a payload
      }
    }
    return out.toString();
  }
}
