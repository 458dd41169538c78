package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.engine.Step;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Command actions run through the activity, with small scripts written by each test. */
class CommandsTest {
  private static final String SYNC_TOKEN = "sync-t0ken-4f9a2c";
  private static final String DB_PASSWORD = "db-pa55word-e7d1";
  private static final String AWS_KEY = "aws-s3cret-key-0b7e";

  @TempDir Path dir;

  private CutoverActivitiesImpl activities;

  @AfterEach
  void close() {
    if (activities != null) {
      activities.close();
    }
  }

  private CutoverActivitiesImpl activities(String allowed) {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("SYNC_TOKEN", SYNC_TOKEN);
    env.put("REPLICA_DB_PASSWORD", DB_PASSWORD);
    env.put("AWS_SECRET_ACCESS_KEY", AWS_KEY);
    env.put("FLAG_TOKEN", "flag-t0ken-bound-9d2");
    env.put(Secrets.ALLOWED, "SYNC_TOKEN,REPLICA_DB_PASSWORD,FLAG_TOKEN@flags.internal");
    if (allowed != null) {
      env.put(Commands.ALLOWED, allowed);
    }
    activities = new CutoverActivitiesImpl(Fixtures.settings(env), Duration.ofSeconds(5));
    return activities;
  }

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  private static EffectRequest request(
      Step.Kind kind, String stage, String key, String actionYaml) {
    return new EffectRequest(
        "cutover-bg",
        key,
        stage,
        new Step(kind, stage == null ? -1 : 1, 0, null, null, key),
        null,
        null,
        tree(actionYaml),
        Map.of());
  }

  private static EffectRequest action(String key, String actionYaml) {
    return request(Step.Kind.ACTION, "final-sync", key, actionYaml);
  }

  @Test
  void anAllowedProgramRunsWithoutAShellWithItsIdempotencyKeyInAFreshDirectory() throws Exception {
    Path out = dir.resolve("seen.txt");
    Path sync =
        script(
            "final-sync",
            """
        { echo "pwd=$PWD"; echo "key=$CUTOVER_IDEMPOTENCY_KEY"; echo "workflow=$CUTOVER_WORKFLOW_ID";
          echo "stage=$CUTOVER_STAGE"; ls -A; for a in "$@"; do echo "arg=$a"; done; } > %s
        echo "synced 1200 rows with token $1"
        """
                .formatted(out));
    activities(sync + " *");

    String done =
        activities.apply(
            action(
                "cutover-bg/final-sync/actions/1",
                """
        command: [%s, "${env:SYNC_TOKEN}", "$(touch %s/pwned); *", "${stage}"]
        timeout: 10s
        """
                    .formatted(sync, dir)));

    List<String> seen = Files.readAllLines(out);
    assertThat(seen.get(0))
        .startsWith(
            "pwd="
                + System.getProperty("java.io.tmpdir").replaceAll("/$", "")
                + "/cutover-command-");
    assertThat(seen.subList(1, seen.size()))
        .containsExactly(
            "key=cutover-bg/final-sync/actions/1",
            "workflow=cutover-bg",
            "stage=final-sync",
            "arg=" + SYNC_TOKEN,
            "arg=$(touch " + dir + "/pwned); *",
            "arg=final-sync");
    assertThat(Path.of(seen.get(0).substring("pwd=".length()))).doesNotExist();
    assertThat(dir.resolve("pwned")).doesNotExist();
    assertThat(done)
        .matches(
            "command "
                + sync
                + " \\$\\{env:SYNC_TOKEN} \\$\\(touch "
                + dir
                + "/pwned\\); \\* \\$\\{stage} -> exit 0 in \\d+\\.\\ds; output: synced 1200 rows with token \\*\\*\\*");
  }

