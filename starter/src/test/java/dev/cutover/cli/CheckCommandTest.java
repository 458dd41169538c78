package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.testing.TestServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutover check} measures through the worker's own code against real PostgreSQL and a real
 * HTTP server on loopback, under the worker's settings from the environment it is given.
 */
class CheckCommandTest {
  HttpServer http;
  String pgUrl;
  String pgUser;
  String pgPassword;
  String role;
  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException, java.sql.SQLException {
    pgUrl = TestServices.require("CUTOVER_TEST_PG_URL");
    // The worker refuses to measure as a superuser (the test server's own user is one).
    role = "check_" + java.util.UUID.randomUUID().toString().substring(0, 8);
    pgUser = role;
    pgPassword = "pw-" + java.util.UUID.randomUUID();
    admin("CREATE ROLE " + role + " LOGIN PASSWORD '" + pgPassword + "'");
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/health",
        x -> {
          byte[] body = "{\"status\": \"ok\", \"errors\": 0.02}".getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    http.start();
  }

  @AfterEach
  void stop() throws java.sql.SQLException {
    if (http != null) {
      http.stop(0);
    }
    if (role != null) {
      admin("DROP ROLE IF EXISTS " + role);
    }
  }

  /** Runs {@code sql} on the test PostgreSQL as its superuser. */
  private static void admin(String sql) throws java.sql.SQLException {
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                TestServices.require("CUTOVER_TEST_PG_URL"),
                TestServices.require("CUTOVER_TEST_PG_USER"),
                TestServices.require("CUTOVER_TEST_PG_PASSWORD"));
        java.sql.Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  Path plan() throws IOException {
    Path p = dir.resolve("plan.yaml");
    Files.writeString(
        p,
        """
        version: 1
        name: check-me
        connections:
          db: { postgres: "%s", user: "%s", password: "${env:CHECK_PG_PASSWORD}" }
          app: { http: "http://127.0.0.1:%d" }
        checks:
          success_rate: { sql: db, query: "SELECT 99.5 AS value", pass: ">= 95" }
          stuck: { sql: db, query: "SELECT 3 AS value", pass: "== 0" }
          health: { http: "GET app:/health", expect: { status: 200, json: { "$.status": ok } } }
          errors: { http: "GET app:/health", value: "$.errors", pass: "< 0.05" }
        traffic:
          set: { http: "PUT app:/split", body: '{"value": ${percent}}' }
        stages:
          - { name: canary, percent: 10, soak: 1h, gates: [success_rate, health] }
        watch:
          - { check: stuck, every: 10m, pass: "<= 10" }
          - { check: errors, every: 1m }
        """
            .formatted(pgUrl, pgUser, http.getAddress().getPort()));
    return p;
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1");
    env.put("CUTOVER_ALLOWED_SECRETS", "CHECK_PG_PASSWORD");
    env.put("CHECK_PG_PASSWORD", pgPassword);
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1] == null) {
        env.remove(pairs[i]);
      } else {
        env.put(pairs[i], pairs[i + 1]);
      }
    }
    return env;
  }

  static Cli.Result check(Map<String, String> env, String... args) {
    CheckCommand command = new CheckCommand();
    command.env = env;
    List<String> all = new ArrayList<>(List.of(args));
    return Cli.run(command, all.toArray(String[]::new));
  }

  @Test
  void measuresEveryCheckOnceAndPrintsEachValueAgainstItsThreshold() throws IOException {
    Cli.Result r = check(env(), plan().toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .isEqualTo(
            """
            success_rate  PASS     99.5 meets >= 95
            stuck         FAIL     3 fails == 0
                          PASS     as watch[0] (<= 10): 3 meets <= 10
            health        PASS     status 200
            errors        PASS     0.02 meets < 0.05
            """);
    assertThat(r.err()).endsWith(": 1 of 4 checks do not pass\n");
    assertThat(r.out() + r.err()).doesNotContain(pgPassword);
  }

  @Test
  void onlyTheNamedChecksAreMeasuredAndAllPassingExitsZero() throws IOException {
    Cli.Result r =
        check(
            env(), plan().toString(), "--check", "success_rate", "--check", "errors", "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json).hasSize(2);
    assertThat(json.get(0).get("check").asText()).isEqualTo("success_rate");
    assertThat(json.get(0).get("value").asDouble()).isEqualTo(99.5);
    assertThat(json.get(1).get("outcome").asText()).isEqualTo("PASS");
    assertThat(r.err()).endsWith(": all 2 checks pass\n");
  }

  @Test
  void aSuperuserRoleIsRefusedAsTheWorkerRefusesIt() throws IOException {
    pgUser = TestServices.require("CUTOVER_TEST_PG_USER");
    Cli.Result r =
        check(
            env("CHECK_PG_PASSWORD", TestServices.require("CUTOVER_TEST_PG_PASSWORD")),
            plan().toString(),
            "--check",
            "success_rate");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .startsWith("success_rate  ERROR    refused: role \"" + pgUser + "\" is a superuser");
  }

  @Test
  void theWorkersHostPolicyAndSecretAllowListApply() throws IOException {
    Cli.Result hosts = check(env("CUTOVER_ALLOWED_HOSTS", null), plan().toString());
    assertThat(hosts.exit()).isEqualTo(1);
    assertThat(hosts.out())
        .contains(
            "success_rate  ERROR    cannot connect: host 127.0.0.1 is loopback; allow it with"
                + " CUTOVER_ALLOWED_HOSTS\n",
            "health        ERROR    GET app:/health: host 127.0.0.1 is loopback; allow it with"
                + " CUTOVER_ALLOWED_HOSTS\n")
        .doesNotContain("PASS");
    assertThat(hosts.err()).endsWith(": 4 of 4 checks do not pass\n");

    Cli.Result secrets =
        check(env("CUTOVER_ALLOWED_SECRETS", null), plan().toString(), "--check", "success_rate");
    assertThat(secrets.exit()).isEqualTo(1);
    assertThat(secrets.out())
        .isEqualTo(
            "success_rate  ERROR    ${env:CHECK_PG_PASSWORD} is not allowed: CUTOVER_ALLOWED_SECRETS"
                + " is not set on this worker, so no ${env:...} reference resolves\n");
    assertThat(secrets.out() + secrets.err()).doesNotContain(pgPassword);
  }

  @Test
  void badInputExitsTwoAndMeasuresNothing() throws IOException {
    Cli.Result unknown = check(env(), plan().toString(), "--check", "sucess_rate");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err())
        .isEqualTo(
            "cutover: --check: no check named \"sucess_rate\" in "
                + plan()
                + " (its checks: success_rate, stuck, health, errors)\n");
    Cli.Result setting = check(env("CUTOVER_ALLOWED_HOSTS", "not a host!"), plan().toString());
    assertThat(setting.exit()).isEqualTo(2);
    assertThat(setting.err())
        .isEqualTo(
            "cutover: CUTOVER_ALLOWED_HOSTS: \"not a host!\" is not a host name, an IP address or a"
                + " CIDR range (e.g. 10.0.0.0/8)\n");
    assertThat(check(env(), dir.resolve("nope.yaml").toString()).exit()).isEqualTo(2);
  }
}
