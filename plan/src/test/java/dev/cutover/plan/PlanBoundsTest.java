package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every number and string of a plan is bounded, hostile text is refused with its place, and no
 * input makes the reader throw anything but {@link PlanException} (docs/plan-format.md).
 */
class PlanBoundsTest {
  /** Touches every part the limits name; reads clean by every rule set. */
  static final String BASE =
      """
      version: 1
      name: bounds
      description: A plan touching every limit
      connections:
        flags: { http: "https://flags.internal", headers: { X-Team: cutover } }
        db: { postgres: "jdbc:postgresql://db.internal/app", user: gate, password: "${env:DB_PASSWORD}" }
        prom: { prometheus: "http://prometheus.internal:9090" }
      checks:
        rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95", minSamples: { query: "SELECT 100", atLeast: 20 } }
        errors: { prometheus: prom, query: "sum(rate(x[5m]))", pass: "< 0.05", description: errors per second }
        health: { http: "GET flags:/health", expect: { status: 200, json: { "$.status": healthy } } }
        live: { http: "GET https://app.internal/rollout", value: "$.percent", pass: "== 10" }
        cmp: { compare: { sql: db, new: { failures: "SELECT 1", total: "SELECT 2" }, baseline: { failures: "SELECT 3", total: "SELECT 4" }, margin: 0.01, minSamples: 100, method: ztest } }
      flagsApi:
        set: { http: "PUT flags:/api/flags/${flag}", body: '{"value": ${value}}' }
      traffic:
        set: { http: "PUT flags:/api/flags/v2", body: '{"value": ${percent}}', headers: { X-Source: cutover } }
        get: { http: "GET flags:/api/flags/v2", value: "$.value" }
      prerequisites: [health]
      stages:
        - name: canary
          percent: 10
          flags: { NEW_UI: on-for-staff }
          revert: { NEW_UI: "off" }
          soak: 24h
          every: 1h
          window: "Mon-Fri 09:00-17:00 UTC"
          gates: [rate, { check: errors, every: 1m, for: 5m, severity: high, grace: 1h, escalateAfter: 6h, errorLimit: 3 }]
          actions:
            - { command: [final-sync, --verify], timeout: 10m, exitCode: 0, irreversible: true }
            - { http: "POST flags:/on", headers: { X-Why: canary }, undo: { http: "POST flags:/off" } }
            - { wait: { check: live, timeout: 20m, every: 30s } }
      watch:
        - { check: errors, every: 1m, failures: 3/5, severity: medium, escalateAfter: 6h }
        - { check: cmp, every: 5m }
      rollback: { afterPointOfNoReturn: hold,
        drain: { check: rate, timeout: 30m, every: 1m },
        actions: [{ http: "POST flags:/panic" }] }
      approvals: { approvers: [alice, bob], fourEyes: true }
      notify: { webhook: "https://hooks.internal/x", every: 30m }
      """;

  static final String NGINX =
      "traffic:\n  nginx: { file: /etc/nginx/cutover/split.conf, key: \"$remote_addr\", new: green, old: blue }\n";

