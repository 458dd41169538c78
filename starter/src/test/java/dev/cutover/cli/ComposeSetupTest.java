package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cutover.testing.TestServices;
import dev.cutover.worker.WorkerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml cannot run here (no Docker engine), so it is checked by reading and by {@code
 * docker-compose config}: every service it names exists, images are pinned, mounted files exist in
 * the repository, the worker service runs the image's worker jar with exactly the environment the
 * worker reads, and the Dockerfile builds that jar and nothing else into the image.
 */
class ComposeSetupTest {
  static final Path ROOT = Path.of("..");
  static final JsonNode COMPOSE = read(ROOT.resolve("docker-compose.yml"));

  static JsonNode read(Path p) {
    try {
      return new YAMLMapper().readTree(Files.readString(p));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyDependencyNamesAServiceAndEveryImageIsPinned() {
    JsonNode services = COMPOSE.path("services");
    assertThat(services.size()).isGreaterThanOrEqualTo(6);
    services
        .fields()
        .forEachRemaining(
            s -> {
              s.getValue()
                  .path("depends_on")
                  .fieldNames()
                  .forEachRemaining(
                      dep ->
                          assertThat(services.has(dep))
                              .as(s.getKey() + " depends on " + dep)
                              .isTrue());
              String image = s.getValue().path("image").asText("");
              if (!s.getValue().has("build")) {
                assertThat(image).as(s.getKey()).matches("[a-z0-9./-]+:[0-9][A-Za-z0-9.-]*");
              }
            });
    assertThat(services.path("temporal").path("image").asText()).startsWith("temporalio/server:");
    assertThat(services.path("temporal-admin-tools").path("image").asText())
        .startsWith("temporalio/admin-tools:");
    assertThat(services.path("temporal-ui").path("image").asText()).startsWith("temporalio/ui:");
    assertThat(
            services
                .path("temporal")
                .path("depends_on")
                .path("temporal-admin-tools")
                .path("condition")
                .asText())
        .isEqualTo("service_completed_successfully");
  }

  @Test
  void mountedScriptsAndConfigExistInTheRepository() {
    COMPOSE
        .path("services")
        .forEach(
            s ->
                s.path("volumes")
                    .forEach(
                        v -> {
                          String source = v.asText().split(":")[0];
                          if (source.startsWith("./")) {
                            assertThat(ROOT.resolve(source)).as(v.asText()).exists();
                          }
                        }));
    for (String script : List.of("setup-postgres.sh", "create-namespace.sh")) {
      assertThat(COMPOSE.toString()).contains("/scripts/" + script);
      assertThat(ROOT.resolve("deploy/temporal").resolve(script)).isExecutable();
    }
    assertThat(ROOT.resolve("deploy/temporal/dynamicconfig/development-sql.yaml")).exists();
    assertThat(
            COMPOSE
                .path("services")
                .path("temporal")
                .path("environment")
                .path("DYNAMIC_CONFIG_FILE_PATH")
                .asText())
        .isEqualTo("config/dynamicconfig/development-sql.yaml");
  }

  @Test
  void theNamespaceJobRegistersTheFourSearchAttributes() throws IOException {
    String script = Files.readString(ROOT.resolve("deploy/temporal/create-namespace.sh"));
    assertThat(script)
        .contains(
            "CutoverPlan:Keyword",
            "CutoverStage:Keyword",
            "CutoverState:Keyword",
            "CutoverPercent:Int");
  }

  @Test
  void theWorkerServiceRunsTheImagesWorkerWithTheEnvironmentTheWorkerReads() throws IOException {
    JsonNode worker = COMPOSE.path("services").path("cutover-worker");
    assertThat(worker.path("build").asText()).isEqualTo(".");
    // The image's entry point is the worker jar itself: no command to choose.
    assertThat(worker.has("command")).isFalse();
    assertThat(worker.has("entrypoint")).isFalse();

    Map<String, String> env = new HashMap<>();
    worker
        .path("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    assertThat(new TreeSet<>(env.keySet()))
        .isEqualTo(
            new TreeSet<>(
                Set.of(
                    "TEMPORAL_ADDRESS",
                    "TEMPORAL_NAMESPACE",
                    "CUTOVER_TASK_QUEUE",
                    "CUTOVER_HEALTH_PORT",
                    "CUTOVER_LEDGER_URL",
                    "CUTOVER_LEDGER_USER",
                    "CUTOVER_LEDGER_PASSWORD",
                    "CUTOVER_LEDGER_OUTBOX")));
    WorkerConfig config = WorkerConfig.fromEnvironment(env);
    // The ledger: its own database on the compose PostgreSQL, created by the setup job, and an
    // outbox on a volume.
    dev.cutover.ledger.LedgerSettings ledger =
        dev.cutover.ledger.LedgerSettings.fromEnvironment(env);
    assertThat(ledger.url()).isEqualTo("jdbc:postgresql://postgresql:5432/cutover");
    assertThat(COMPOSE.path("services").has("postgresql")).isTrue();
    assertThat(Files.readString(ROOT.resolve("deploy/temporal/setup-postgres.sh")))
        .contains("tool --db cutover create");
    assertThat(worker.path("volumes").toString())
        .contains("cutover-ledger-outbox:/var/lib/cutover");
    assertThat(ledger.outbox().toString()).startsWith("/var/lib/cutover/");
    assertThat(config.address()).isEqualTo("temporal:7233");
    assertThat(config.taskQueue()).isEqualTo("cutover");
    assertThat(config.healthPort()).isEqualTo(8090);
    String host = config.address().split(":")[0];
    assertThat(COMPOSE.path("services").has(host)).isTrue();
    assertThat(COMPOSE.path("services").path(host).path("environment").path("BIND_ON_IP").asText())
        .isEqualTo("0.0.0.0");
    assertThat(
            worker.path("depends_on").path("temporal-create-namespace").path("condition").asText())
        .isEqualTo("service_completed_successfully");
  }

  @Test
  void dockerComposeAcceptsTheFileAsAnOperatorHasIt(@TempDir Path dir) throws Exception {
    String compose = TestServices.require("CUTOVER_TEST_COMPOSE_BIN");
    // A copy of the setup as an operator has it: no secrets file of their own at first.
    for (String file :
        List.of(
            "docker-compose.yml",
            "Dockerfile",
            "deploy/worker-settings.env",
            "deploy/no-secrets.env",
            "deploy/keyring/approvers",
            "deploy/temporal/setup-postgres.sh",
            "deploy/temporal/create-namespace.sh",
            "deploy/temporal/dynamicconfig/development-sql.yaml")) {
      Files.createDirectories(dir.resolve(file).getParent());
      Files.copy(ROOT.resolve(file), dir.resolve(file));
    }
    String out = composeConfig(compose, dir, Map.of());
    assertThat(out).isEmpty();

    // Their secrets file, named by CUTOVER_WORKER_ENV as the header says (made from the example).
    Files.copy(ROOT.resolve("deploy/worker.env.example"), dir.resolve("worker.env"));
    assertThat(composeConfig(compose, dir, Map.of("CUTOVER_WORKER_ENV", "./worker.env"))).isEmpty();

    // Named but missing: compose refuses, naming the file.
    Process missing = compose(compose, dir, Map.of("CUTOVER_WORKER_ENV", "./no-such.env"));
    assertThat(missing.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(missing.exitValue()).isNotZero();
    assertThat(new String(missing.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("no-such.env");
  }

  private static Process compose(String compose, Path dir, Map<String, String> env)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                compose, "-f", dir.resolve("docker-compose.yml").toString(), "config", "-q")
            .redirectErrorStream(true);
    pb.environment().remove("CUTOVER_WORKER_ENV");
    pb.environment().putAll(env);
    return pb.start();
  }

  /** What {@code docker-compose config -q} printed; it must have exited 0. */
  private static String composeConfig(String compose, Path dir, Map<String, String> env)
      throws Exception {
    Process p = compose(compose, dir, env);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /**
   * {@code value} with compose's {@code ${VAR:-default}} interpolated from an empty environment.
   */
  static String interpolated(String value) {
    return value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
  }

  @Test
  void temporalAndItsUiArePublishedOnLoopbackOnlyByDefault() {
    List<String> published = new java.util.ArrayList<>();
    COMPOSE
        .path("services")
        .fields()
        .forEachRemaining(
            s ->
                s.getValue()
                    .path("ports")
                    .forEach(
                        p -> {
                          published.add(s.getKey() + " " + interpolated(p.asText()));
                        }));
    assertThat(published)
        .containsExactlyInAnyOrder(
            "temporal 127.0.0.1:7233:7233", "temporal-ui 127.0.0.1:8080:8080");
  }

  /**
   * The {@code KEY=value} lines of an env file; with {@code commented}, also the {@code #
   * KEY=value} lines.
   */
  static Map<String, String> envLines(Path file, boolean commented) throws IOException {
    Map<String, String> settings = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String l = commented && line.matches("# [A-Z_]+=.*") ? line.substring(2) : line;
      if (!l.isBlank() && !l.startsWith("#")) {
        String[] kv = l.split("=", 2);
        settings.put(kv[0], kv[1]);
      }
    }
    return settings;
  }

  @Test
  void theWorkerShipsAnExplicitAllowListWhichTheWorkerAcceptsWithoutWarnings() throws IOException {
    JsonNode worker = COMPOSE.path("services").path("cutover-worker");
    List<String> envFiles = new java.util.ArrayList<>();
    // Plain paths: docker-compose 1.x refuses the {path, required} form of env_file.
    worker.path("env_file").forEach(f -> envFiles.add(f.isTextual() ? f.asText() : f.toString()));
    // The settings first, so that the operator's own file (secret values) may override them.
    assertThat(envFiles)
        .containsExactly(
            "./deploy/worker-settings.env", "${CUTOVER_WORKER_ENV:-./deploy/no-secrets.env}");
    assertThat(envLines(ROOT.resolve(interpolated(envFiles.get(1))), false))
        .as("the default secrets file sets nothing")
        .isEmpty();
    assertThat(Files.readString(ROOT.resolve(".gitignore")).lines()).contains("worker.env");
    assertThat(Files.readAllLines(ROOT.resolve("deploy/worker.env.example")))
        .allMatch(
            line -> line.isBlank() || line.startsWith("#"), "comments only: no value is committed");

    Map<String, String> settings = envLines(ROOT.resolve("deploy/worker-settings.env"), false);
    // Only settings: no secret value is ever committed.
    assertThat(settings.keySet())
        .allMatch(k -> k.startsWith("CUTOVER_ALLOWED_") || k.startsWith("CUTOVER_NGINX_"));
    assertThat(settings).containsKeys("CUTOVER_ALLOWED_HOSTS", "CUTOVER_ALLOWED_SECRETS");

    Map<String, String> env = new HashMap<>(settings);
    worker
        .path("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    WorkerConfig config =
        WorkerConfig.fromEnvironment(env); // a malformed list would throw, naming it
    assertThat(config.activities().warnings()).isEmpty();
    assertThat(config.activities().lines())
        .contains(
            "CUTOVER_ALLOWED_HOSTS: only hooks.slack.com",
            "CUTOVER_ALLOWED_SECRETS: SLACK_WEBHOOK@hooks.slack.com");
  }

  @Test
  void theWorkerMountsTheApproverKeyringItsCommentedSettingsName() throws IOException {
    JsonNode worker = COMPOSE.path("services").path("cutover-worker");
    List<String> volumes = new java.util.ArrayList<>();
    worker.path("volumes").forEach(v -> volumes.add(v.asText()));
    assertThat(volumes)
        .containsExactly(
            "./deploy/keyring:/etc/cutover/keyring:ro", "cutover-ledger-outbox:/var/lib/cutover");

    // Turned on by uncommenting two lines: the path they name is inside the mount, and the worker
    // accepts them.
    Map<String, String> all = envLines(ROOT.resolve("deploy/worker-settings.env"), true);
    assertThat(all)
        .containsEntry("CUTOVER_APPROVER_KEYS", "/etc/cutover/keyring/approvers")
        .containsEntry("CUTOVER_REQUIRE_SIGNED_SIGNALS", "true");
    Path keyring =
        ROOT.resolve("deploy/keyring")
            .resolve(
                Path.of("/etc/cutover/keyring")
                    .relativize(Path.of(all.get("CUTOVER_APPROVER_KEYS"))));
    assertThat(keyring).isRegularFile();
    Map<String, String> env = new HashMap<>(all);
    env.put("CUTOVER_APPROVER_KEYS", keyring.toString());
    WorkerConfig config =
        WorkerConfig.fromEnvironment(env); // a malformed keyring would throw, naming its line
    assertThat(config.activities().approverKeys().configured()).isTrue();
    assertThat(config.activities().approverKeys().signaturesRequired()).isTrue();
  }

  @Test
  void dockerComposeOneAcceptsTheFileWhereItIsInstalled() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "docker-compose",
                "--project-directory",
                ROOT.toString(),
                "-f",
                ROOT.resolve("docker-compose.yml").toString(),
                "config",
                "--quiet")
            .redirectErrorStream(true);
    pb.environment().remove("CUTOVER_WORKER_ENV");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.abort(
          "docker-compose is not installed (apt-get install docker-compose)");
      return;
    }
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  /** The modules the root pom lists, in order. */
  static List<String> modules() throws IOException {
    Matcher m =
        Pattern.compile("<module>([^<]+)</module>")
            .matcher(Files.readString(ROOT.resolve("pom.xml")));
    List<String> modules = new java.util.ArrayList<>();
    while (m.find()) {
      modules.add(m.group(1));
    }
    return modules;
  }

  @Test
  void theImageBuildsAndRunsTheWorkersOwnJarAndNothingElse() throws IOException {
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    assertThat(dockerfile)
        .contains("RUN ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl worker -am package")
        .contains("COPY --from=build /src/worker/target/cutover-worker.jar /app/cutover-worker.jar")
        .endsWith(
            "ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"/app/cutover-worker.jar\"]\n");
    // One jar goes into the runtime image: not the CLI's (its test server, the demo service).
    assertThat(
            Pattern.compile("^COPY --from=build ", Pattern.MULTILINE)
                .matcher(dockerfile)
                .results()
                .count())
        .isOne();
    assertThat(dockerfile).doesNotContain("cutover.jar").doesNotContain("CMD [");
    // The wrapper and .mvn/jvm.config (Error Prone needs it) come with the poms.
    assertThat(dockerfile).contains("COPY mvnw ./\nCOPY .mvn .mvn\n");
    // Every module the build needs is copied before the dependency download step.
    List<String> modules = modules();
    assertThat(modules).contains("plan", "worker", "starter", "test-support");
    String beforeDownload = dockerfile.substring(0, dockerfile.indexOf("dependency:go-offline"));
    for (String module : modules) {
      assertThat(beforeDownload).contains("COPY " + module + "/pom.xml " + module + "/");
    }
    // The health check probes the port the worker serves its health on.
    assertThat(dockerfile)
        .contains("CUTOVER_HEALTH_PORT=8090")
        .contains("/dev/tcp/127.0.0.1/${CUTOVER_HEALTH_PORT}");
  }

  @Test
  void theLauncherBuildsAndRunsTheCliJarWithTheWrapper() throws IOException {
    String launcher = Files.readString(ROOT.resolve("cutover"));
    assertThat(launcher)
        .contains("jar=\"$here/starter/target/cutover.jar\"")
        .contains("\"$here/mvnw\"")
        .contains("-pl starter -am package");
    assertThat(ROOT.resolve("mvnw")).isExecutable();
    assertThat(Files.readString(ROOT.resolve(".mvn/wrapper/maven-wrapper.properties")))
        .contains("apache-maven-3.8.7-bin.zip");
  }
}
