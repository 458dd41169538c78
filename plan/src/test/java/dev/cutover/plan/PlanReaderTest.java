package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlanReaderTest {
  static final String GOOD =
      """
      version: 1
      name: demo
      connections:
        flags: { http: "http://127.0.0.1:8080" }
        db: { postgres: "jdbc:postgresql://127.0.0.1/app", user: gate, password: "${env:DB_PASSWORD}" }
      checks:
        rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
        health: { http: "GET flags:/health", expect: { status: 200, json: { "$.status": healthy } } }
      traffic:
        set: { http: "PUT flags:/api/flags/v2", body: '{"value": ${percent}}' }
        get: { http: "GET flags:/api/flags/v2", value: "$.value" }
      stages:
        - { name: canary, percent: 10, soak: 24h, every: 1h, gates: [rate], approval: true }
      """;

  static final String HTTP_TRAFFIC =
      "  set: { http: \"PUT flags:/api/flags/v2\", body: '{\"value\": ${percent}}' }\n"
          + "  get: { http: \"GET flags:/api/flags/v2\", value: \"$.value\" }\n";

  static List<Problem> problems(String yaml) {
    try {
      PlanReader.read(yaml);
      return List.of();
    } catch (PlanException e) {
      return e.problems();
    }
  }

  @Test
  void readsAGoodPlanWithDefaultsFilledIn() {
    Plan p = PlanReader.read(GOOD);
    assertThat(p.workflowId()).isEqualTo("cutover-demo");
    Stage s = p.stages().get(0);
    assertThat(s.soak()).isEqualTo(Duration.ofHours(24));
    Rule gate = s.gates().get(0);
    assertThat(gate.every()).isEqualTo(Duration.ofHours(1));
    assertThat(gate.severity()).isEqualTo(Rule.Severity.CRITICAL);
    assertThat(gate.errorLimit()).isEqualTo(3);
    assertThat(gate.grace()).isEqualTo(Duration.ofHours(1));
    assertThat(gate.escalateAfter()).isEqualTo(Duration.ofHours(6));
    assertThat(p.rollback().percent()).isZero();
    assertThat(p.rollback().then()).isEqualTo(Rollback.Then.HOLD);
    assertThat(p.check("rate").timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.connections().get("db").password()).isEqualTo("${env:DB_PASSWORD}");
  }

  @Test
  void jsonAndYamlReadToTheSamePlan() throws Exception {
    Plan fromYaml = PlanReader.read(GOOD);
    String json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsString(PlanReader.parseTree(GOOD));
    assertThat(PlanReader.read(json)).isEqualTo(fromYaml);
  }

  @Test
  void reportsFiveDifferentMistakesAtOnceEachWithItsPath() {
    String bad =
        GOOD.replace("name: demo", "name: Demo_Plan")
            .replace("soak: 24h", "soak: 24 hours")
            .replace("gates: [rate]", "gates: [rate, nope]")
            .replace("percent: 10", "percent: 120")
            .replace("traffic:", "trafic:");
    assertThat(problems(bad))
        .extracting(Problem::toString)
        .containsExactlyInAnyOrder(
            "name: \"Demo_Plan\" must match ^[a-z0-9][a-z0-9-]{0,62}$ (it becomes the workflow id cutover-Demo_Plan)",
            "stages[0].percent: 120 is outside 0-100",
            "stages[0].soak: \"24 hours\" is not a duration; write e.g. 90s, 30m, 24h, 7d or 1h30m",
            "stages[0].percent: a stage with percent needs a traffic section saying how to apply it",
            "trafic: unknown field \"trafic\"; did you mean \"traffic\"? (expected one of: version, name, description, "
                + "connections, checks, traffic, flagsApi, prerequisites, stages, watch, rollback, approvals, notify, window, defaults)",
            "stages[1].gates[1].check: no check named \"nope\" (known: health, rate)"
                .replace("stages[1]", "stages[0]"));
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(
            "a bad comparison",
            GOOD.replace("\">= 95\"", "\"=> 95\""),
            "checks.rate.pass: \"=> 95\" is not a comparison; use <, <=, >, >=, ==, != or \"between A and B\" with numbers"),
        Arguments.of(
            "every more than half of for",
            GOOD.replace("gates: [rate]", "gates: [{ check: rate, every: 10m, for: 15m }]"),
            "stages[0].gates[0].every: every (10m) must be at most half of for (15m), so a breach rests on at least two measurements"),
        Arguments.of(
            "both for and failures",
            GOOD.replace("gates: [rate]", "gates: [{ check: rate, for: 1h, failures: 2/3 }]"),
            "stages[0].gates[0]: give \"for\" or \"failures\", not both"),
        Arguments.of(
            "duplicate stage names",
            GOOD + "  - { name: canary, percent: 50 }\n",
            "stages[1].name: duplicate stage name \"canary\""),
        Arguments.of(
            "a stage that does nothing",
            GOOD + "  - { name: idle, soak: 1h }\n",
            "stages[1]: a stage must set percent, flags or actions"),
        Arguments.of(
            "a literal password",
            GOOD.replace("\"${env:DB_PASSWORD}\"", "hunter2"),
            "connections.db.password: must be a ${env:NAME} reference: a literal password would be written to workflow history"),
        Arguments.of(
            "chained SQL",
            GOOD.replace("SELECT 99 AS value", "SELECT 99 AS value; DROP TABLE users"),
            "checks.rate.query: one statement only: a check's SQL may not chain statements with ';'"),
        Arguments.of(
            "a check with two sources",
            GOOD.replace("rate: { sql: db,", "rate: { prometheus: db, sql: db,"),
            "checks.rate: a check has exactly one of sql, prometheus, http, compare; found sql and prometheus"),
        Arguments.of(
            "a connection of the wrong kind",
            GOOD.replace("rate: { sql: db,", "rate: { sql: flags,"),
            "checks.rate.sql: connection \"flags\" is http, not postgres"),
        Arguments.of(
            "an unknown placeholder",
            GOOD.replace("${percent}", "${pct}"),
            "traffic.set.body: unknown placeholder ${pct}; here you may use ${env:NAME}, ${percent}"),
        Arguments.of(
            "a bad window",
            GOOD.replace("approval: true }", "approval: true, window: \"Mon-Fri 9-5\" }"),
            "stages[0].window: \"Mon-Fri 9-5\" is not a window; write e.g. \"Mon-Thu 09:00-16:00 Europe/Berlin\""),
        Arguments.of(
            "a bad severity",
            GOOD.replace("gates: [rate]", "gates: [{ check: rate, severity: severe }]"),
            "stages[0].gates[0].severity: \"severe\" is not one of: critical, high, medium, low"),
        Arguments.of(
            "bad failures",
            GOOD.replace("gates: [rate]", "gates: [{ check: rate, failures: 3 of 5 }]"),
            "stages[0].gates[0].failures: \"3 of 5\" is not M/N, e.g. 3/5"),
        Arguments.of("a missing version", GOOD.replace("version: 1\n", ""), "version: required"),
        Arguments.of(
            "a newer version",
            GOOD.replace("version: 1", "version: 2"),
            "version: unsupported plan version 2 (this cutover reads version 1)"),
        Arguments.of(
            "a percent as text",
            GOOD.replace("percent: 10", "percent: ten"),
            "stages[0].percent: expected a whole number, found \"ten\""),
        Arguments.of(
            "a rule that is neither name nor object",
            GOOD.replace("gates: [rate]", "gates: [[rate]]"),
            "stages[0].gates[0]: a rule is a check name or an object with \"check\""),
        Arguments.of(
            "a relative URL to an unknown connection",
            GOOD.replace("GET flags:/health", "GET nowhere:/health"),
            "checks.health.http: no connection named \"nowhere\" (known: db, flags)"),
        Arguments.of(
            "an http check with nothing to judge",
            GOOD.replace(", expect: { status: 200, json: { \"$.status\": healthy } }", ""),
            "checks.health: an http check needs \"expect\" (status, JSON values) or \"value\" (a JSON path judged by pass)"),
        Arguments.of(
            "an action with neither undo nor irreversible",
            GOOD.replace(
                "approval: true }",
                "approval: true, actions: [{ http: \"POST flags:/switch\" }] }"),
            "stages[0].actions[0]: say how a rollback undoes this action (undo: ...) or mark it irreversible: true"
                + " (its stage then starts only after an approval)"),
        Arguments.of(
            "an action with both undo and irreversible",
            GOOD.replace(
                "approval: true }",
                "approval: true, actions: [{ http: \"POST flags:/on\", undo: { http: \"POST flags:/off\" }, irreversible: true }] }"),
            "stages[0].actions[0].irreversible: an action with an undo is not irreversible; keep one of them"),
        Arguments.of(
            "a command as a single string",
            GOOD.replace(
                "approval: true }",
                "approval: true, actions: [{ command: \"sync --all\", irreversible: true }] }"),
            "stages[0].actions[0].command: expected a list, found \"sync --all\""),
        Arguments.of(
            "a compare check without a baseline",
            GOOD.replace(
                "rate: { sql: db, query: \"SELECT 99 AS value\", pass: \">= 95\" }",
                "rate: { compare: { sql: db, new: { failures: \"SELECT 1\", total: \"SELECT 2\" } } }"),
            "checks.rate.compare.baseline: required"),
        Arguments.of(
            "nginx traffic with a relative file",
            GOOD.replace(HTTP_TRAFFIC, "  nginx: { file: split.conf, new: green, old: blue }\n"),
            "traffic.nginx.file: an absolute path to a .conf file (no ..), e.g. /etc/nginx/cutover/split.conf"),
        Arguments.of(
            "duplicate keys",
            GOOD.replace("name: demo", "name: demo\nname: other"),
            "name: the key \"name\" is written twice (first on line 2); write each key once (line 3, column 1)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void namesEachMistakeWithItsPath(String what, String yaml, String expected) {
    assertThat(problems(yaml)).extracting(Problem::toString).contains(expected);
  }

  @Test
  void readsTheNewerShapesCompareNginxCommandUndoAndGetSmokeTests() {
    Plan p =
        PlanReader.read(
            GOOD.replace(
                    "rate: { sql: db, query: \"SELECT 99 AS value\", pass: \">= 95\" }",
                    """
        rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
          vs: { compare: { sql: db, new: { failures: "SELECT 1", total: "SELECT 2" }, baseline: { failures: "SELECT 3", total: "SELECT 4" }, margin: 0.005 } }""")
                .replace(
                    HTTP_TRAFFIC,
                    "  nginx: { file: /etc/nginx/cutover/split.conf, new: green, old: blue, config: /etc/nginx/nginx.conf }\n")
                .replace(
                    "approval: true }",
                    """
        approval: true, actions: [
              { command: [final-sync, --verify], timeout: 10m, irreversible: true },
              { http: "POST flags:/on", undo: { command: [flags-off] } },
              { http: "GET flags:/health", expect: { status: 200 } } ] }"""));
    Check.Compare cmp = (Check.Compare) p.check("vs").source();
    assertThat(cmp.margin()).isEqualTo(0.005);
    assertThat(cmp.confidence()).isEqualTo(0.95);
    assertThat(cmp.minSamples()).isEqualTo(100);
    assertThat(p.traffic().nginx().variable()).isEqualTo("$cutover_upstream");
    List<Action> actions = p.stages().get(0).actions();
    assertThat(((Action.Command) actions.get(0)).argv()).containsExactly("final-sync", "--verify");
    assertThat(actions.get(0).irreversible()).isTrue();
    assertThat(actions.get(1).undo()).isInstanceOf(Action.Command.class);
    assertThat(actions.get(2).undo()).isNull();
    assertThat(PlanReader.fromTree(PlanJson.write(p))).isEqualTo(p);
  }

  @Test
  void aCheckWithAnInvalidPassIsNotAlsoReportedAsMissingOne() {
    List<Problem> ps = problems(GOOD.replace("\">= 95\"", "\"lots\""));
    assertThat(ps).hasSize(1);
  }

  @Test
  void emptyAndMalformedTextIsRejectedClearly() {
    assertThatThrownBy(() -> PlanReader.read(""))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("the plan is empty");
    assertThatThrownBy(() -> PlanReader.read("stages: ["))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining(
            "line 1, column 10: not valid YAML: expected the node content, but found '<stream end>'");
    assertThatThrownBy(() -> PlanReader.read("- a\n- b\n"))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("expected an object");
  }

  static Stream<Path> examples() throws IOException {
    Path dir = Path.of("..", "examples");
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExamplePlanReadsClean(Path file) throws IOException {
    Plan p = PlanReader.read(Files.readString(file));
    assertThat(file.getFileName().toString()).isEqualTo(p.name() + ".yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void theNormalizedJsonReadsBackToTheSamePlan(Path file) throws IOException {
    Plan p = PlanReader.read(Files.readString(file));
    assertThat(PlanReader.fromTree(PlanJson.write(p))).isEqualTo(p);
  }

  @Test
  void theSummaryShowsStagesGatesAndTheShortestDuration() throws IOException {
    Plan p = PlanReader.read(Files.readString(Path.of("..", "examples", "full-pass-v2.yaml")));
    String text = PlanSummary.text(p);
    assertThat(text)
        .contains(
            "1. canary       10%",
            "gate   success_rate >= 95, every 1h [critical]",
            "error_rate < 0.05, every 1m, for 5m [critical]",
            "shortest possible duration: 17d");
  }
}
