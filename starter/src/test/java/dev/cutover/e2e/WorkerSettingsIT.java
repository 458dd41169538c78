package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.testing.WorkerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the real worker says at start about what plans may use: a WARN, in its default log level,
 * when no host or secret list is set (naming the variable and what is reachable); the lists in
 * force when they are; and a malformed list stops it with exit code 2 naming the variable.
 */
class WorkerSettingsIT {
  @TempDir
  Path dir;

  @Test
  void aWorkerWithoutAllowListsWarnsLoudlyNamingTheVariablesAndWhatIsReachable() throws Exception {
    String log;
    // Blank is unset; the test JVM's own CUTOVER_* variables are not plan-facing lists.
    try (WorkerProcess w = Workers.start(Services.temporalAddress(), "settings-open",
        Map.of("CUTOVER_ALLOWED_HOSTS", "", "CUTOVER_ALLOWED_SECRETS", ""), dir)) {
      log = w.log();
    }
    assertThat(log).contains("WARN  CutoverWorker - CUTOVER_ALLOWED_HOSTS is not set: plans may reach EVERY address"
        + " this worker can route to (the internet and every private network: 10.0.0.0/8, 172.16.0.0/12,"
        + " 192.168.0.0/16, fc00::/7, ...), all but loopback, link-local, cloud metadata and other special-purpose"
        + " addresses; set CUTOVER_ALLOWED_HOSTS to the hosts plans need");
    assertThat(log).contains("WARN  CutoverWorker - CUTOVER_ALLOWED_SECRETS is not set: this worker resolves no"
        + " ${env:NAME} reference");
  }

  @Test
  void aWorkerWithListsSaysWhatTheyAllowAndDoesNotWarn() throws Exception {
    String log;
    try (WorkerProcess w = Workers.start(Services.temporalAddress(), "settings-listed",
        Map.of("APPDB_PASSWORD", "not-a-real-one", "CUTOVER_ALLOWED_COMMANDS", "/opt/bin/sync --to green"), dir)) {
      log = w.log();
    }
    assertThat(log).contains("worker setting: CUTOVER_ALLOWED_HOSTS: only localhost, 127.0.0.1",
        "worker setting: CUTOVER_ALLOWED_SECRETS: APPDB_PASSWORD",
        "worker setting: CUTOVER_ALLOWED_COMMANDS: /opt/bin/sync --to green",
        "worker setting: CUTOVER_NGINX_DIRS unset: nginx traffic is off; CUTOVER_NGINX_CONFIG unset");
    assertThat(log).doesNotContain("WARN  CutoverWorker").doesNotContain("not-a-real-one");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "CUTOVER_ALLOWED_SECRETS|*|CUTOVER_ALLOWED_SECRETS: \"*\" would hand plans every variable of the worker",
      "CUTOVER_ALLOWED_SECRETS|TEMPORAL_*|CUTOVER_ALLOWED_SECRETS: \"TEMPORAL_*\" names the worker's own settings",
      "CUTOVER_ALLOWED_SECRETS|APP-TOKEN|CUTOVER_ALLOWED_SECRETS: \"APP-TOKEN\" is not a variable name",
      "CUTOVER_ALLOWED_HOSTS|10.0.0.0/33|CUTOVER_ALLOWED_HOSTS: \"10.0.0.0/33\" has a prefix length outside 0..32",
      "CUTOVER_ALLOWED_COMMANDS|/opt/bin/sync 'oops|CUTOVER_ALLOWED_COMMANDS: a quote ' is not closed",
      "CUTOVER_NGINX_CONFIG|nginx.conf|CUTOVER_NGINX_CONFIG: \"nginx.conf\" is not an absolute path"})
  void aMalformedSettingStopsTheWorkerWithExitTwoNamingIt(String variable, String value, String message) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Both ways to run a worker: the image's jar, and `cutover worker`.
    for (List<String> command : List.of(List.of(java, "-jar", Services.workerJar().toString()),
        List.of(java, "-jar", Services.cutoverJar().toString(), "worker"))) {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().put("TEMPORAL_ADDRESS", Services.temporalAddress());
      pb.environment().put(variable, value);
      Process p = pb.start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(p.exitValue()).as(command + ": " + out).isEqualTo(2);
      assertThat(out).as(String.join(" ", command)).contains(message).doesNotContain("Exception");
    }
  }
}
