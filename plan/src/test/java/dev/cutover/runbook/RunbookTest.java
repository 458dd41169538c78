package dev.cutover.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RunbookTest {
  static Plan example(String name) throws IOException {
    return PlanReader.read(Files.readString(Path.of("..", "examples", name)));
  }

  @Test
  void theSeedPlanReadsAsItsRunbookTimelineGatesTriggersRollbackAndPointOfNoReturn()
      throws IOException {
    String md = Runbook.markdown(example("full-pass-v2.yaml"));
    assertThat(md)
        .startsWith("# Runbook: full-pass-v2\n\nMove imports from the v1 to the v2 full_pass")
        .contains(
            """
            | # | stage | changes | starts (earliest) | soak | then |
            |---|---|---|---|---|---|
            | 1 | canary | 10% of traffic | T+0s | 1d | approval when soaked |
            | 2 | half | 50% of traffic | T+1d | 2d | approval when soaked |
            | 3 | full | 100% of traffic | T+3d | 7d | approval when soaked |
            | 4 | deprecate | 1 action after the soak | T+10d | 7d | approval when soaked; then its\
             end-of-stage actions (point of no return) |

            Done at the earliest T+17d: the soaks back to back; approvals and windows add to it.
            """,
            "- **schema_ready** `== 4` (SQL on appdb)\n",
            "- Traffic: `PUT flags:/api/flags/v2-rollout`, read back from `GET"
                + " flags:/api/flags/v2-rollout`.\n",
            "### 1. canary: 10% of traffic, soak 1d\n",
            "  - **success_rate** `>= 95`, SQL on appdb: critical, roll back at once\n",
            "  - **v1_calls** `== 0`, Prometheus on prom: medium, hold the stage; roll back after"
                + " 6h\n",
            "- **error_rate** must stay `< 0.05`, measured every 1m; breached when failing for 5m"
                + " (Prometheus on prom): critical, roll back at once\n",
            """
            1. Traffic to 0% of the new path.
            2. Stage deprecate: `POST https://rlm.internal/admin/remove-v1`, expecting HTTP 200\
             **cannot be undone**: it stays done.
            3. Drain: wait until in_flight_v2 passes (`== 0`), at most 30m.
            4. Hold: `retry` starts over (prerequisites first), `abandon` ends.
            """,
            "## Points of no return\n\n- Stage deprecate, after its soak: `POST"
                + " https://rlm.internal/admin/remove-v1`, expecting HTTP 200. It runs only after"
                + " an approval once the soak is met.\n",
            "After a point of no return has run, nothing before it is undone: a breach or an"
                + " `abort` holds the cutover and pages instead.\n",
            "- After the soak, action 1: `POST https://rlm.internal/admin/remove-v1`, expecting"
                + " HTTP 200 (**cannot be undone**) **Point of no return.**\n",
            "- Who: alice or bob, never the person who started the cutover.\n",
            "- Asked for: canary (when soaked), half (when soaked), full (when soaked), deprecate"
                + " (when soaked).\n",
            "```promql\nsum(increase(rlm_v1_process_full_calls_total[24h]))\n```\n",
            "| appdb | postgres | jdbc:postgresql://db.internal:5432/app | user gatekeeper;"
                + " password from `${env:APPDB_PASSWORD}` |\n",
            "| flags | http | https://flags.internal | headers Authorization |\n");
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
  void everyExampleRendersEveryStageAndCheckAndNoHeaderValue(Path file) throws IOException {
    Plan plan = PlanReader.read(Files.readString(file));
    String md = Runbook.markdown(plan);
    for (int i = 0; i < plan.stages().size(); i++) {
      assertThat(md).contains("### " + (i + 1) + ". " + plan.stages().get(i).name() + ": ");
    }
    plan.checks().keySet().forEach(c -> assertThat(md).contains("### " + c + "\n"));
    for (var c : plan.connections().values()) {
      c.headers().values().forEach(v -> assertThat(md).doesNotContain(v));
    }
    assertThat(md).contains("## Rollback", "## Points of no return", "## Approvals");
  }

  @Test
  void headerValuesAndBodiesAreNeverPrintedWhateverTheyHold() {
    Plan plan =
        PlanReader.read(
            """
            version: 1
            name: literal-token
            connections:
              flags: { http: "https://flags.internal", headers: { X-Api-Key: "sk-live-123456" } }
            checks:
              up:
                http: GET flags:/health
                headers: { X-Trace: "trace-abcdef-secret" }
                expect: { status: 200 }
            traffic:
              set: { http: "PUT flags:/split", body: '{"value": ${percent}, "key": "body-secret"}' }
            stages:
              - { name: canary, percent: 10, soak: 1h, gates: [up] }
            """);
    String md = Runbook.markdown(plan);
    for (String secret : List.of("sk-live-123456", "abcdef-secret", "body-secret")) {
      assertThat(md).doesNotContain(secret);
    }
    assertThat(md)
        .contains("| flags | http | https://flags.internal | headers X-Api-Key |")
        .contains("## Points of no return\n\nNone: every step can be undone by the rollback.\n")
        .contains("## Triggers\n\nNo watch rules: only the stages' gates, and people, stop the");
  }

  @Test
  void aQueryHoldingBackticksKeepsItsCodeBlockClosed() {
    Markdown md = new Markdown();
    md.code("sql", "SELECT '```' AS value");
    assertThat(md.toString()).isEqualTo("\n````sql\nSELECT '```' AS value\n````\n");
    assertThat(Markdown.cell("a|b\nc")).isEqualTo("a\\|b c");
  }
}
