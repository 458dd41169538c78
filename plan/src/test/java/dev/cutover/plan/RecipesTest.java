package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every recipe in examples/recipes (docs/flag-apis.md) is a plan that reads clean. */
class RecipesTest {
  static Stream<Path> recipes() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "examples", "recipes"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @Test
  void thereIsARecipeForEachFlagServiceTheDocsDescribe() throws IOException {
    assertThat(recipes().map(p -> p.getFileName().toString()))
        .containsExactly(
            "flagsmith-rollout.yaml",
            "launchdarkly-rollout.yaml",
            "unleash-rollout.yaml",
            "vercel-env-redeploy.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void everyRecipeReadsCleanAndIsNamedAfterItsPlan(Path file) throws IOException {
    Plan p = PlanReader.read(Files.readString(file));
    assertThat(file.getFileName().toString()).isEqualTo(p.name() + ".yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void everyRecipeIsLinkedFromTheFlagApiDocs(Path file) throws IOException {
    String docs = Files.readString(Path.of("..", "docs", "flag-apis.md"));
    assertThat(docs).contains("examples/recipes/" + file.getFileName());
  }

  @Test
  void theRecipesUseTheFormsTheyAreThereToShow() throws IOException {
    Plan unleash = read("unleash-rollout.yaml");
    Plan ld = read("launchdarkly-rollout.yaml");
    Plan flagsmith = read("flagsmith-rollout.yaml");
    Plan vercel = read("vercel-env-redeploy.yaml");

    assertThat(List.of(unleash, flagsmith, vercel))
        .allSatisfy(p -> assertThat(p.traffic().set()).isNotNull());
    assertThat(flagsmith.traffic().readBack()).isPresent();
    assertThat(List.of(unleash, ld, flagsmith))
        .allSatisfy(p -> assertThat(p.flagsApi()).isNotNull());
    assertThat(ld.flagsApi().readBack()).isPresent();
    // LaunchDarkly's weights are written per stage, each with the undo that restores the one
    // before.
    assertThat(ld.stages().subList(1, 4))
        .allSatisfy(s -> assertThat(s.actions().get(0).undo()).isNotNull());
    // Vercel: each stage redeploys, and a rollback's redeploy is the undo.
    assertThat(vercel.stages()).allSatisfy(s -> assertThat(s.actions().get(0).undo()).isNotNull());
  }

  @Test
  void theRecipesCallTheEndpointsTheVendorsDocumentTheWayTheyDocumentThem() throws IOException {
    // Flagsmith: the feature-state API, which re-weights variants (update-flag-v1 cannot).
    Plan flagsmith = read("flagsmith-rollout.yaml");
    assertThat(flagsmith.traffic().set().method()).isEqualTo("PATCH");
    assertThat(flagsmith.traffic().set().target())
        .startsWith("flagsmith:/api/__future__/environments/")
        .endsWith("/features/4711/");
    assertThat(flagsmith.traffic().set().body()).contains("\"variants\"", "\"weight\": ${percent}");
    assertThat(flagsmith.traffic().valuePath())
        .isEqualTo("$.environment_default.variants[0].weight");
    assertThat(flagsmith.connections().get("flagsmith").headers())
        .containsEntry("Authorization", "Api-Key ${env:FLAGSMITH_ADMIN_API_KEY}");
    // LaunchDarkly: the API version on every call.
    assertThat(read("launchdarkly-rollout.yaml").connections().get("ld").headers())
        .containsEntry("LD-API-Version", "20240415")
        .containsEntry("Authorization", "${env:LD_API_TOKEN}");
    // Vercel: the team on the call.
    assertThat(read("vercel-env-redeploy.yaml").traffic().set().target())
        .startsWith("vercel:/v9/projects/")
        .endsWith("?teamId=REPLACE-WITH-TEAM-ID");
    // Unleash: a service account or personal access token, not an admin token.
    assertThat(read("unleash-rollout.yaml").connections().get("unleash").headers())
        .containsEntry("Authorization", "${env:UNLEASH_API_TOKEN}");
  }

  private static Plan read(String name) throws IOException {
    return PlanReader.read(Files.readString(Path.of("..", "examples", "recipes", name)));
  }
}