  static List<String> problems(String yaml, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(yaml), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  static String with(String from, String to) {
    assertThat(BASE).contains(from);
    return BASE.replace(from, to);
  }

  static String x(int n) {
    return "x".repeat(n);
  }

  static String list(int n, String element) {
    return IntStream.range(0, n)
        .mapToObj(i -> element.replace("#", String.valueOf(i)))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  static String map(int n, String entry) {
    return IntStream.range(0, n)
        .mapToObj(i -> entry.replace("#", String.valueOf(i)))
        .collect(Collectors.joining(", ", "{ ", " }"));
  }

  @Test
  void theBasePlanAndEveryExampleAndRecipeReadCleanByEveryRuleSet() throws IOException {
    List<String> texts =
        new ArrayList<>(
            List.of(
                BASE,
                BASE.replace(
                    BASE.substring(BASE.indexOf("traffic:"), BASE.indexOf("prerequisites:")),
                    NGINX)));
    try (Stream<Path> files =
        Stream.concat(
            Files.list(Path.of("..", "examples")),
            Files.list(Path.of("..", "examples", "recipes")))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        texts.add(Files.readString(f));
      }
    }
    assertThat(texts).hasSize(11);
    for (String text : texts) {
      for (PlanReader.Rules rules : PlanReader.Rules.values()) {
        assertThat(problems(text, rules))
            .as(text.lines().findFirst().orElse("") + " by " + rules)
            .isEmpty();
      }
      assertThat(PlanLimits.jsonBytes(PlanReader.parseTree(text)))
          .isLessThan(PlanReader.MAX_PLAN_BYTES / 10);
    }
  }

  /**
   * Limits only {@link PlanReader.Rules#HARDENED} applies: {@code CURRENT} reads each of these
   * plans clean, so a cutover already running keeps its plan.
   */
  static Stream<Arguments> hardenedLimits() {
    String stage = "  - { name: s#, percent: 10, soak: 1h }";
    String stages = BASE.substring(BASE.indexOf("stages:"), BASE.indexOf("watch:"));
    String checks = BASE.substring(BASE.indexOf("checks:"), BASE.indexOf("flagsApi:"));
    String conns = BASE.substring(BASE.indexOf("connections:"), BASE.indexOf("checks:"));
    return Stream.of(
        // list and map sizes
        Arguments.of(
            "101 stages",
            with(
                stages,
                "stages:\n"
                    + IntStream.range(0, 101)
                        .mapToObj(i -> stage.replace("#", String.valueOf(i)))
                        .collect(Collectors.joining("\n"))
                    + "\n"),
            "stages: has 101 stages; at most 100"),
        Arguments.of(
            "51 gates",
            with("gates: [rate,", "gates: " + list(50, "rate").replace("]", ",")),
            "stages[0].gates: has 51 gates; at most 50"),
        Arguments.of(
            "51 watch rules",
            with("watch:\n", "watch:\n" + "  - errors\n".repeat(49)),
            "watch: has 51 watch rules; at most 50"),
        Arguments.of(
            "51 prerequisites",
            with("prerequisites: [health]", "prerequisites: " + list(51, "health")),
            "prerequisites: has 51 prerequisites; at most 50"),
        Arguments.of(
            "51 stage actions",
            with(
                "      - { wait: { check: live, timeout: 20m, every: 30s } }",
                "      - { wait: { check: live, timeout: 20m, every: 30s } }\n".repeat(49)),
            "stages[0].actions: has 51 actions; at most 50"),
        Arguments.of(
            "51 rollback actions",
            with(
                "actions: [{ http: \"POST flags:/panic\" }]",
                "actions: " + list(51, "{ http: \"POST flags:/panic/#\" }")),
            "rollback.actions: has 51 actions; at most 50"),
        Arguments.of(
            "201 checks",
            with(
                checks,
                checks
                    + IntStream.range(0, 196)
                        .mapToObj(
                            i -> "  c" + i + ": { prometheus: prom, query: up, pass: \"> 0\" }\n")
                        .collect(Collectors.joining())),
            "checks: has 201 checks; at most 200"),
        Arguments.of(
            "51 connections",
            with(
                conns,
                conns
                    + IntStream.range(0, 48)
                        .mapToObj(i -> "  p" + i + ": { prometheus: \"http://p" + i + ":9090\" }\n")
                        .collect(Collectors.joining())),
            "connections: has 51 connections; at most 50"),
        Arguments.of(
            "51 headers",
            with("headers: { X-Team: cutover }", "headers: " + map(51, "X-H#: v")),
            "connections.flags.headers: has 51 headers; at most 50"),
        Arguments.of(
            "101 flags",
            with("flags: { NEW_UI: on-for-staff }", "flags: " + map(101, "F#: true")),
            "stages[0].flags: has 101 flags; at most 100"),
        Arguments.of(
            "101 approvers",
            with("approvers: [alice, bob]", "approvers: " + list(101, "a#")),
            "approvals.approvers: has 101 approvers; at most 100"),
        Arguments.of(
            "a command of 65 elements",
            with(
                "command: [final-sync, --verify]",
                "command: [final-sync, " + list(64, "a#").substring(1)),
            "stages[0].actions[0].command: has 65 elements (the program and its arguments); at most 64"),
        Arguments.of(
            "51 expected JSON values",
            with("json: { \"$.status\": healthy }", "json: " + map(51, "\"$.s#\": 1")),
            "checks.health.expect.json: has 51 expected values; at most 50"),
        // text lengths
        Arguments.of(
            "a 4097-character description",
            with("description: A plan touching every limit", "description: " + x(4097)),
            "description: too long: 4097 characters; a description is at most 4096"),
        Arguments.of(
            "a 4097-character check description",
            with("description: errors per second", "description: " + x(4097)),
            "checks.errors.description: too long: 4097 characters; a description is at most 4096"),
        Arguments.of(
            "a 64 KiB + 1 query",
            with("query: \"sum(rate(x[5m]))\"", "query: \"sum(" + x(65536 - 4) + ")\""),
            "checks.errors.query: too long: 65537 characters; a query is at most 65536"),
        Arguments.of(
            "a 64 KiB + 1 minSamples query",
            with("query: \"SELECT 100\"", "query: \"SELECT " + x(65530) + "\""),
            "checks.rate.minSamples.query: too long: 65537 characters; a query is at most 65536"),
        Arguments.of(
            "a 64 KiB + 1 compare count",
            with("failures: \"SELECT 3\"", "failures: \"SELECT " + x(65530) + "\""),
            "checks.cmp.compare.baseline.failures: too long: 65537 characters; a query is at most 65536"),
        Arguments.of(
            "a 4097-character connection URL",
            with(
                "http: \"https://flags.internal\"",
                "http: \"https://flags.internal/" + x(4097 - 23) + "\""),
            "connections.flags.http: too long: 4097 characters; a URL or request is at most 4096"),
        Arguments.of(
            "a 4097-character request line",
            with("http: \"POST flags:/on\"", "http: \"POST flags:/" + x(4097 - 12) + "\""),
            "stages[0].actions[1].http: too long: 4097 characters; a URL or request is at most 4096"),
        Arguments.of(
            "a 4097-character webhook",
            with(
                "webhook: \"https://hooks.internal/x\"",
                "webhook: \"https://hooks.internal/" + x(4097 - 23) + "\""),
            "notify.webhook: too long: 4097 characters; a URL or request is at most 4096"),
        Arguments.of(
            "a 64 KiB + 1 body",
            with("body: '{\"value\": ${percent}}'", "body: '${percent}" + x(65537 - 10) + "'"),
            "traffic.set.body: too long: 65537 characters; a body is at most 65536"),
        Arguments.of(
            "a 257-character header name",
            with("X-Why: canary", "X" + x(256) + ": canary"),
            "stages[0].actions[1].headers.X"
                + x(256)
                + ": a key is at most 256 characters; this one has 257"),
        Arguments.of(
            "an 8193-character header value",
            with("X-Team: cutover", "X-Team: " + x(8193)),
            "connections.flags.headers.X-Team: too long: 8193 characters; a header value is at most 8192"),
        Arguments.of(
            "a 257-character JSON path",
            with("value: \"$.percent\"", "value: \"$." + x(255) + "\""),
            "checks.live.value: too long: 257 characters; a JSON path is at most 256"),
        Arguments.of(
            "a 257-character expected JSON path",
            with("\"$.status\": healthy", "\"$." + x(255) + "\": healthy"),
            "checks.health.expect.json.$."
                + x(255)
                + ": a key is at most 256 characters; this one has 257"),
        Arguments.of(
            "a 129-character approver",
            with("approvers: [alice, bob]", "approvers: [alice, " + x(129) + "]"),
            "approvals.approvers[1]: too long: 129 characters; an approver's name is at most 128"),
        Arguments.of(
            "a 129-character window",
            with(
                "window: \"Mon-Fri 09:00-17:00 UTC\"",
                "window: \"Mon-Fri 09:00-17:00 UTC" + " ".repeat(106) + "\""),
            "stages[0].window: too long: 129 characters; a window is at most 128"),
        Arguments.of(
            "a 1025-character nginx file",
            with(
                BASE.substring(BASE.indexOf("traffic:"), BASE.indexOf("prerequisites:")),
                NGINX.replace("/etc/nginx/cutover/split.conf", "/etc/" + x(1015) + ".conf")),
            "traffic.nginx.file: too long: 1025 characters; a file path is at most 1024"),
        Arguments.of(
            "a 4097-character argument",
            with("--verify]", x(4097) + "]"),
            "stages[0].actions[0].command[1]: too long: 4097 characters; an argument is at most 4096"),
        Arguments.of(
            "a 4097-character flag value",
            with("NEW_UI: on-for-staff", "NEW_UI: " + x(4097)),
            "stages[0].flags.NEW_UI: too long: 4097 characters; a flag value is at most 4096"),
        Arguments.of(
            "1025 characters of other text",
            with("user: gate", "user: " + x(1025)),
            "connections.db.user: too long: 1025 characters; this text is at most 1024"),
        // names
        Arguments.of(
            "a check name with a space",
            with(
                "  rate:",
                "  \"Bad Name\": { prometheus: prom, query: up, pass: \"> 0\" }\n  rate:"),
            "checks.Bad Name: a check name must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"),
        Arguments.of(
            "a 64-character connection name",
            with("  prom:", "  p" + x(63) + ": { prometheus: \"http://p:9090\" }\n  prom:"),
            "connections.p"
                + x(63)
                + ": a connection name must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"),
        // control and invisible characters
        Arguments.of(
            "an approver on two lines",
            with("approvers: [alice, bob]", "approvers: [alice, \"b\\nob\"]"),
            "approvals.approvers[1]: has the control character U+000A at character 2; an approver's name is one line"),
        Arguments.of(
            "an approver behind a right-to-left override",
            with("approvers: [alice, bob]", "approvers: [alice, \"\\u202Ebob\"]"),
            "approvals.approvers[1]: has the invisible formatting character U+202E at character 1; an approver's name is what people see"),
        Arguments.of(
            "a NUL in a description",
            with("description: A plan touching every limit", "description: \"A\\0B\""),
            "description: has the control character U+0000 at character 2"),
        Arguments.of(
            "an escape character in a query",
            with("query: \"SELECT 100\"", "query: \"SELECT \\e[2J 100\""),
            "checks.rate.minSamples.query: has the control character U+001B at character 8"),
        Arguments.of(
            "a line separator in a user name",
            with("user: gate", "user: \"ga\\Lte\""),
            "connections.db.user: has the control character U+2028 at character 3"),
        Arguments.of(
            "a control character in a key",
            with("\"$.status\": healthy", "\"$['a\\tb']\": healthy"),
            "checks.health.expect.json.$['a\\tb']: a key has the control character U+0009 in it"),
        Arguments.of(
            "a NUL in the nginx file",
            with(
                BASE.substring(BASE.indexOf("traffic:"), BASE.indexOf("prerequisites:")),
                NGINX.replace(
                    "file: /etc/nginx/cutover/split.conf", "file: \"/etc/nginx/a\\0.conf\"")),
            "traffic.nginx.file: has the control character U+0000 at character 13"),
        // numbers
        Arguments.of(
            "a pass bound of 1e400",
            with("pass: \"< 0.05\"", "pass: \"< 1e400\""),
            "checks.errors.pass: \"< 1e400\" compares with a number too large to be one (at most about 1.8e308)"),
        Arguments.of(
            "a between bound of -1e999",
            with("pass: \"== 10\"", "pass: \"between -1e999 and 1\""),
            "checks.live.pass: \"between -1e999 and 1\" compares with a number too large to be one (at most about 1.8e308)"),
        Arguments.of(
            "an exit code of 256",
            with("exitCode: 0", "exitCode: 256"),
            "stages[0].actions[0].exitCode: an exit code is from 0 to 255"),
        Arguments.of(
            "an exit code of -1",
            with("exitCode: 0", "exitCode: -1"),
            "stages[0].actions[0].exitCode: an exit code is from 0 to 255"),
        Arguments.of(
            "an errorLimit of 101",
            with("errorLimit: 3", "errorLimit: 101"),
            "stages[0].gates[1].errorLimit: must be at most 100"),
        Arguments.of(
            "10^12 + 1 samples",
            with("atLeast: 20", "atLeast: 1000000000001"),
            "checks.rate.minSamples.atLeast: must be at most 1000000000000"),
        Arguments.of(
            "a compare minSamples of 10^12 + 1",
            with("minSamples: 100,", "minSamples: 1000000000001,"),
            "checks.cmp.compare.minSamples: must be at most 1000000000000"),
        // durations
        Arguments.of(
            "a 366-day soak",
            with("soak: 24h", "soak: 366d"),
            "stages[0].soak: 366d is longer than 365d, the longest soak a plan may ask for"),
        Arguments.of(
            "a stage measured every 53 weeks",
            with("every: 1h", "every: 53w"),
            "stages[0].every: 371d is longer than 365d, the longest every a plan may ask for"),
        Arguments.of(
            "a gate breached for 366 days",
            with("for: 5m", "for: 366d"),
            "stages[0].gates[1].for: 366d is longer than 365d, the longest for a plan may ask for"),
        Arguments.of(
            "a grace of 31 days",
            with("grace: 1h", "grace: 31d"),
            "stages[0].gates[1].grace: 31d is longer than 30d, the longest grace a plan may ask for"),
        Arguments.of(
            "an escalation after 744 hours",
            with(
                "escalateAfter: 6h }\n  - { check: cmp", "escalateAfter: 744h }\n  - { check: cmp"),
            "watch[0].escalateAfter: 31d is longer than 30d, the longest escalateAfter a plan may ask for"),
        Arguments.of(
            "a wait of 31 days",
            with("timeout: 20m", "timeout: 31d"),
            "stages[0].actions[2].wait.timeout: 31d is longer than 30d, the longest timeout a plan may ask for"),
        Arguments.of(
            "a drain of 31 days",
            with("timeout: 30m", "timeout: 31d"),
            "rollback.drain.timeout: 31d is longer than 30d, the longest timeout a plan may ask for"),
        Arguments.of(
            "a status every 366 days",
            with("every: 30m }", "every: 366d }"),
            "notify.every: 366d is longer than 365d, the longest every a plan may ask for"),
        // the worker's own rules, applied by lint
        Arguments.of(
            "an nginx key with a quote",
            with(
                BASE.substring(BASE.indexOf("traffic:"), BASE.indexOf("prerequisites:")),
                NGINX.replace(
                    "key: \"$remote_addr\"", "key: '$remote_addr\"; } server { listen 80; #'")),
            "traffic.nginx.key: \"$remote_addr\"; } server { listen 80; #\" is not what splits clients, built from nginx"
                + " variables and letters, digits, _ : . / @ - only, e.g. $remote_addr or ${cookie_session}"),
        Arguments.of(
            "a command at a relative path",
            with("command: [final-sync,", "command: [bin/final-sync,"),
            "stages[0].actions[0].command[0]: \"bin/final-sync\": a relative path means nothing here (each command runs"
                + " in a fresh directory); give an absolute path or a bare name"),
        Arguments.of(
            "a GET check with a body",
            with("http: \"GET flags:/health\",", "http: \"GET flags:/health\", body: \"{}\","),
            "checks.health.body: a GET request cannot carry a body"),
        Arguments.of(
            "a header value with CR LF",
            with("X-Team: cutover", "X-Team: \"a\\r\\nX-Injected: 1\""),
            "connections.flags.headers.X-Team: a header value is ASCII text on one line (character 2 is U+000D)"),
        Arguments.of(
            "a header value that is not ASCII",
            with("X-Why: canary", "X-Why: \"café\""),
            "stages[0].actions[1].headers.X-Why: a header value is ASCII text on one line (character 4 is 'é')"),
        Arguments.of(
            "a header name with a space",
            with("X-Source: cutover", "\"X Source\": cutover"),
            "traffic.set.headers.X Source: a header name is visible ASCII without spaces (character 2 is U+0020)"),
        Arguments.of(
            "a URL with a space",
            with("http: \"https://flags.internal\"", "http: \"https://flags .internal\""),
            "connections.flags.http: a URL has no spaces or control characters (encode them, e.g. %20)"),
        Arguments.of(
            "a port past 65535",
            with("http://prometheus.internal:9090", "http://prometheus.internal:90900"),
            "connections.prom.prometheus: the port is not a number from 1 to 65535"),
        Arguments.of(
            "a bracketed host that is not IPv6",
            with("GET https://app.internal/rollout", "GET https://[app.internal]/rollout"),
            "checks.live.http: the host is not an IPv6 address"),
        Arguments.of(
            "a backslash before the path",
            with(
                "GET https://app.internal/rollout",
                "GET https://app.internal\\\\@evil.example/rollout"),
            "checks.live.http: a URL has no backslash before its path"),
        Arguments.of(
            "a URL without a host",
            with("webhook: \"https://hooks.internal/x\"", "webhook: \"https:///x\""),
            "notify.webhook: the URL has no host"),
        Arguments.of(
            "a webhook without a scheme",
            with("webhook: \"https://hooks.internal/x\"", "webhook: \"hooks.internal/x\""),
            "notify.webhook: not an http:// or https:// URL"),
        Arguments.of(
            "a host name with an empty label",
            with("POST flags:/panic", "POST https://flags..internal/panic"),
            "rollback.actions[0].http: the host name has an empty label (two dots, or a dot at an end)"),
        Arguments.of(
            "an international host name",
            with("GET https://app.internal/rollout", "GET https://bücher.example/rollout"),
            "checks.live.http: the host name has 'ü' in it; use letters, digits, - and _"
                + " (write an international name in its xn-- form)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hardenedLimits")
  void hardenedRulesReportEachLimitExactlyOnceWithItsPath(
      String what, String yaml, String expected) {
    assertThat(problems(yaml, PlanReader.Rules.HARDENED)).containsExactly(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hardenedLimits")
  void theCurrentRulesStillReadThosePlansSoARunningCutoverKeepsItsPlan(
      String what, String yaml, String expected) {
    assertThat(problems(yaml, PlanReader.Rules.CURRENT)).isEmpty();
  }

  /** What no rule set accepts: such a plan could never run, or reading it used to throw. */
  static Stream<Arguments> alwaysRefused() {
    return Stream.of(
        Arguments.of(
            "a soak of 10^12 days",
            with("soak: 24h", "soak: 1000000000000d"),
            "stages[0].soak: \"1000000000000d\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "a soak one day past 10,000 years",
            with("soak: 24h", "soak: 3652501d"),
            "stages[0].soak: \"3652501d\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "every 10^23 weeks",
            with("every: 1m, for: 5m", "every: 99999999999999999999999w, for: 5m"),
            "stages[0].gates[1].every: \"99999999999999999999999w\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "a grace of 10^15 ms",
            with("grace: 1h", "grace: 1000000000000000ms"),
            "stages[0].gates[1].grace: \"1000000000000000ms\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "a wait whose parts overflow together",
            with("timeout: 20m", "timeout: 9223372036854775807s1s"),
            "stages[0].actions[2].wait.timeout: \"9223372036854775807s1s\" is longer than any cutover can wait (at most 3652500d, 10,000 years)"),
        Arguments.of(
            "failures of 10^11 out of 5",
            with("failures: 3/5", "failures: 99999999999/5"),
            "watch[0].failures: in M/N, 1 <= M <= N <= 100 (got 99999999999/5)"),
        Arguments.of(
            "failures of 3 out of 10^11",
            with("failures: 3/5", "failures: 3/99999999999"),
            "watch[0].failures: in M/N, 1 <= M <= N <= 100 (got 3/99999999999)"),
        Arguments.of(
            "a JSON path index past an int",
            with("value: \"$.percent\"", "value: \"$.items[99999999999]\""),
            "checks.live.value: \"$.items[99999999999]\" is not a JSON path such as $.status or $.items[0].value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("alwaysRefused")
  void everyRuleSetRefusesWhatCouldNeverRun(String what, String yaml, String expected) {
    for (PlanReader.Rules rules : PlanReader.Rules.values()) {
      assertThat(problems(yaml, rules)).as(rules.name()).containsExactly(expected);
    }
  }

  /** Text refused before it is read as a plan, whatever the rules: each with its place. */
  static Stream<Arguments> hostileText() {
    String deepYaml = "version: 1\nstages: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";
    return Stream.of(
        Arguments.of(
            "an alias",
            with("approvers: [alice, bob]", "approvers: [*who]"),
            List.of(
                "approvals.approvers[0]: YAML aliases (*who) are not allowed in a plan; write the value out (line 39, column 26)")),
        Arguments.of(
            "an anchor and its alias",
            with("approvers: [alice, bob]", "approvers: [&who alice, *who]"),
            List.of(
                "approvals.approvers[0]: YAML anchors (&who) are not allowed in a plan; write the value out where it is used (line 39, column 26)",
                "approvals.approvers[1]: YAML aliases (*who) are not allowed in a plan; write the value out (line 39, column 38)")),
        Arguments.of(
            "a merge key",
            with(
                "approvals: { approvers: [alice, bob], fourEyes: true }",
                "approvals: { <<: { approvers: [mallory] }, approvers: [alice, bob], fourEyes: true }"),
            List.of(
                "approvals: YAML merge keys (<<) are not allowed in a plan; write the fields out (line 39, column 14)")),
        Arguments.of(
            "a merge key from an anchor",
            with(
                "approvals: { approvers: [alice, bob], fourEyes: true }",
                "x: &base { fourEyes: false }\napprovals: { <<: *base, approvers: [alice, bob] }"),
            List.of(
                "x: YAML anchors (&base) are not allowed in a plan; write the value out where it is used (line 39, column 4)",
                "approvals: YAML merge keys (<<) are not allowed in a plan; write the fields out (line 40, column 14)",
                "approvals.<<: YAML aliases (*base) are not allowed in a plan; write the value out (line 40, column 18)")),
        Arguments.of(
            "a standard tag",
            with("name: bounds", "name: !!str bounds"),
            List.of(
                "name: YAML tags (!!str) are not allowed in a plan; quote the value if it is text (line 2, column 7)")),
        Arguments.of(
            "a custom tag",
            with("user: gate", "user: !vault gate"),
            List.of(
                "connections.db.user: YAML tags (!vault) are not allowed in a plan; quote the value if it is text (line 6, column 62)")),
        Arguments.of(
            "a binary tag",
            with("user: gate", "user: !!binary Z2F0ZQ=="),
            List.of(
                "connections.db.user: YAML tags (!!binary) are not allowed in a plan; quote the value if it is text (line 6, column 62)")),
        Arguments.of(
            "a tagged document",
            "--- !!map\n" + BASE,
            List.of(
                "line 1, column 5: YAML tags (!!map) are not allowed in a plan; quote the value if it is text")),
        Arguments.of(
            "a key written twice",
            with("name: bounds", "name: bounds\nname: other"),
            List.of(
                "name: the key \"name\" is written twice (first on line 2); write each key once (line 3, column 1)")),
        Arguments.of(
            "a nested key written twice",
            with("fourEyes: true }", "fourEyes: true, fourEyes: false }"),
            List.of(
                "approvals.fourEyes: the key \"fourEyes\" is written twice (first on line 39); write each key once (line 39, column 55)")),
        Arguments.of(
            "a JSON key written twice",
            "{\"version\": 1,\n \"version\": 2}",
            List.of(
                "line 2, column 11: the key \"version\" is written twice; write each key once")),
        Arguments.of(
            "a second document",
            BASE + "---\nname: other\n",
            List.of(
                "line 41, column 1: a plan is one YAML document; a second one starts here (---)")),
        Arguments.of(
            "a list as a key",
            "version: 1\n? [a, b]\n: 1\n",
            List.of("line 2, column 3: a key is plain text, not a list or an object")),
        Arguments.of(
            "10,000 nested YAML lists",
            deepYaml,
            List.of(
                "stages"
                    + "[0]".repeat(31)
                    + ": nested more than 32 levels deep; a plan is never that deep (line 2, column 40)")),
        Arguments.of(
            "33 nested YAML lists",
            "version: 1\nstages: " + "[".repeat(32) + "]".repeat(32) + "\n",
            List.of(
                "stages"
                    + "[0]".repeat(31)
                    + ": nested more than 32 levels deep; a plan is never that deep (line 2, column 40)")),
        Arguments.of(
            "10,000 nested JSON lists",
            "{\"stages\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}",
            List.of(
                "line 1, column 43: nested more than 32 levels deep; a plan is never that deep")),
        Arguments.of(
            "JSON with text after it",
            "{\"version\": 1} {\"name\": \"x\"}",
            List.of(
                "line 1, column 16: not valid JSON: Trailing token (of type START_OBJECT) found after value (bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`")),
        Arguments.of(
            "a NUL byte",
            with("name: bounds", "name: bou\0nds"),
            List.of(
                "line 2, column 10: the control character U+0000 is not allowed in a plan (is this a binary file?)")),
        Arguments.of(
            "an escape sequence for the terminal",
            with("description: A plan", "description: \u001b[2J A plan"),
            List.of("line 3, column 14: the control character U+001B is not allowed in a plan")),
        Arguments.of(
            "a next-line character YAML reads as a line break",
            with("name: bounds", "name: bounds\u0085evil: 1"),
            List.of("line 2, column 13: the control character U+0085 is not allowed in a plan")),
        Arguments.of(
            "a paragraph separator",
            with("description: A plan", "description: A\u2029plan"),
            List.of("line 3, column 15: the control character U+2029 is not allowed in a plan")),
        Arguments.of(
            "half a surrogate pair",
            with("description: A plan", "description: A\uD800plan"),
            List.of(
                "line 3, column 15: half a UTF-16 surrogate pair (U+D800) is not allowed in a plan")),
        Arguments.of(
            "a YAML NaN",
            with("margin: 0.01", "margin: .nan"),
            List.of("line 13, column 147: not valid YAML: Malformed numeric value '.nan'")),
        Arguments.of(
            "a plan over 256 KiB",
            with(
                "description: A plan touching every limit",
                "description: " + x(PlanReader.MAX_PLAN_BYTES)),
            List.of(
                "the plan is "
                    + (BASE.length()
                        + PlanReader.MAX_PLAN_BYTES
                        - "A plan touching every limit".length())
                    + " bytes; a plan is at most 262144 bytes (256 KiB)")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileText")
  void hostileTextIsRefusedWithItsPlace(String what, String text, List<String> expected) {
    try {
      PlanReader.parseTree(text);
      throw new AssertionError("accepted");
    } catch (PlanException e) {
      assertThat(e.problems()).extracting(Problem::toString).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aBillionLaughsIsRefusedAtItsFirstAnchorsWithoutExpandingAnything() {
    StringBuilder b =
        new StringBuilder("version: 1\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (char c = 'b'; c <= 'z'; c++) {
      b.append(c)
          .append(": &")
          .append(c)
          .append(" [")
          .append(String.join(", ", java.util.Collections.nCopies(9, "*" + (char) (c - 1))))
          .append("]\n");
    }
    try {
      PlanReader.parseTree(b.toString());
      throw new AssertionError("accepted");
    } catch (PlanException e) {
      assertThat(e.problems())
          .hasSize(20)
          .first()
          .hasToString(
              "a: YAML anchors (&a) are not allowed in a plan; write the value out where it is used (line 2, column 4)");
      assertThat(e.problems().get(2))
          .hasToString(
              "b[0]: YAML aliases (*a) are not allowed in a plan; write the value out (line 3, column 8)");
    }
  }

  @Test
  void bytesThatAreNotUtf8AreNamedByOffsetAndLine() {
    byte[] bytes = "version: 1\nname: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(textProblems(bytes))
        .containsExactly(
            "line 2: not UTF-8: byte 20 (0xE9, byte 10 of line 2) does not belong to a UTF-8 character; save the plan as UTF-8");
    assertThat(textProblems("version: 1".getBytes(StandardCharsets.UTF_16)))
        .containsExactly(
            "not UTF-8: the file starts with a UTF-16 byte order mark; save the plan as UTF-8");
    assertThat(textProblems(new byte[] {'a', ':', ' ', (byte) 0xc3}))
        .containsExactly(
            "line 1: not UTF-8: byte 3 (0xC3, byte 4 of line 1) does not belong to a UTF-8 character; save the plan as UTF-8");
    byte[] bom = ("\uFEFF" + BASE).getBytes(StandardCharsets.UTF_8);
    assertThat(PlanReader.fromTree(PlanReader.parseTree(bom), PlanReader.Rules.HARDENED).name())
        .isEqualTo("bounds");
    byte[] big = new byte[PlanReader.MAX_PLAN_BYTES + 1];
    assertThat(textProblems(big))
        .containsExactly("the plan is 262145 bytes; a plan is at most 262144 bytes (256 KiB)");
  }

  static List<String> textProblems(byte[] bytes) {
    try {
      PlanReader.parseTree(bytes);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  @Test
  void aTreeTooDeepToReadIsRefusedByEveryRuleSetWithoutRecursing() {
    ObjectNode root = (ObjectNode) PlanReader.parseTree(BASE);
    ArrayNode deep = root.putArray("stages");
    for (int i = 0; i < 10_000; i++) {
      deep = deep.addArray();
    }
    for (PlanReader.Rules rules : PlanReader.Rules.values()) {
      assertThat(readProblems(root, rules))
          .containsExactly(
              "stages"
                  + "[0]".repeat(31)
                  + ": nested more than 32 levels deep; a plan is never that deep");
    }
  }

  @Test
  void oddNodesInATreeAreProblemsNotExceptions() {
    ObjectNode root = (ObjectNode) PlanReader.parseTree(BASE);
    ((ObjectNode) root.get("checks").get("cmp").get("compare"))
        .set("margin", DoubleNode.valueOf(Double.NaN));
    ((ObjectNode) root.get("approvals"))
        .set(
            "approvers",
            JsonNodeFactory.instance.arrayNode().add(BinaryNode.valueOf(new byte[] {1})));
    assertThat(readProblems(root, PlanReader.Rules.CURRENT))
        .containsExactly(
            "checks.cmp.compare.margin: expected a number, found \"NaN\"",
            "approvals.approvers[0]: an approver is a name");
    assertThat(readProblems(root, PlanReader.Rules.HARDENED))
        .containsExactly(
            "checks.cmp.compare.margin: not a finite number",
            "approvals.approvers[0]: an approver is a name");
    assertThat(readProblems(null, PlanReader.Rules.HARDENED))
        .containsExactly("expected an object (key: value pairs), found nothing");
  }

  static List<String> readProblems(JsonNode root, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(root, rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  @Test
  void aDurationOf200000DigitsIsTooLongTextOrTooLongATimeNeverAnException() {
    String yaml = with("soak: 24h", "soak: " + "9".repeat(200_000) + "d");
    assertThat(problems(yaml, PlanReader.Rules.HARDENED))
        .containsExactly("stages[0].soak: too long: 200001 characters; this text is at most 1024");
    assertThat(problems(yaml, PlanReader.Rules.CURRENT))
        .containsExactly(
            "stages[0].soak: \""
                + "9".repeat(299)
                + " ... (199472 characters left out) ... "
                + "9".repeat(229)
                + "d\" is longer than any cutover can wait (at most 3652500d, 10,000 years)");
  }

  @Test
  void numbersThatAreNotFiniteAreRefusedByEveryRuleSet() {
    String yaml = with("margin: 0.01", "margin: 1e400");
    assertThat(problems(yaml, PlanReader.Rules.HARDENED))
        .containsExactly("checks.cmp.compare.margin: not a finite number");
    assertThat(problems(yaml, PlanReader.Rules.CURRENT))
        .containsExactly("checks.cmp.compare.margin: expected a number, found \"Infinity\"");
  }

  @Test
  void aLongOrStrangeUnknownFieldIsReportedOnceForItsKey() {
    assertThat(
            problems(
                with("fourEyes: true", "fourEyes: true, " + x(257) + ": 1"),
                PlanReader.Rules.HARDENED))
        .containsExactly(
            "approvals." + x(257) + ": a key is at most 256 characters; this one has 257");
    assertThat(
            problems(
                with("fourEyes: true", "fourEyes: true, \"a\\tb\": 1"), PlanReader.Rules.HARDENED))
        .containsExactly("approvals.a\\tb: a key has the control character U+0009 in it");
    assertThat(
            problems(
                with("fourEyes: true", "fourEyes: true, \"a\\tb\": 1"), PlanReader.Rules.CURRENT))
        .containsExactly(
            "approvals.a\\tb: unknown field \"a\\tb\" (expected one of: approvers, fourEyes, signed)");
  }

  @Test
  void problemsAreListedUpToAHundredAndTheRestCounted() {
    String many =
        with(
            "fourEyes: true",
            "fourEyes: true, "
                + IntStream.range(0, 150)
                    .mapToObj(i -> "unknown" + i + ": 1")
                    .collect(Collectors.joining(", ")));
    List<String> ps = problems(many, PlanReader.Rules.HARDENED);
    assertThat(ps).hasSize(101);
    assertThat(ps.get(100)).isEqualTo("... and 50 more problems");
  }

  @Test
  void aMessageCannotForgeLinesOfOutputOrRunOnForever() {
    List<String> ps =
        problems(with("soak: 24h", "soak: \"1d\\ncutover: all good\""), PlanReader.Rules.CURRENT);
    assertThat(ps)
        .containsExactly(
            "stages[0].soak: \"1d\\ncutover: all good\" is not a duration; write e.g. 90s, 30m, 24h, 7d or 1h30m");
    List<String> huge =
        problems(with("soak: 24h", "soak: " + x(100_000)), PlanReader.Rules.CURRENT);
    assertThat(huge).hasSize(1);
    assertThat(huge.get(0))
        .hasSizeLessThan(700)
        .contains("(99459 characters left out)")
        .endsWith("write e.g. 90s, 30m, 24h, 7d or 1h30m");
  }

  @Test
  void aPlanWhoseJsonIsOverTheLimitIsRefusedByTheHardenedRules() {
    // Under the file limit as YAML, over it as JSON: every quote is escaped.
    ObjectNode root = (ObjectNode) PlanReader.parseTree(BASE);
    ArrayNode args = (ArrayNode) root.get("stages").get(0).get("actions").get(0).get("command");
    for (int i = 0; i < 62; i++) {
      args.add("\"".repeat(2100));
    }
    assertThat(PlanLimits.jsonBytes(root)).isGreaterThan(PlanReader.MAX_PLAN_BYTES);
    assertThat(readProblems(root, PlanReader.Rules.HARDENED))
        .containsExactly(
            "the plan is more than 262144 bytes as JSON (256 KiB), the most a cutover's start input carries");
    assertThat(readProblems(root, PlanReader.Rules.CURRENT)).isEmpty();
  }

  /**
   * Thousands of mangled plans (cut short, bytes replaced, YAML punctuation inserted) under every
   * rule set: each is a plan or a {@link PlanException}, never another exception or an error.
   */
  @Test
  void noMangledPlanMakesTheReaderThrowAnythingButPlanException() {
    Random random = new Random(9);
    String punctuation = "{}[]:,-&*!|>'\"#%@`?\n\t \\0123456789.e$";
    int tried = 0;
    for (int i = 0; i < 1500; i++) {
      StringBuilder b = new StringBuilder(BASE);
      switch (i % 3) {
        case 0 -> b.setLength(random.nextInt(BASE.length()));
        case 1 -> {
          for (int k = 0; k < 1 + random.nextInt(5); k++) {
            b.setCharAt(
                random.nextInt(b.length()),
                punctuation.charAt(random.nextInt(punctuation.length())));
          }
        }
        default -> {
          for (int k = 0; k < 1 + random.nextInt(5); k++) {
            b.insert(
                random.nextInt(b.length()),
                punctuation.charAt(random.nextInt(punctuation.length())));
          }
        }
      }
      JsonNode tree;
      try {
        tree = PlanReader.parseTree(b.toString());
      } catch (PlanException expected) {
        assertThat(expected.problems()).isNotEmpty();
        tried++;
        continue;
      }
      for (PlanReader.Rules rules : PlanReader.Rules.values()) {
        try {
          PlanReader.fromTree(tree, rules);
        } catch (PlanException expected) {
          assertThat(expected.problems()).isNotEmpty();
        }
      }
      tried++;
    }
    assertThat(tried).isEqualTo(1500);
  }
}
