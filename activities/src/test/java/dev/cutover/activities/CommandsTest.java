package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command actions run through the activity, with small scripts written by each test. */
class CommandsTest {
  private static final String SYNC_TOKEN = "sync-t0ken-4f9a2c";
  private static final String DB_PASSWORD = "db-pa55word-e7d1";

  @TempDir
  Path dir;

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
    if (allowed != null) {
      env.put(Commands.ALLOWED, allowed);
    }
    activities = new CutoverActivitiesImpl(env, Duration.ofSeconds(5));
    return activities;
  }

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  private static EffectRequest request(Step.Kind kind, String stage, String key, String actionYaml) {
    return new EffectRequest("cutover-bg", key, stage, new Step(kind, stage == null ? -1 : 1, 0, null, null, key),
        null, null, tree(actionYaml), Map.of());
  }

  private static EffectRequest action(String key, String actionYaml) {
    return request(Step.Kind.ACTION, "final-sync", key, actionYaml);
  }

  @Test
  void anAllowedProgramRunsWithoutAShellWithItsIdempotencyKeyInAFreshDirectory() throws Exception {
    Path out = dir.resolve("seen.txt");
    Path sync = script("final-sync", """
        { echo "pwd=$PWD"; echo "key=$CUTOVER_IDEMPOTENCY_KEY"; echo "workflow=$CUTOVER_WORKFLOW_ID";
          echo "stage=$CUTOVER_STAGE"; ls -A; for a in "$@"; do echo "arg=$a"; done; } > %s
        echo "synced 1200 rows with token $1"
        """.formatted(out));
    activities(sync.toString());

    String done = activities.apply(action("cutover-bg/final-sync/actions/1", """
        command: [%s, "${env:SYNC_TOKEN}", "$(touch %s/pwned); *", "${stage}"]
        timeout: 10s
        """.formatted(sync, dir)));

    List<String> seen = Files.readAllLines(out);
    assertThat(seen.get(0)).startsWith("pwd=" + System.getProperty("java.io.tmpdir").replaceAll("/$", "") + "/cutover-command-");
    assertThat(seen.subList(1, seen.size())).containsExactly(
        "key=cutover-bg/final-sync/actions/1", "workflow=cutover-bg", "stage=final-sync",
        "arg=" + SYNC_TOKEN, "arg=$(touch " + dir + "/pwned); *", "arg=final-sync");
    assertThat(Path.of(seen.get(0).substring("pwd=".length()))).doesNotExist();
    assertThat(dir.resolve("pwned")).doesNotExist();
    assertThat(done).matches("command " + sync + " \\$\\{env:SYNC_TOKEN} \\$\\(touch " + dir
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
    assertThat(f.getOriginalMessage()).isEqualTo("command " + sync
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
    assertThat(f.getOriginalMessage()).isEqualTo("command " + sync + ": \"" + sync + "\" is not allowed on this worker;"
        + " CUTOVER_ALLOWED_COMMANDS lists /opt/other/smoke-tests, final-sync"
        + " (final-sync is allowed as a bare name, found through the worker's PATH: write it so in the plan, or list the full path)");
    assertThat(marker).doesNotExist();
  }

  @Test
  void aBareNameIsFoundThroughTheWorkersPath() {
    activities("printf");

    String done = activities.apply(action("k", "command: [printf, '%s-%s', a, b]"));

    assertThat(done).matches("command printf %s-%s a b -> exit 0 in \\d+\\.\\ds; output: a-b");
  }

  @Test
  void anUnexpectedExitCodeFailsWithTheCodeAndTheLastLinesOfOutput() throws Exception {
    Path sync = script("final-sync", "i=1; while [ $i -le 20 ]; do echo \"line $i\"; i=$((i+1)); done\necho oops >&2\nexit 3\n");
    activities(sync.toString());

    ApplicationFailure f = failure(() -> activities.apply(action("k", "command: [" + sync + "]")));

    assertThat(f.getType()).isEqualTo(FailureTypes.EXPECTATION_FAILED);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).matches("command " + sync + " exited 3, expected 0 \\(after \\d+\\.\\ds\\); last output: "
        + "line 12 \\| line 13 \\| line 14 \\| line 15 \\| line 16 \\| line 17 \\| line 18 \\| line 19 \\| line 20 \\| oops");

    assertThat(activities.apply(action("k", "command: [" + sync + "]\nexitCode: 3"))).contains("-> exit 3 in");
  }

  @Test
  void aCommandStillRunningAtItsTimeoutIsKilledWithItsChildProcesses() throws Exception {
    Path pids = dir.resolve("child.pid");
    Path sync = script("final-sync", "echo starting\nsleep 300 &\necho $! > " + pids + "\nsleep 300\n");
    activities(sync.toString());
    long started = System.nanoTime();

    ApplicationFailure f = failure(() -> activities.apply(action("k", "command: [" + sync + "]\ntimeout: 1s")));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    assertThat(f.getType()).isEqualTo(FailureTypes.UNAVAILABLE);
    assertThat(f.isNonRetryable()).isFalse();
    assertThat(f.getOriginalMessage()).isEqualTo("command " + sync
        + " did not finish within 1s; stopped it and its child processes; last output: starting");
    long child = Long.parseLong(Files.readString(pids).strip());
    Thread.sleep(200);
    assertThat(running(child)).as("child %d running", child).isFalse();
  }

  /** Whether a process exists and is not a zombie (a killed orphan may wait a while to be reaped). */
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
    Path sync = script("final-sync", """
        head -c 1000000 /dev/zero | tr '\\0' 'x'
        echo
        echo "password is $REPLICA_DB_PASSWORD"
        echo done
        """);
    activities(sync.toString());

    String done = activities.apply(action("k", "command: [" + sync + "]"));

    assertThat(done).doesNotContain(DB_PASSWORD)
        .endsWith("; output: ..." + "x".repeat(300 - " | password is *** | done".length()) + " | password is *** | done");
  }

  @Test
  void aSecondDeliveryOfTheSameStepWhileTheFirstRunsWaitsForItInsteadOfRunningAgain() throws Exception {
    Path runs = dir.resolve("runs.txt");
    Path sync = script("final-sync", "echo \"$CUTOVER_IDEMPOTENCY_KEY\" >> " + runs + "\nsleep 1.5\necho synced\n");
    activities(sync.toString());
    String yaml = "command: [" + sync + "]\ntimeout: 10s";

    CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> activities.apply(action("cutover-bg/s/actions/1", yaml)));
    Thread.sleep(300);
    String second = activities.apply(action("cutover-bg/s/actions/1", yaml));

    assertThat(first.get()).isEqualTo(second);
    assertThat(Files.readAllLines(runs)).containsExactly("cutover-bg/s/actions/1");
    activities.apply(action("cutover-bg/s/actions/1/attempt-2", yaml));
    assertThat(Files.readAllLines(runs)).containsExactly("cutover-bg/s/actions/1", "cutover-bg/s/actions/1/attempt-2");
  }

  @Test
  void undoAndRollbackActionsRunCommandsTooButStageNeedsAStage() throws Exception {
    Path log = dir.resolve("log.txt");
    Path undo = script("undo", "echo \"$1 $CUTOVER_IDEMPOTENCY_KEY stage=${CUTOVER_STAGE-none}\" >> " + log + "\n");
    activities(undo.toString());

    activities.apply(request(Step.Kind.UNDO_ACTION, "final-sync", "cutover-bg/rollback-0/final-sync/actions/1/undo",
        "command: [" + undo + ", \"undo-${stage}\"]"));
    activities.apply(request(Step.Kind.ROLLBACK_ACTION, null, "cutover-bg/rollback-0/actions/0",
        "command: [" + undo + ", page]"));
    ApplicationFailure f = failure(() -> activities.apply(request(Step.Kind.ROLLBACK_ACTION, null,
        "cutover-bg/rollback-0/actions/1", "command: [" + undo + ", \"${stage}\"]")));

    assertThat(Files.readAllLines(log)).containsExactly(
        "undo-final-sync cutover-bg/rollback-0/final-sync/actions/1/undo stage=final-sync",
        "page cutover-bg/rollback-0/actions/0 stage=none");
    assertThat(f.getOriginalMessage()).isEqualTo("command " + undo + " ${stage}: uses ${stage}, but this step belongs to no stage");
  }
}
