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
                assertThat(image).as(s.getKey()).matches("[a-z0-9./-]+:v?[0-9][A-Za-z0-9.-]*");
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
    assertThat(ROOT.resolve("deploy/temporal/dynamicconfig/shared-sql.yaml")).exists();
    assertThat(
            COMPOSE
                .path("services")
                .path("temporal")
                .path("environment")
                .path("DYNAMIC_CONFIG_FILE_PATH")
                .asText())
        .isEqualTo("config/dynamicconfig/shared-sql.yaml");
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
            "deploy/compose.env.example",
            "deploy/prometheus/prometheus.yml",
            "deploy/temporal/dynamicconfig/shared-sql.yaml")) {
      Files.createDirectories(dir.resolve(file).getParent());
      Files.copy(ROOT.resolve(file), dir.resolve(file));
    }
    // No .env yet: compose stops, saying what to set and where.
    assertThat(composeFails(compose, dir, Map.of()))
        .contains("set POSTGRES_")
        .contains("in .env beside docker-compose.yml (deploy/compose.env.example)");
    // The example copied as it is: the password is still empty, and compose says so.
    Files.copy(dir.resolve("deploy/compose.env.example"), dir.resolve(".env"));
    assertThat(composeFails(compose, dir, Map.of())).contains("set POSTGRES_PASSWORD in .env");
    // The password set: the file is accepted, every service gets the credentials from .env.
    Files.writeString(
        dir.resolve(".env"),
        Files.readString(dir.resolve(".env"))
            .replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=s3cret-of-the-operator\n"));
    String out = composeConfig(compose, dir, Map.of());
    assertThat(out).isEmpty();
    JsonNode resolved = new YAMLMapper().readTree(composeOutput(compose, dir, Map.of(), "config"));
    JsonNode services = resolved.path("services");
    assertThat(services.path("postgresql").path("environment").path("POSTGRES_PASSWORD").asText())
        .isEqualTo("s3cret-of-the-operator");
    for (String s : List.of("temporal-admin-tools", "temporal")) {
      assertThat(services.path(s).path("environment").path("POSTGRES_PWD").asText())
          .as(s)
          .isEqualTo("s3cret-of-the-operator");
      assertThat(services.path(s).path("environment").path("POSTGRES_USER").asText())
          .as(s)
          .isEqualTo("temporal");
    }
    // Retention: 30 days unless the operator says otherwise.
    assertThat(
            services
                .path("temporal-create-namespace")
                .path("environment")
                .path("NAMESPACE_RETENTION")
                .asText())
        .isEqualTo("30d");
    JsonNode longer =
        new YAMLMapper()
            .readTree(
                composeOutput(
                    compose, dir, Map.of("CUTOVER_NAMESPACE_RETENTION", "90d"), "config"));
    assertThat(
            longer
                .path("services")
                .path("temporal-create-namespace")
                .path("environment")
                .path("NAMESPACE_RETENTION")
                .asText())
        .isEqualTo("90d");

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
    for (String v :
        List.of(
            "CUTOVER_WORKER_ENV",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "CUTOVER_NAMESPACE_RETENTION")) {
      pb.environment().remove(v);
    }
    pb.environment().putAll(env);
    return pb.start();
  }

  private static Process compose(
      String compose, Path dir, Map<String, String> env, String... command) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(compose, "-f", dir.resolve("docker-compose.yml").toString()));
    cmd.addAll(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    for (String v :
        List.of(
            "CUTOVER_WORKER_ENV",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "CUTOVER_NAMESPACE_RETENTION")) {
      pb.environment().remove(v);
    }
    pb.environment().putAll(env);
    return pb.start();
  }

  /** What {@code docker-compose <command>} printed on stdout; it must have exited 0. */
  private static String composeOutput(
      String compose, Path dir, Map<String, String> env, String... command) throws Exception {
    Process p = compose(compose, dir, env, command);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return out;
  }

  /** What {@code docker-compose config -q} printed; it must have failed. */
  private static String composeFails(String compose, Path dir, Map<String, String> env)
      throws Exception {
    Process p = compose(compose, dir, env);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isNotZero();
    return out;
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
  void prometheusScrapesTheWorkersHealthPortWithAConfigPromtoolAccepts() throws Exception {
    JsonNode prometheus = COMPOSE.path("services").path("prometheus");
    assertThat(prometheus.path("image").asText()).startsWith("prom/prometheus:v3.");
    assertThat(prometheus.path("volumes").toString())
        .contains("./deploy/prometheus:/etc/prometheus/cutover:ro");
    assertThat(prometheus.path("command").toString())
        .contains("--config.file=/etc/prometheus/cutover/prometheus.yml");
    String healthPort =
        COMPOSE
            .path("services")
            .path("cutover-worker")
            .path("environment")
            .path("CUTOVER_HEALTH_PORT")
            .asText();
    Path config = ROOT.resolve("deploy/prometheus/prometheus.yml");
    JsonNode job = read(config).path("scrape_configs").get(0);
    assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
    assertThat(job.path("static_configs").get(0).path("targets").get(0).asText())
        .isEqualTo("cutover-worker:" + healthPort);
    // Debian's promtool, beside the Prometheus the tests run.
    Path promtool =
        Path.of(TestServices.require("CUTOVER_TEST_PROMETHEUS_BIN")).resolveSibling("promtool");
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "config", config.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
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
            "temporal 127.0.0.1:7233:7233",
            "temporal-ui 127.0.0.1:8080:8080",
            "prometheus 127.0.0.1:9090:9090");
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
    // What an operator's .env sets (deploy/compose.env.example).
    pb.environment().put("POSTGRES_USER", "temporal");
    pb.environment().put("POSTGRES_PASSWORD", "operators-own");
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

  @Test
  void theSharedSetupRunsTemporalWithProductionDynamicConfig() throws IOException {
    JsonNode config = read(ROOT.resolve("deploy/temporal/dynamicconfig/shared-sql.yaml"));
    List<String> keys = new java.util.ArrayList<>();
    config.fieldNames().forEachRemaining(keys::add);
    // Temporal's own file marks this one "dev setup only"; the namespace job waits instead.
    assertThat(keys).containsExactly("limit.maxIDLength");
    assertThat(Files.readString(ROOT.resolve("deploy/temporal/create-namespace.sh")))
        .contains("temporal workflow count -n \"$ns\"");
  }

  @Test
  void theDatabaseCredentialsComeOnlyFromTheOperatorsEnvFile() throws IOException {
    Pattern required =
        Pattern.compile("\\$\\{POSTGRES_(USER|PASSWORD):\\?set POSTGRES_\\1 in \\.env .+}");
    List<String> credentials = new java.util.ArrayList<>();
    COMPOSE
        .path("services")
        .fields()
        .forEachRemaining(
            s ->
                s.getValue()
                    .path("environment")
                    .fields()
                    .forEachRemaining(
                        e -> {
                          if (e.getKey().matches("POSTGRES_(USER|PASSWORD|PWD)|SQL_PASSWORD")) {
                            credentials.add(s.getKey() + " " + e.getKey());
                            assertThat(e.getValue().asText())
                                .as(s.getKey() + " " + e.getKey())
                                .matches(required);
                          }
                        }));
    assertThat(credentials)
        .contains(
            "postgresql POSTGRES_PASSWORD",
            "temporal-admin-tools POSTGRES_PWD",
            "temporal-admin-tools SQL_PASSWORD",
            "temporal POSTGRES_PWD");
    assertThat(
            COMPOSE.path("services").path("postgresql").path("healthcheck").path("test").toString())
        .doesNotContain("temporal")
        .contains("$${POSTGRES_USER}");
    // The example sets no password, so a copy left as it is fails rather than runs on a known one.
    assertThat(envLines(ROOT.resolve("deploy/compose.env.example"), false))
        .containsEntry("POSTGRES_PASSWORD", "")
        .containsEntry("POSTGRES_USER", "temporal");
    assertThat(Files.readString(ROOT.resolve(".gitignore")).lines()).contains(".env");
  }

  @Test
  void noSecretsFileEntersTheImagesBuildContext() throws IOException {
    List<java.nio.file.PathMatcher> ignored =
        Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .map(l -> java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + l))
            .toList();
    java.util.function.Predicate<String> excluded =
        f -> ignored.stream().anyMatch(m -> m.matches(Path.of(f)));
    for (String secret :
        List.of(
            "worker.env",
            ".env",
            ".env.local",
            "secrets.env",
            "deploy/worker.env",
            "deploy/prod/.env",
            "deploy/prod/.env.production")) {
      assertThat(excluded).as(secret).accepts(secret);
    }
    for (String source :
        List.of(
            "pom.xml", "mvnw", ".mvn/jvm.config", "worker/src/main/java/X.java", "Dockerfile")) {
      assertThat(excluded).as(source).rejects(source);
    }
  }

  @Test
  void theImagesAreTheOfficialRecipesAndTheSchemaJobMatchesTheServer() throws IOException {
    JsonNode services = COMPOSE.path("services");
    String server = services.path("temporal").path("image").asText();
    String version = server.substring(server.indexOf(':') + 1);
    // temporalio/samples-server compose/.env: TEMPORAL_VERSION, TEMPORAL_ADMINTOOLS_VERSION,
    // TEMPORAL_UI_VERSION.
    assertThat(server).isEqualTo("temporalio/server:1.30.1");
    assertThat(services.path("temporal-admin-tools").path("image").asText())
        .isEqualTo("temporalio/admin-tools:" + version);
    assertThat(services.path("temporal-create-namespace").path("image").asText())
        .isEqualTo("temporalio/admin-tools:" + version);
    assertThat(services.path("temporal-ui").path("image").asText())
        .isEqualTo("temporalio/ui:2.34.0");
    // The upgrade path is written down where an operator looks.
    assertThat(Files.readString(ROOT.resolve("README.md")))
        .contains("temporalio/server:" + version)
        .contains("update-schema");
    assertThat(Files.readString(ROOT.resolve("deploy/temporal/setup-postgres.sh")))
        .contains("update-schema -d \"$schema/$dir/versioned\"");
  }

  @Test
  void theNamespaceJobSetsTheRetentionAndRegistersTheAttributesOnARealServer() throws Exception {
    String address = TestServices.require("CUTOVER_TEST_TEMPORAL_ADDRESS");
    Path bin = Path.of(TestServices.require("CUTOVER_TEST_TEMPORAL_BIN"));
    String ns = "compose-" + java.util.UUID.randomUUID().toString().substring(0, 8);

    Job first = namespaceJob(bin, address, ns, "30d");
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(describe(bin, address, ns))
        .contains("\"workflowExecutionRetentionTtl\": \"2592000s\"");
    String attributes =
        run(bin, List.of("operator", "search-attribute", "list", "-n", ns, "--address", address));
    assertThat(attributes)
        .contains("CutoverPlan", "CutoverStage", "CutoverState", "CutoverPercent");

    // Run again with another retention: the namespace exists and takes it.
    Job again = namespaceJob(bin, address, ns, "45d");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("namespace " + ns + " exists; retention 45d");
    assertThat(describe(bin, address, ns))
        .contains("\"workflowExecutionRetentionTtl\": \"3888000s\"");

    // A retention that is not days or hours stops the job before it touches the server.
    Job bad = namespaceJob(bin, address, ns, "30");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.output())
        .contains("NAMESPACE_RETENTION must be days or hours, such as 30d or 720h: 30");
    assertThat(describe(bin, address, ns)).contains("\"3888000s\"");
  }

  record Job(int exitCode, String output) {}

  private static Job namespaceJob(Path bin, String address, String ns, String retention)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("sh", ROOT.resolve("deploy/temporal/create-namespace.sh").toString())
            .redirectErrorStream(true);
    pb.environment().put("PATH", bin.getParent() + ":" + System.getenv("PATH"));
    pb.environment().put("TEMPORAL_ADDRESS", address);
    pb.environment().put("DEFAULT_NAMESPACE", ns);
    pb.environment().put("NAMESPACE_RETENTION", retention);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
    return new Job(p.exitValue(), out);
  }

  private static String describe(Path bin, String address, String ns) throws Exception {
    return run(
        bin,
        List.of("operator", "namespace", "describe", "-n", ns, "--address", address, "-o", "json"));
  }

  private static String run(Path bin, List<String> args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