  @Test
  void withoutCutoverAllowedCommandsNoCommandRuns() throws Exception {
    Path marker = dir.resolve("ran");
    Path sync = script("final-sync", "touch " + marker + "\n");
    activities(null);

    ApplicationFailure f = failure(() -> activities.apply(action("k", "command: [" + sync + "]")));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "command "
                + sync
                + ": this worker runs no commands; set CUTOVER_ALLOWED_COMMANDS to the programs it may run (comma-separated)");
    assertThat(marker).doesNotExist();
  }

  @Test
  void aProgramNotListedIsRefusedAndABareEntryDoesNotAllowAPathOfTheSameName() throws Exception {
    Path marker = dir.resolve("ran");
    Path sync = script("final-sync", "touch " + marker + "\n");
    activities("/opt/other/smoke-tests, final-sync");

    ApplicationFailure f = failure(() -> activities.apply(action("k", "command: [" + sync + "]")));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "command "
                + sync
                + ": \""
                + sync
                + "\" is not allowed on this worker;"
                + " CUTOVER_ALLOWED_COMMANDS lists /opt/other/smoke-tests, final-sync"
                + " (final-sync is allowed as a bare name, found through the worker's PATH: write it so in the plan, or list the full path)");
    assertThat(marker).doesNotExist();
  }

  @Test
  void aBareNameIsFoundThroughTheWorkersPath() {
    activities("printf *");

    String done = activities.apply(action("k", "command: [printf, '%s-%s', a, b]"));

    assertThat(done).matches("command printf %s-%s a b -> exit 0 in \\d+\\.\\ds; output: a-b");
  }

  @Test
  void anUnexpectedExitCodeFailsWithTheCodeAndTheLastLinesOfOutput() throws Exception {
    Path sync =
        script(
            "final-sync",
            "i=1; while [ $i -le 20 ]; do echo \"line $i\"; i=$((i+1)); done\necho oops >&2\nexit 3\n");
    activities(sync.toString());

    ApplicationFailure f = failure(() -> activities.apply(action("k", "command: [" + sync + "]")));

    assertThat(f.getType()).isEqualTo(FailureTypes.EXPECTATION_FAILED);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .matches(
            "command "
                + sync
                + " exited 3, expected 0 \\(after \\d+\\.\\ds\\); last output: "
                + "line 12 \\| line 13 \\| line 14 \\| line 15 \\| line 16 \\| line 17 \\| line 18 \\| line 19 \\| line 20 \\| oops");

    assertThat(activities.apply(action("k", "command: [" + sync + "]\nexitCode: 3")))
        .contains("-> exit 3 in");
  }

  @Test
  void aCommandStillRunningAtItsTimeoutIsKilledWithItsChildProcesses() throws Exception {
    Path pids = dir.resolve("child.pid");
    Path sync =
        script("final-sync", "echo starting\nsleep 300 &\necho $! > " + pids + "\nsleep 300\n");
    activities(sync.toString());
    long started = System.nanoTime();

    ApplicationFailure f =
        failure(() -> activities.apply(action("k", "command: [" + sync + "]\ntimeout: 1s")));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    assertThat(f.getType()).isEqualTo(FailureTypes.UNAVAILABLE);
    assertThat(f.isNonRetryable()).isFalse();
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "command "
                + sync
                + " did not finish within 1s; stopped it and its child processes; last output: starting");
    long child = Long.parseLong(Files.readString(pids).strip());
    Thread.sleep(200);
    assertThat(running(child)).as("child %d running", child).isFalse();
  }

  /**
   * Whether a process exists and is not a zombie (a killed orphan may wait a while to be reaped).
   */
  private static boolean running(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return false;
    }
    String s = Files.readString(stat);
    return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
  }

  @Test
  void outputIsBoundedAndSecretsTheProgramSeesAreRedacted() throws Exception {
    Path sync =
        script(
            "final-sync",
            """
        head -c 1000000 /dev/zero | tr '\\0' 'x'
        echo
        echo "password is $REPLICA_DB_PASSWORD"
        echo done
        """);
    activities(sync.toString());

    String done =
        activities.apply(
            action(
                "k",
                "command: ["
                    + sync
                    + "]\nenv: { REPLICA_DB_PASSWORD: \"${env:REPLICA_DB_PASSWORD}\" }"));

    assertThat(done)
        .doesNotContain(DB_PASSWORD)
        .endsWith(
            "; output: ..."
                + "x".repeat(300 - " | password is *** | done".length())
                + " | password is *** | done");
  }

  @Test
  void aSecondDeliveryOfTheSameStepWhileTheFirstRunsWaitsForItInsteadOfRunningAgain()
      throws Exception {
    Path runs = dir.resolve("runs.txt");
    Path sync =
        script(
            "final-sync",
            "echo \"$CUTOVER_IDEMPOTENCY_KEY\" >> " + runs + "\nsleep 1.5\necho synced\n");
    activities(sync.toString());
    String yaml = "command: [" + sync + "]\ntimeout: 10s";

    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(
            () -> activities.apply(action("cutover-bg/s/actions/1", yaml)));
    Thread.sleep(300);
    String second = activities.apply(action("cutover-bg/s/actions/1", yaml));

    assertThat(first.get()).isEqualTo(second);
    assertThat(Files.readAllLines(runs)).containsExactly("cutover-bg/s/actions/1");
    activities.apply(action("cutover-bg/s/actions/1/attempt-2", yaml));
    assertThat(Files.readAllLines(runs))
        .containsExactly("cutover-bg/s/actions/1", "cutover-bg/s/actions/1/attempt-2");
  }

  @Test
  void undoAndRollbackActionsRunCommandsTooButStageNeedsAStage() throws Exception {
    Path log = dir.resolve("log.txt");
    Path undo =
        script(
            "undo",
            "echo \"$1 $CUTOVER_IDEMPOTENCY_KEY stage=${CUTOVER_STAGE-none}\" >> " + log + "\n");
    activities(undo + " *");

    activities.apply(
        request(
            Step.Kind.UNDO_ACTION,
            "final-sync",
            "cutover-bg/rollback-0/final-sync/actions/1/undo",
            "command: [" + undo + ", \"undo-${stage}\"]"));
    activities.apply(
        request(
            Step.Kind.ROLLBACK_ACTION,
            null,
            "cutover-bg/rollback-0/actions/0",
            "command: [" + undo + ", page]"));
    ApplicationFailure f =
        failure(
            () ->
                activities.apply(
                    request(
                        Step.Kind.ROLLBACK_ACTION,
                        null,
                        "cutover-bg/rollback-0/actions/1",
                        "command: [" + undo + ", \"${stage}\"]")));

    assertThat(Files.readAllLines(log))
        .containsExactly(
            "undo-final-sync cutover-bg/rollback-0/final-sync/actions/1/undo stage=final-sync",
            "page cutover-bg/rollback-0/actions/0 stage=none");
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "command " + undo + " ${stage}: uses ${stage}, but this step belongs to no stage");
  }

  @Test
  void theProgramGetsAMinimalEnvironmentAndOnlyTheSecretsItsActionNames() throws Exception {
    Path out = dir.resolve("env.txt");
    // The shell adds PWD, SHLVL and _ of its own; everything else came from the worker.
    Path sync =
        script("final-sync", "env | grep -v -E '^(PWD|SHLVL|_|OLDPWD)=' | sort > " + out + "\n");
    Map<String, String> worker = new HashMap<>();
    worker.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    worker.put("LANG", "C.UTF-8");
    worker.put("TZ", "UTC");
    worker.put("SYNC_TOKEN", SYNC_TOKEN);
    worker.put("REPLICA_DB_PASSWORD", DB_PASSWORD);
    worker.put("AWS_SECRET_ACCESS_KEY", AWS_KEY);
    worker.put("CUTOVER_TEST_PG_PASSWORD", "never-for-a-program");
    worker.put(Secrets.ALLOWED, "SYNC_TOKEN,REPLICA_DB_PASSWORD");
    worker.put(Commands.ALLOWED, sync.toString());
    activities = new CutoverActivitiesImpl(Fixtures.settings(worker), Duration.ofSeconds(5));

    activities.apply(
        action(
            "cutover-bg/final-sync/actions/1",
            "command: [" + sync + "]\nenv: { PGPASSWORD: \"${env:REPLICA_DB_PASSWORD}\" }"));

    List<String> seen = Files.readAllLines(out);
    String home =
        seen.stream().filter(l -> l.startsWith("HOME=")).findFirst().orElseThrow().substring(5);
    assertThat(seen)
        .containsExactly(
            "CUTOVER_IDEMPOTENCY_KEY=cutover-bg/final-sync/actions/1",
            "CUTOVER_STAGE=final-sync",
            "CUTOVER_WORKFLOW_ID=cutover-bg",
            "HOME=" + home,
            "LANG=C.UTF-8",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "PGPASSWORD=" + DB_PASSWORD,
            "TZ=UTC");
    assertThat(home)
        .startsWith(
            System.getProperty("java.io.tmpdir").replaceAll("/$", "") + "/cutover-command-");
  }

  @Test
  void aSecretTheWorkerDoesNotAllowOrBindsToHostsIsNeverHandedToAProgram() throws Exception {
    Path marker = dir.resolve("ran");
    Path sync = script("final-sync", "touch " + marker + "\n");
    activities(sync + " *");

    ApplicationFailure notAllowed =
        failure(
            () ->
                activities.apply(
                    action(
                        "k",
                        "command: ["
                            + sync
                            + "]\nenv: { KEY: \"${env:AWS_SECRET_ACCESS_KEY}\" }")));
    ApplicationFailure inArgument =
        failure(
            () ->
                activities.apply(
                    action("k", "command: [" + sync + ", \"${env:AWS_SECRET_ACCESS_KEY}\"]")));
    ApplicationFailure bound =
        failure(
            () ->
                activities.apply(
                    action("k", "command: [" + sync + "]\nenv: { TOKEN: \"${env:FLAG_TOKEN}\" }")));

    assertThat(notAllowed.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(notAllowed.getOriginalMessage())
        .isEqualTo(
            "${env:AWS_SECRET_ACCESS_KEY} is not allowed:"
                + " CUTOVER_ALLOWED_SECRETS does not list AWS_SECRET_ACCESS_KEY");
    assertThat(inArgument.getOriginalMessage()).isEqualTo(notAllowed.getOriginalMessage());
    assertThat(bound.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(bound.getOriginalMessage())
        .isEqualTo(
            "command "
                + sync
                + ": ${env:FLAG_TOKEN} is bound to hosts in"
                + " CUTOVER_ALLOWED_SECRETS; a program could send it anywhere, so it is never handed to one");
    assertThat(marker).doesNotExist();
  }

  static Stream<Arguments> pinnedArguments() {
    String systemctl = "/usr/bin/systemctl restart ops-view";
    return Stream.of(
        Arguments.of(systemctl, List.of("/usr/bin/systemctl", "restart", "ops-view"), true),
        Arguments.of(
            systemctl, List.of("/usr/bin/systemctl", "restart", "ops-view", "--now"), false),
        Arguments.of(systemctl, List.of("/usr/bin/systemctl", "restart"), false),
        Arguments.of(systemctl, List.of("/usr/bin/systemctl", "stop", "ops-view"), false),
        Arguments.of(
            systemctl, List.of("/usr/bin/systemctl", "restart", "ops-view;", "poweroff"), false),
        Arguments.of(systemctl, List.of("/usr/bin/systemctl"), false),
        Arguments.of(systemctl, List.of("systemctl", "restart", "ops-view"), false),
        Arguments.of("/opt/bin/sync --to *", List.of("/opt/bin/sync", "--to"), true),
        Arguments.of(
            "/opt/bin/sync --to *", List.of("/opt/bin/sync", "--to", "green", "--fast"), true),
        Arguments.of("/opt/bin/sync --to *", List.of("/opt/bin/sync", "--from", "green"), false),
        Arguments.of("/opt/bin/sync", List.of("/opt/bin/sync"), true),
        Arguments.of("/opt/bin/sync", List.of("/opt/bin/sync", "--anything"), false),
        Arguments.of("/opt/bin/sync '*'", List.of("/opt/bin/sync", "*"), true),
        Arguments.of("/opt/bin/sync '*'", List.of("/opt/bin/sync", "x"), false),
        Arguments.of("/opt/bin/sync 'a b' ''", List.of("/opt/bin/sync", "a b", ""), true),
        Arguments.of("/opt/bin/sync 'a,b' c", List.of("/opt/bin/sync", "a,b", "c"), true),
        Arguments.of(
            "/opt/bin/sync --stage ${stage}",
            List.of("/opt/bin/sync", "--stage", "${stage}"),
            true),
        Arguments.of(
            "/opt/bin/sync --stage ${stage}",
            List.of("/opt/bin/sync", "--stage", "canary"),
            false));
  }

  @ParameterizedTest(name = "[{0}] {1}: {2}")
  @MethodSource("pinnedArguments")
  void anEntryWithArgumentsAllowsExactlyThoseAndATrailingStarAllowsMore(
      String entry, List<String> argv, boolean ok) {
    Commands commands =
        new Commands(
            Fixtures.settings(Map.of(Commands.ALLOWED, "/opt/other, " + entry)),
            new Secrets(Fixtures.settings(Map.of())));

    String why = commands.refusal(argv);

    if (ok) {
      assertThat(why).isNull();
    } else {
      assertThat(why).isNotNull();
    }
  }

  @Test
  void argumentsNotAllowedAreRefusedNamingWhatTheEntriesAllow() throws Exception {
    Path marker = dir.resolve("ran");
    Path psql = script("psql", "touch " + marker + "\n");
    activities(psql + " -X -f /opt/cutover/sql/final-check.sql, " + psql + " --version");

    ApplicationFailure f =
        failure(() -> activities.apply(action("k", "command: [" + psql + ", -c, '\\! id']")));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .isEqualTo(
            "command "
                + psql
                + " -c \\! id: these arguments are not allowed;"
                + " CUTOVER_ALLOWED_COMMANDS allows "
                + psql
                + " only as: "
                + psql
                + " -X -f /opt/cutover/sql/final-check.sql, "
                + psql
                + " --version (an entry ending in * allows further arguments)");
    assertThat(marker).doesNotExist();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/opt/bin/sync 'unclosed",
        "/opt/bin/sync * --more",
        "./relative/sync *",
        "*",
        "/opt/bin/sync *, rel/x"
      })
  void aMalformedListStopsTheWorkerNamingTheSetting(String list) {
    assertThatThrownBy(() -> ActivitySettings.fromEnvironment(Map.of(Commands.ALLOWED, list)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("CUTOVER_ALLOWED_COMMANDS: ");
  }
}
