package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class LintCommandTest {
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
  void everyExampleLintsCleanWithASummary(Path plan) {
    Cli.Result r = Cli.run("lint", plan.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("stages:", "shortest possible duration:");
    assertThat(r.err()).endsWith(": ok\n");
  }

  @Test
  void aPlanWithFiveMistakesExitsTwoNamingAllFiveWithTheirPaths(@TempDir Path dir)
      throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        """
        version: 1
        name: Bad Name
        checks:
          rate: { prometheus: prom, query: "x", pass: "=> 1" }
        stages:
          - { name: one, percent: 150, soak: 2 days, gates: [nope] }
        """);
    Cli.Result r = Cli.run("lint", bad.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains(
            "bad.yaml: name: \"Bad Name\" must match",
            "bad.yaml: checks.rate.pass: \"=> 1\" is not a comparison",
            "bad.yaml: stages[0].percent: 150 is outside 0-100",
            "bad.yaml: stages[0].soak: \"2 days\" is not a duration",
            "bad.yaml: stages[0].gates[0].check: no check named \"nope\"",
            "bad.yaml: checks.rate.prometheus: no connection named \"prom\"");
  }

  @Test
  void jsonOutputIsTheNormalizedPlanAndReadsBack() {
    Cli.Result r = Cli.run("lint", "../examples/full-pass-v2.yaml", "--output", "json");
    assertThat(r.exit()).isZero();
    assertThat(PlanReader.read(r.out()).name()).isEqualTo("full-pass-v2");
    assertThat(r.out())
        .contains("\"escalateAfter\" : \"6h\"", "\"password\" : \"${env:APPDB_PASSWORD}\"");
  }

  static final String PLAN =
      """
      version: 1
      name: hostile
      connections:
        flags: { http: "https://flags.internal" }
      checks:
        up: { http: "GET flags:/health", expect: { status: 200 } }
      traffic:
        set: { http: "PUT flags:/split", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 24h, gates: [up] }
      approvals: { approvers: [alice] }
      """;

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] plan(String from, String to) {
    assertThat(PLAN).contains(from);
    return utf8(PLAN.replace(from, to));
  }

  /**
   * Oversized and hostile plan files: each is refused with exit 2 and one line per problem naming
   * its place, and nothing else is printed (no stack trace, no summary).
   */
  static Stream<Arguments> hostilePlans() {
    StringBuilder laughs =
        new StringBuilder("version: 1\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (char c = 'b'; c <= 'z'; c++) {
      laughs
          .append(c)
          .append(": &")
          .append(c)
          .append(" [")
          .append(String.join(", ", Collections.nCopies(9, "*" + (char) (c - 1))))
          .append("]\n");
    }
    byte[] fiveMegabytes = new byte[5 * 1024 * 1024];
    new Random(9).nextBytes(fiveMegabytes);
    byte[] utf16 = PLAN.getBytes(StandardCharsets.UTF_16);
    return Stream.of(
        Arguments.of(
            "a soak of 10^12 days",
            plan("soak: 24h", "soak: 1000000000000d"),
            "stages[0].soak: \"1000000000000d\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "a soak of 400 days",
            plan("soak: 24h", "soak: 400d"),
            "stages[0].soak: 400d is longer than 365d, the longest soak a plan may ask for"),
        Arguments.of(
            "every 10^23 weeks",
            plan("gates: [up]", "gates: [{ check: up, every: 99999999999999999999999w }]"),
            "stages[0].gates[0].every: \"99999999999999999999999w\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "failures of 10^11 out of 5",
            plan("gates: [up]", "gates: [{ check: up, failures: 99999999999/5 }]"),
            "stages[0].gates[0].failures: in M/N, 1 <= M <= N <= 100 (got 99999999999/5)"),
        Arguments.of(
            "5 MB of random bytes",
            fiveMegabytes,
            "a plan is at most 262144 bytes (256 KiB); this file is 5242880 bytes"),
        Arguments.of(
            "a 300 KB plan",
            plan("name: hostile", "name: hostile\ndescription: " + "x".repeat(300_000)),
            "a plan is at most 262144 bytes (256 KiB); this file is 300341 bytes"),
        Arguments.of(
            "a 100 KB description",
            plan("name: hostile", "name: hostile\ndescription: " + "x".repeat(100_000)),
            "description: too long: 100000 characters; a description is at most 4096"),
        Arguments.of(
            "Latin-1 text",
            PLAN.replace("alice", "al\u00efce").getBytes(StandardCharsets.ISO_8859_1),
            "line 11: not UTF-8: byte 320 (0xEF, byte 28 of line 11) does not belong to a UTF-8 character; save the plan as UTF-8"),
        Arguments.of(
            "UTF-16",
            utf16,
            "not UTF-8: the file starts with a UTF-16 byte order mark; save the plan as UTF-8"),
        Arguments.of(
            "NUL bytes",
            new byte[1000],
            "line 1, column 1: the control character U+0000 is not allowed in a plan (is this a binary file?)"),
        Arguments.of("an empty file", new byte[0], "the plan is empty"),
        Arguments.of(
            "an alias",
            plan("approvers: [alice]", "approvers: [*who]"),
            "approvals.approvers[0]: YAML aliases (*who) are not allowed in a plan; write the value out (line 11, column 26)"),
        Arguments.of(
            "a billion laughs",
            utf8(laughs.toString()),
            "a: YAML anchors (&a) are not allowed in a plan; write the value out where it is used (line 2, column 4)"),
        Arguments.of(
            "a merge key",
            plan(
                "approvals: { approvers: [alice] }",
                "approvals: { <<: { approvers: [mallory] }, approvers: [alice] }"),
            "approvals: YAML merge keys (<<) are not allowed in a plan; write the fields out (line 11, column 14)"),
        Arguments.of(
            "a custom tag",
            plan("name: hostile", "name: !secret hostile"),
            "name: YAML tags (!secret) are not allowed in a plan; quote the value if it is text (line 2, column 7)"),
        Arguments.of(
            "a key written twice",
            plan("name: hostile", "name: hostile\nname: other"),
            "name: the key \"name\" is written twice (first on line 2); write each key once (line 3, column 1)"),
        Arguments.of(
            "a second document",
            utf8(PLAN + "---\nname: other\n"),
            "line 12, column 1: a plan is one YAML document; a second one starts here (---)"),
        Arguments.of(
            "10,000 nested YAML lists",
            utf8("version: 1\nstages: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n"),
            "stages"
                + "[0]".repeat(31)
                + ": nested more than 32 levels deep; a plan is never that deep (line 2, column 40)"),
        Arguments.of(
            "10,000 nested JSON objects",
            utf8("{\"a\": " + "{\"a\": ".repeat(10_000) + "1" + "}".repeat(10_001)),
            "line 1, column 193: nested more than 32 levels deep; a plan is never that deep"),
        Arguments.of(
            "JSON NaN",
            utf8("{\"version\": NaN}"),
            "line 1, column 16: not valid JSON: Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        Arguments.of(
            "an nginx key with a quote",
            plan(
                PLAN.substring(PLAN.indexOf("traffic:"), PLAN.indexOf("stages:")),
                "traffic:\n  nginx: { file: /etc/nginx/cutover/split.conf, key: '$remote_addr\"', new: green, old: blue }\n"),
            "traffic.nginx.key: \"$remote_addr\"\" is not what splits clients, built from nginx variables and letters,"
                + " digits, _ : . / @ - only, e.g. $remote_addr or ${cookie_session}"),
        Arguments.of(
            "a header that injects another",
            plan(
                "http: \"https://flags.internal\"",
                "http: \"https://flags.internal\", headers: { X-A: \"a\\r\\nX-Injected: 1\" }"),
            "connections.flags.headers.X-A: a header value is ASCII text on one line (character 2 is U+000D)"),
        Arguments.of(
            "a terminal escape in a name",
            plan("approvers: [alice]", "approvers: [\"\\e[2Jalice\"]"),
            "approvals.approvers[0]: has the control character U+001B at character 1; an approver's name is one line"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostilePlans")
  void aHostilePlanIsRefusedWithExitTwoAndNoStackTrace(
      String what, byte[] content, String problem, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("plan.yaml");
    Files.write(file, content);
    Cli.Result r = Cli.run("lint", file.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().findFirst()).contains("cutover: " + file + ": " + problem);
    assertThat(r.err().lines())
        .allMatch(l -> l.startsWith("cutover: " + file + ": ") || l.startsWith(file + ": "));
    assertThat(r.err()).doesNotContain("\tat ", "Exception", "Error:");
  }

  @Test
  void startRefusesAHostilePlanBeforeItReachesForTheServer(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("plan.yaml");
    Files.write(file, plan("soak: 24h", "soak: 1000000000000d"));
    Cli.Result r = Cli.run("start", file.toString(), "--by", "carol", "--address", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "cutover: "
                + file
                + ": stages[0].soak: \"1000000000000d\" is longer than any cutover"
                + " can wait (at most 3652500d, 10,000 years)\n");
  }

  @Test
  void aDirectoryOrADeviceIsNotAPlanAndIsNotReadToTheEnd() {
    Cli.Result dir = Cli.run("lint", "..");
    assertThat(dir.exit()).isEqualTo(2);
    assertThat(dir.err()).isEqualTo("cutover: ..: is a directory, not a plan file\n");
    Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")));
    Cli.Result zero = Cli.run("lint", "/dev/zero");
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err())
        .isEqualTo(
            "cutover: /dev/zero: a plan is at most 262144 bytes (256 KiB); this file is larger than that\n");
  }

  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Option(names = "--debug")
    boolean debug;

    @Option(names = "--error")
    boolean error;

    @Override
    public Integer call() {
      if (error) {
        throw new StackOverflowError();
      }
      return Math.toIntExact(Long.MAX_VALUE);
    }
  }

  static Cli.Result boom(String... args) {
    Cli.Result r = Cli.run(new Boom(), args);
    assertThat(r.out()).isEmpty();
    return r;
  }

  @Test
  void anUnexpectedExceptionOrErrorIsOneLineAndExitOneUnlessDebugAsksForTheTrace() {
    Cli.Result r = boom();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "cutover: unexpected ArithmeticException: integer overflow (run again with --debug for the details)\n");
    Cli.Result error = boom("--error");
    assertThat(error.exit()).isEqualTo(1);
    assertThat(error.err())
        .isEqualTo(
            "cutover: unexpected StackOverflowError (run again with --debug for the details)\n");
    Cli.Result debug = boom("--debug");
    assertThat(debug.exit()).isEqualTo(1);
    assertThat(debug.err())
        .startsWith("cutover: unexpected ArithmeticException: integer overflow\n")
        .contains("\tat java.base/java.lang.Math.toIntExact");
    assertThat(Cli.run("lint", "--debug", "../examples/demo.yaml").exit()).isZero();
  }

  @Test
  void aMissingFileOrUnknownOptionIsBadInput() {
    assertThat(Cli.run("lint", "no-such-plan.yaml").exit()).isEqualTo(2);
    assertThat(Cli.run("lint", "--frobnicate").exit()).isEqualTo(2);
    assertThat(Cli.run("approve", "x").exit()).isEqualTo(2); // --stage is required
  }

  @Test
  void anUnreachableServerIsAFailureWithAdvice() {
    Cli.Result r = Cli.run("status", "x", "--address", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach Temporal at 127.0.0.1:1");
  }
}
