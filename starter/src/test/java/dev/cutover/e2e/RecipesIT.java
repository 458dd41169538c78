package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cutover.cli.Main;
import dev.cutover.e2e.standins.FlagsmithStandIn;
import dev.cutover.e2e.standins.LaunchDarklyStandIn;
import dev.cutover.e2e.standins.StandIn;
import dev.cutover.e2e.standins.UnleashStandIn;
import dev.cutover.e2e.standins.VercelStandIn;
import dev.cutover.engine.Status;
import dev.cutover.testing.WorkerProcess;
import dev.cutover.workflows.SignalPayload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each recipe of examples/recipes (docs/flag-apis.md) runs as written against a stand-in for its
 * vendor's API that refuses what the vendor documents it refuses: a real worker process on the
 * Temporal dev server takes the cutover 10% -> 50% -> 100%, then a breach rolls it back. Only what
 * a team fills in changes: the placeholders (ids, keys), the hosts (the stand-in's), and days
 * become seconds. The vendor's state is asserted at every stage, and every request the stand-in saw
 * must have been accepted.
 */
class RecipesIT {
  static final YAMLMapper YAML = new YAMLMapper();
  @TempDir static Path dir;
  static WorkerProcess worker;
  static String address;
  static String queue;
  static String appDb;
  static final String APPDB_ROLE = "gatekeeper_" + UUID.randomUUID().toString().substring(0, 8);
  static final String APPDB_PASSWORD = "pw-" + UUID.randomUUID();

  @BeforeAll
  static void startWorker() throws Exception {
    address = Services.temporalAddress();
    queue = "e2e-recipes-" + UUID.randomUUID().toString().substring(0, 8);
    appDb = appDatabase();
    Map<String, String> env = new HashMap<>();
    env.put("FLAGSMITH_ADMIN_API_KEY", FlagsmithStandIn.API_KEY);
    env.put("LD_API_TOKEN", LaunchDarklyStandIn.TOKEN);
    env.put("UNLEASH_API_TOKEN", UnleashStandIn.TOKEN);
    env.put("VERCEL_TOKEN", VercelStandIn.TOKEN);
    env.put("APPDB_PASSWORD", APPDB_PASSWORD);
    vercel = new VercelStandIn();
    env.put("VERCEL_DEPLOY_HOOK_URL", vercel.baseUrl() + VercelStandIn.HOOK_PATH);
    worker = Workers.start(address, queue, env, dir);
  }

  static VercelStandIn vercel;

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
    if (vercel != null) {
      vercel.close();
    }
  }

  @Test
  void flagsmithRecipeReweightsTheVariantThroughTheFeatureStateApiAndRollsBack() throws Exception {
    try (FlagsmithStandIn f = new FlagsmithStandIn()) {
      run(
          "flagsmith-rollout.yaml",
          f,
          Map.of("REPLACE-WITH-ENVIRONMENT-KEY", FlagsmithStandIn.ENVIRONMENT),
          stage -> {
            assertThat(f.enabled()).as(stage).isTrue();
            assertThat(f.weight()).as(stage).isEqualTo(percent(stage));
          });
      assertThat(f.weight()).isZero();
      assertThat(f.enabled()).isFalse();
      assertThat(writes(f))
          .containsExactly(
              "{\"environment_default\":{\"variants\":[{\"id\":991,\"weight\":0}]}}",
              "{\"environment_default\":{\"enabled\":true}}",
              "{\"environment_default\":{\"variants\":[{\"id\":991,\"weight\":10}]}}",
              "{\"environment_default\":{\"variants\":[{\"id\":991,\"weight\":50}]}}",
              "{\"environment_default\":{\"variants\":[{\"id\":991,\"weight\":100}]}}",
              "{\"environment_default\":{\"variants\":[{\"id\":991,\"weight\":0}]}}",
              "{\"environment_default\":{\"enabled\":false}}");
    }
  }

  @Test
  void launchDarklyRecipeWritesEachStagesWeightsWithItsApiVersionAndUndoesThemNewestFirst()
      throws Exception {
    try (LaunchDarklyStandIn ld = new LaunchDarklyStandIn()) {
      run(
          "launchdarkly-rollout.yaml",
          ld,
          Map.of(
              "REPLACE-WITH-TRUE-VARIATION-ID", LaunchDarklyStandIn.TRUE_ID,
              "REPLACE-WITH-FALSE-VARIATION-ID", LaunchDarklyStandIn.FALSE_ID),
          stage -> {
            assertThat(ld.on()).as(stage).isTrue();
            assertThat(ld.trueWeight()).as(stage).isEqualTo(percent(stage) * 1000);
          });
      assertThat(ld.trueWeight()).isZero();
      assertThat(ld.on()).isFalse();
      // Weights up 10, 50, 100 (thousandths), then undone newest first: 50, 10, 0.
      assertThat(
              writes(ld).stream()
                  .filter(b -> b.contains("rolloutWeights"))
                  .map(
                      b ->
                          read(b)
                              .path("instructions")
                              .path(0)
                              .path("rolloutWeights")
                              .path(LaunchDarklyStandIn.TRUE_ID)
                              .asInt()))
          .containsExactly(10000, 50000, 100000, 50000, 10000, 0);
      assertThat(ld.requests())
          .filteredOn(r -> r.method().equals("PATCH") && r.body().contains("rolloutWeights"))
          .allMatch(
              r ->
                  r.contentType()
                      .equals("application/json; domain-model=launchdarkly.semanticpatch"));
    }
  }

  @Test
  void unleashRecipeSetsTheRolloutParameterAsTextAndSwitchesTheEnvironment() throws Exception {
    try (UnleashStandIn u = new UnleashStandIn()) {
      run(
          "unleash-rollout.yaml",
          u,
          Map.of("REPLACE-WITH-STRATEGY-ID", UnleashStandIn.STRATEGY),
          stage -> {
            assertThat(u.enabled()).as(stage).isTrue();
            assertThat(u.rollout()).as(stage).isEqualTo(Integer.toString(percent(stage)));
          });
      assertThat(u.rollout()).isEqualTo("0");
      assertThat(u.enabled()).isFalse();
      assertThat(
              u.requests().stream()
                  .filter(r -> !r.method().equals("GET"))
                  .map(
                      r ->
                          r.method()
                              + " "
                              + r.path().replaceAll(".*/", "")
                              + " "
                              + (r.body().isEmpty() ? "" : compact(r.body())))
                  .toList())
          .containsExactly(
              "PATCH "
                  + UnleashStandIn.STRATEGY
                  + " [{\"op\":\"replace\",\"path\":\"/parameters/rollout\",\"value\":\"0\"}]",
              "POST on ",
              "PATCH "
                  + UnleashStandIn.STRATEGY
                  + " [{\"op\":\"replace\",\"path\":\"/parameters/rollout\",\"value\":\"10\"}]",
              "PATCH "
                  + UnleashStandIn.STRATEGY
                  + " [{\"op\":\"replace\",\"path\":\"/parameters/rollout\",\"value\":\"50\"}]",
              "PATCH "
                  + UnleashStandIn.STRATEGY
                  + " [{\"op\":\"replace\",\"path\":\"/parameters/rollout\",\"value\":\"100\"}]",
              "PATCH "
                  + UnleashStandIn.STRATEGY
                  + " [{\"op\":\"replace\",\"path\":\"/parameters/rollout\",\"value\":\"0\"}]",
              "POST off ");
    }
  }

  @Test
  void vercelRecipeEditsTheTeamProjectsVariableRedeploysAndWaitsForTheLiveValue() throws Exception {
    run(
        "vercel-env-redeploy.yaml",
        vercel,
        Map.of(
            "REPLACE-WITH-ENV-VAR-ID", VercelStandIn.ENV_ID,
            "REPLACE-WITH-PROJECT", "standin",
            "REPLACE-WITH-TEAM-ID", VercelStandIn.TEAM),
        stage -> assertThat(vercel.stored()).as(stage).isEqualTo(Integer.toString(percent(stage))));
    assertThat(vercel.stored()).isEqualTo("0");
    assertThat(
            vercel.requests().stream()
                .filter(r -> r.method().equals("PATCH"))
                .map(r -> r.query() + " " + compact(r.body()))
                .toList())
        .containsExactly(
            "teamId=" + VercelStandIn.TEAM + " {\"value\":\"10\"}",
            "teamId=" + VercelStandIn.TEAM + " {\"value\":\"50\"}",
            "teamId=" + VercelStandIn.TEAM + " {\"value\":\"100\"}",
            "teamId=" + VercelStandIn.TEAM + " {\"value\":\"0\"}");
    // A redeploy per stage, and one per stage undone; the application reports 0 again.
    assertThat(vercel.requests())
        .filteredOn(r -> r.path().equals(VercelStandIn.HOOK_PATH))
        .hasSize(6);
    assertThat(vercel.live()).isZero();
  }

  /** The stage's percent, from its name. */
  static int percent(String stage) {
    return switch (stage) {
      case "canary" -> 10;
      case "half" -> 50;
      case "full" -> 100;
      default -> throw new IllegalArgumentException(stage);
    };
  }

  static JsonNode read(String json) {
    try {
      return YAML.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bodies of the accepted writes, in order, with JSON bodies in compact form. */
  static List<String> writes(StandIn s) {
    return s.requests().stream()
        .filter(r -> !r.method().equals("GET"))
        .map(r -> r.body().isEmpty() ? "" : compact(r.body()))
        .toList();
  }

  static String compact(String json) {
    return new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(read(json)).toString();
  }

  /**
   * Runs the recipe against the stand-in: at canary and half (each awaits approval) and at full
   * (soaking), {@code atStage} checks the vendor's state; then the error rate (or the success rate)
   * breaks its rule and the cutover must end ROLLED_BACK, every request accepted.
   */
  void run(String recipe, StandIn standIn, Map<String, String> fill, Consumer<String> atStage)
      throws Exception {
    String text = Files.readString(Path.of("..", "examples", "recipes", recipe));
    for (var e : fill.entrySet()) {
      text = text.replace(e.getKey(), e.getValue());
    }
    assertThat(text).doesNotContain("REPLACE-WITH-");
    ObjectNode plan = (ObjectNode) YAML.readTree(text);
    String name = plan.path("name").asText() + "-" + UUID.randomUUID().toString().substring(0, 8);
    plan.put("name", name);
    plan.path("connections")
        .fields()
        .forEachRemaining(
            c -> {
              ObjectNode conn = (ObjectNode) c.getValue();
              if (conn.has("http")) {
                conn.put("http", standIn.baseUrl());
              } else if (conn.has("prometheus")) {
                conn.put("prometheus", standIn.baseUrl());
              } else if (conn.has("postgres")) {
                conn.put("postgres", appDb);
                conn.put("user", APPDB_ROLE);
              }
            });
    JsonNode stages = plan.path("stages");
    for (int i = 0; i < stages.size(); i++) {
      ObjectNode s = (ObjectNode) stages.get(i);
      if (s.has("soak")) {
        s.put("soak", i == stages.size() - 1 ? "10m" : "2s");
      }
      if (s.has("every")) {
        s.put("every", "1s");
      }
      s.path("actions").forEach(RecipesIT::seconds);
    }
    plan.path("watch").forEach(w -> ((ObjectNode) w).put("every", "1s"));
    plan.path("watch")
        .forEach(
            w -> {
              if (w.has("for")) {
                ((ObjectNode) w).put("for", "2s");
              }
            });
    plan.path("rollback").path("actions").forEach(RecipesIT::seconds);
    String approver = plan.path("approvals").path("approvers").path(0).asText();

    Path file = Plans.write(dir, name, YAML.writeValueAsString(plan));
    assertThat(
            Main.execute(
                "start",
                file.toString(),
                "--by",
                "carol",
                "--address",
                address,
                "--task-queue",
                queue))
        .isZero();
    Cutover cutover = new Cutover(address, "cutover-" + name);
    try {
      for (String stage : List.of("canary", "half")) {
        await(cutover, "AWAITING_APPROVAL", stage);
        atStage.accept(stage);
        cutover
            .client
            .newUntypedWorkflowStub(cutover.id)
            .signal("approve", new SignalPayload(stage, approver, "ok", null, null));
      }
      await(cutover, "SOAKING", "full");
      atStage.accept("full");

      breakTheRule(standIn);
      Status done = cutover.awaitState("ROLLED_BACK", Duration.ofSeconds(120));
      assertThat(done.rollback().scope().name()).isEqualTo("ALL");
      assertThat(standIn.requests())
          .as("every request the cutover sent was one the vendor accepts")
          .allMatch(r -> r.status() < 300, "accepted");
    } finally {
      cutover.close();
    }
  }

  private static void seconds(JsonNode action) {
    JsonNode wait = action.path("wait");
    if (wait.isObject()) {
      ((ObjectNode) wait).put("timeout", "30s").put("every", "1s");
    }
  }

  private static void await(Cutover cutover, String state, String stage) {
    try {
      cutover.await(
          stage + " " + state,
          Duration.ofSeconds(120),
          s -> s.state().equals(state) && s.stage() != null && s.stage().name().equals(stage));
    } catch (AssertionError e) {
      Status last = cutover.status();
      throw new AssertionError(
          e.getMessage() + "; holds: " + (last == null ? "?" : last.holds()), e);
    }
  }

  private static void breakTheRule(StandIn standIn) throws Exception {
    standIn.errorRate(0.5);
    if (standIn instanceof VercelStandIn) {
      try (Connection c = appConnection();
          Statement s = c.createStatement()) {
        s.execute("UPDATE user_profiles SET full_pass_status = 'failed'");
      }
    }
  }

  /**
   * A database of its own for the Vercel recipe's success-rate check, 30 completed passes, read by
   * a role that may only read them.
   */
  private static String appDatabase() throws Exception {
    String url = Services.require("CUTOVER_TEST_PG_URL");
    String db = "recipes_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = connect(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
      // What the recipe asks for: a read-only role (the worker refuses a superuser).
      s.execute("CREATE ROLE " + APPDB_ROLE + " LOGIN PASSWORD '" + APPDB_PASSWORD + "'");
    }
    String appUrl = url.substring(0, url.lastIndexOf('/') + 1) + db;
    try (Connection c = connect(appUrl);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE user_profiles (full_pass_status text, full_pass_started_at timestamptz)");
      s.execute(
          "INSERT INTO user_profiles SELECT 'complete', now() - interval '1 hour'"
              + " FROM generate_series(1, 30)");
      s.execute("GRANT SELECT ON user_profiles TO " + APPDB_ROLE);
    }
    return appUrl;
  }

  private static Connection appConnection() throws Exception {
    return connect(appDb);
  }

  private static Connection connect(String url) throws Exception {
    return DriverManager.getConnection(
        url,
        Services.require("CUTOVER_TEST_PG_USER"),
        Services.require("CUTOVER_TEST_PG_PASSWORD"));
  }
}
