package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Step;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plan reader's syntax rules ({@link PlanSyntax}) and the worker agree: what {@code cutover
 * lint} accepts, the worker's HTTP client and effects accept too, so a plan that lints clean does
 * not fail on them in the middle of a cutover.
 */
class PlanSyntaxAgreementTest {
  private CutoverActivitiesImpl activities;

  @AfterEach
  void close() {
    if (activities != null) {
      activities.close();
    }
  }

  private static boolean okhttpTakes(Runnable r) {
    try {
      r.run();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Every character of the first planes that matter, and a few beyond. */
  private static List<Character> characters() {
    List<Character> out = new ArrayList<>();
    for (char c = 0; c < 0x300; c++) {
      out.add(c);
    }
    out.addAll(List.of('\u2028', '\u2029', '\u202e', '\u200b', '\ufeff', '\ufffd', '\ud800'));
    return out;
  }

  @Test
  void headerNamesAndValuesAreAcceptedExactlyWhenTheHttpClientTakesThem() {
    int compared = 0;
    for (char c : characters()) {
      String name = "X-" + c;
      String value = "v" + c + "v";
      assertThat(PlanSyntax.headerNameProblem(name) == null)
          .as("name with U+%04X", (int) c)
          .isEqualTo(okhttpTakes(() -> new Headers.Builder().set(name, "v")));
      assertThat(PlanSyntax.headerValueProblem(value) == null)
          .as("value with U+%04X", (int) c)
          .isEqualTo(okhttpTakes(() -> new Headers.Builder().set("X", value)));
      compared += 2;
    }
    assertThat(PlanSyntax.headerNameProblem("")).isNotNull();
    assertThat(okhttpTakes(() -> new Headers.Builder().set("", "v"))).isFalse();
    assertThat(compared).isEqualTo(2 * (0x300 + 7));
  }

  @Test
  void everyUrlTheReaderAcceptsTheHttpClientParses() {
    List<String> hosts =
        List.of(
            "a",
            "a.b",
            "flags.internal",
            "a-b.c",
            "_x.y",
            "1.2.3.4",
            "999.1.1.1",
            "[::1]",
            "[2001:db8::1]",
            "[::ffff:1.2.3.4]",
            "[1:2]",
            "[::1",
            "xn--bcher-kva.de",
            "bücher.de",
            "a..b",
            ".a",
            "a.",
            "-a",
            "%41",
            "a%2eb",
            "a b",
            "",
            "l" + "x".repeat(63) + ".b",
            "x".repeat(63) + ".b",
            "user:pw@h",
            "@h",
            "h@",
            "u@[::1]",
            "${env:HOST}",
            "api-${env:REGION}.example.com",
            "a\\b",
            "a\u0000b",
            "ex\u00e4mple.com");
    List<String> ports =
        List.of("", ":1", ":65535", ":0", ":65536", ":", ":x", ":-1", ":08080", ":${env:PORT}");
    List<String> rests =
        List.of("", "/", "/a b", "/a?b#c", "?q=1", "#f", "/%zz", "/ü", "/${percent}", "/a\u0007");
    int accepted = 0;
    int tried = 0;
    for (String scheme : List.of("http://", "https://")) {
      for (String host : hosts) {
        for (String port : ports) {
          for (String rest : rests) {
            String url = scheme + host + port + rest;
            tried++;
            if (PlanSyntax.httpUrlProblem(url) == null) {
              accepted++;
              // The worker fills placeholders before parsing; a plain value stands for each.
              String filled =
                  url.replace("${env:HOST}", "h")
                      .replace("${env:REGION}", "eu")
                      .replace("${env:PORT}", "8080")
                      .replace("${percent}", "10");
              assertThat(HttpUrl.parse(filled)).as(url).isNotNull();
            }
          }
        }
      }
    }
    assertThat(tried).isEqualTo(2 * hosts.size() * ports.size() * rests.size());
    assertThat(accepted)
        .as("the rule is not so strict it refuses ordinary URLs")
        .isGreaterThan(tried / 8);
    assertThat(PlanSyntax.httpUrlProblem("https://flags.internal:8443/api/flags/v2?x=1#y"))
        .isNull();
  }

  private CutoverActivitiesImpl activities(Map<String, String> env) {
    activities = new CutoverActivitiesImpl(Fixtures.settings(env), Duration.ofSeconds(5));
    return activities;
  }

  private static EffectRequest action(String actionYaml) {
    String key = "cutover-x/s/actions/0";
    return new EffectRequest(
        "cutover-x",
        key,
        "s",
        new Step(Step.Kind.ACTION, 0, 0, null, null, key),
        null,
        null,
        tree("action: " + actionYaml).get("action"),
        Map.of());
  }

  private static String lint(String actionYaml) {
    String plan =
        """
        version: 1
        name: agree
        stages:
          - name: s
            actions:
              - %s
        """
            .formatted(actionYaml);
    try {
      PlanReader.fromTree(PlanReader.parseTree(plan), PlanReader.Rules.HARDENED);
      return null;
    } catch (PlanException e) {
      return e.problems().get(0).message();
    }
  }

  @Test
  void aCommandAtARelativePathIsRefusedByLintAndByTheWorkerInTheSameWords() {
    String yaml = "{ command: [bin/sync], irreversible: true }";
    String said = lint(yaml);
    assertThat(said).isEqualTo("\"bin/sync\": " + PlanSyntax.programProblem("bin/sync"));

    // A worker cannot allow "bin/sync" itself (such an entry stops it at start); one that runs
    // commands
    // refuses the plan's relative program in the reader's words, whatever its entries.
    ApplicationFailure f =
        failure(() -> activities(Map.of(Commands.ALLOWED, "/opt/bin/sync")).apply(action(yaml)));
    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getOriginalMessage())
        .isEqualTo("command bin/sync: " + PlanSyntax.programProblem("bin/sync"));
  }

  @Test
  void aGetWithABodyIsRefusedByLintAndByTheWorkerInTheSameWords() {
    String yaml = "{ http: \"GET https://app.internal/x\", body: \"{}\" }";
    assertThat(lint(yaml)).isEqualTo("a GET request cannot carry a body");

    ApplicationFailure f = failure(() -> activities(Map.of()).apply(action(yaml)));
    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getOriginalMessage())
        .isEqualTo("GET https://app.internal/x: a GET request cannot carry a body");
  }

  @Test
  void aHeaderWithALineBreakIsRefusedByLintAndTheWorkerSendsNothing() {
    String yaml =
        "{ http: \"POST https://app.internal/x\", headers: { X-A: \"a\\r\\nX-Injected: 1\" }, irreversible: true }";
    assertThat(lint(yaml))
        .isEqualTo("a header value is ASCII text on one line (character 2 is U+000D)");

    ApplicationFailure f = failure(() -> activities(Map.of()).apply(action(yaml)));
    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getOriginalMessage())
        .isEqualTo("POST https://app.internal/x: a header has a name or value HTTP cannot carry");
  }
}
