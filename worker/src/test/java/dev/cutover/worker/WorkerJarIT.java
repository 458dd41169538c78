package dev.cutover.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The packaged worker jar, what the container image runs ({@code java -jar cutover-worker.jar}):
 * its entry point and version, what it holds and what it must not (the CLI, its in-memory test
 * server, the demo service), and how it answers arguments, a malformed setting and an unreachable
 * server. Runs after {@code package} (failsafe), on the jar itself.
 */
class WorkerJarIT {
  static final Path JAR =
      Path.of(System.getProperty("cutover.worker.jar", "target/cutover-worker.jar"));
  static final String VERSION = System.getProperty("cutover.version");

  /** What only the CLI or the demo needs: never in the image. */
  static final List<String> NOT_IN_THE_IMAGE =
      List.of(
          // temporal-testing and its in-memory test server (whose package
          // io/temporal/internal/testservice
          // the SDK shares for its own in-process gRPC helpers)
          "io/temporal/testing/",
          "io/temporal/testserver/",
          "io/temporal/internal/testservice/TestWorkflowService",
          "dev/cutover/demo/", // the demo target service
          "dev/cutover/cli/",
          "picocli/"); // the CLI

  record Run(int exit, String out, String err) {}

  static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUTOVER_") || k.startsWith("TEMPORAL_"));
    pb.environment().putAll(env);
    Path out = Files.createTempFile("worker-jar-", ".out");
    Path err = Files.createTempFile("worker-jar-", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("the worker jar did not exit within 60 s: " + cmd);
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }

  @Test
  void theJarStartsTheWorkerMainAndNamesItsVersion() throws IOException {
    assertThat(JAR).isRegularFile();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      Manifest manifest = jar.getManifest();
      assertThat(manifest.getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.cutover.worker.WorkerMain");
      assertThat(manifest.getMainAttributes().getValue("Implementation-Version"))
          .isEqualTo(VERSION)
          .isNotBlank();
      for (String needed :
          List.of(
              "dev/cutover/worker/WorkerMain.class",
              "dev/cutover/worker/CutoverWorker.class",
              "dev/cutover/workflows/CutoverWorkflowImpl.class",
              "dev/cutover/activities/CutoverActivitiesImpl.class",
              "dev/cutover/engine/Engine.class",
              "io/temporal/worker/WorkerFactory.class",
              "logback.xml")) {
        assertThat(jar.getJarEntry(needed)).as(needed).isNotNull();
      }
    }
  }

  @Test
  void theJarHoldsNoCliNoTestServerAndNoDemoService() throws IOException {
    List<String> found = new ArrayList<>();
    int entries = 0;
    try (JarFile jar = new JarFile(JAR.toFile())) {
      for (JarEntry e : jar.stream().toList()) {
        entries++;
        if (NOT_IN_THE_IMAGE.stream().anyMatch(e.getName()::startsWith)) {
          found.add(e.getName());
        }
      }
    }
    assertThat(entries).isGreaterThan(1_000); // the shaded jar, not the module's thin one
    assertThat(found).isEmpty();
  }

  @Test
  void helpAndVersionAnswerAndExitZero() throws Exception {
    Run help = run(Map.of(), "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out())
        .startsWith("Usage: java -jar cutover-worker.jar [--help | --version]\n")
        .contains("TEMPORAL_ADDRESS", "CUTOVER_ALLOWED_HOSTS");
    assertThat(help.err()).isEmpty();

    Run version = run(Map.of(), "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).isEqualTo("cutover-worker " + VERSION + "\n");
  }

  @Test
  void anArgumentIsRefusedWithExitTwoBeforeAnythingStarts() throws Exception {
    Run r = run(Map.of(), "worker");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "cutover-worker: takes no arguments (its settings are environment variables), not [worker]\nUsage: ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aMalformedSettingStopsItWithExitTwoNamingTheVariable() throws Exception {
    Run r = run(Map.of("CUTOVER_HEALTH_PORT", "eighty"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo("cutover-worker: CUTOVER_HEALTH_PORT=eighty is not a port number\n");
  }

  @Test
  void anUnreachableServerIsExitOneWithOneLineNamingIt() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Run r = run(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + closed));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("cutover-worker: cannot start the worker against 127.0.0.1:" + closed + ": ")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }
}
