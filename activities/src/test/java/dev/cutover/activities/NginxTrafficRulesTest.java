package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.effectFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.plan.Traffic;
import dev.cutover.workflows.FailureTypes;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules of nginx traffic that need no real nginx: where the worker may write, what it writes,
 * how it reads the file back, and what happens when nginx fails (a stand-in nginx script that fails
 * on demand; the real nginx is in {@link NginxTrafficTest}).
 */
class NginxTrafficRulesTest {
  private static final String TOKEN = "ngx-s3cret-token-77";

  @TempDir Path dir;

  private Path allowed;
  private Path log;

  @BeforeEach
  void setUp() throws IOException {
    allowed = Files.createDirectories(dir.resolve("allowed"));
    log = dir.resolve("nginx-calls.log");
  }

  /**
   * A stand-in nginx: records its arguments; {@code -t} prints {@code testOutput} and exits {@code
   * testExit}.
   */
  private Path fakeNginx(int testExit, String testOutput, int reloadExit) throws IOException {
    Path script = dir.resolve("fake-nginx");
    Files.writeString(
        script,
        """
        #!/bin/sh
        echo "$@" >> %s
        if [ "$1" = "-t" ]; then
          printf '%%s\\n' "%s" >&2
          exit %d
        fi
        if [ "$1" = "-s" ]; then
          echo "nginx: [error] open() \\"/run/nginx.pid\\" failed (2: No such file or directory)" >&2
          exit %d
        fi
        exit 0
        """
            .formatted(log, testOutput.replace("\"", "\\\""), testExit, reloadExit));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private NginxTraffic traffic(Path nginxBin, String dirs, Secrets secrets) {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", "/usr/bin:/bin");
    env.put("TOKEN", TOKEN);
    if (dirs != null) {
      env.put(NginxTraffic.DIRS, dirs);
    }
    env.put(NginxTraffic.BIN, nginxBin.toString());
    env.put(NginxTraffic.CONFIG, "/etc/nginx/nginx.conf");
    return new NginxTraffic(Fixtures.settings(env), secrets);
  }

  private static Traffic.Nginx split(Path file) {
    return new Traffic.Nginx(
        file.toString(),
        "$cutover_upstream",
        "${remote_addr}${http_user_agent}",
        "green",
        "blue",
        "/etc/nginx/nginx.conf");
  }

  @Test
  void withoutCutoverNginxDirsNginxTrafficIsRefusedAndNothingIsWritten() throws IOException {
    Path file = allowed.resolve("split.conf");
    EffectException f =
        effectFailure(
            () ->
                traffic(fakeNginx(0, "", 0), null, new Secrets(Fixtures.settings(Map.of())))
                    .apply(split(file), 10));

    assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.retryable()).isFalse();
    assertThat(f.getMessage())
        .isEqualTo(
            "nginx traffic is off on this worker: set CUTOVER_NGINX_DIRS to the"
                + " directories it may write split files in (colon-separated)");
    assertThat(file).doesNotExist();
    assertThat(log).doesNotExist();
  }

  @Test
  void aFileOutsideTheListedDirectoriesIsRefusedEvenThroughASymbolicLink() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(allowed.resolve("link"), outside);
    NginxTraffic t =
        traffic(
            fakeNginx(0, "", 0),
            "/nonexistent:" + allowed,
            new Secrets(Fixtures.settings(Map.of())));

    for (Path file :
        new Path[] {outside.resolve("split.conf"), allowed.resolve("link/split.conf")}) {
      EffectException f = effectFailure(() -> t.apply(split(file), 10));
      assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.getMessage())
          .isEqualTo(
              file
                  + " is outside the directories this worker may write"
                  + " (CUTOVER_NGINX_DIRS=/nonexistent:"
                  + allowed
                  + ")");
    }
    assertThat(outside.resolve("split.conf")).doesNotExist();
    assertThat(log).doesNotExist();
  }

  @Test
  void theSplitFileItselfMayNotBeASymbolicLink() throws IOException {
    Path real = Files.writeString(allowed.resolve("real.conf"), "# operator's own\n");
    Path link = Files.createSymbolicLink(allowed.resolve("split.conf"), real);

    EffectException f =
        effectFailure(
            () ->
                traffic(
                        fakeNginx(0, "", 0),
                        allowed.toString(),
                        new Secrets(Fixtures.settings(Map.of())))
                    .apply(split(link), 10));

    assertThat(f.getMessage())
        .isEqualTo(link + " is a symbolic link; point traffic.nginx.file at the file itself");
    assertThat(Files.readString(real)).isEqualTo("# operator's own\n");
  }

  @Test
  void zeroAndAHundredPercentAreWrittenAsASingleCatchAllEntry() {
    Traffic.Nginx n = split(allowed.resolve("s.conf"));
    assertThat(NginxTraffic.render(n, 0))
        .endsWith(
            """
        split_clients "${remote_addr}${http_user_agent}" $cutover_upstream {
            * blue;
        }
        """);
    assertThat(NginxTraffic.render(n, 100))
        .endsWith(
            """
        split_clients "${remote_addr}${http_user_agent}" $cutover_upstream {
            * green;
        }
        """);
    assertThat(NginxTraffic.render(n, 37))
        .endsWith(
            """
        split_clients "${remote_addr}${http_user_agent}" $cutover_upstream {
            37% green;
            * blue;
        }
        """);
  }

  @Test
  void readBackFindsTheShareOfTheNewUpstreamInThePlansVariableOnly() {
    Traffic.Nginx n = split(allowed.resolve("s.conf"));
    for (int p : new int[] {0, 1, 37, 99, 100}) {
      assertThat(NginxTraffic.percentIn(NginxTraffic.render(n, p), n))
          .isEqualByComparingTo(BigDecimal.valueOf(p));
    }
    assertThat(
            NginxTraffic.percentIn(
                """
        split_clients "$x" $other { 90% green; * blue; }
        # split_clients "$x" $cutover_upstream { 99% green; * blue; }
        split_clients "$request_id" $cutover_upstream {
            12.5% green;
            30% blue;
            * green;
        }
        """,
                n))
        .isEqualByComparingTo("70");
    assertThat(NginxTraffic.percentIn("split_clients \"$x\" $other { * green; }", n)).isNull();
  }

  @Test
  void whenNginxRejectsTheFirstFileTheNewFileIsRemovedAndNginxsMessageIsRedactedAndBounded()
      throws IOException {
    Secrets secrets =
        new Secrets(Fixtures.settings(Map.of("TOKEN", TOKEN, Secrets.ALLOWED, "TOKEN")));
    secrets.resolve("${env:TOKEN}"); // handed out earlier, so redacted from now on
    String nginxSays =
        "nginx: [emerg] unknown directive \"" + TOKEN + "\" in split.conf:3 " + "x".repeat(2_000);
    Path file = allowed.resolve("split.conf");

    EffectException f =
        effectFailure(
            () ->
                traffic(fakeNginx(1, nginxSays, 0), allowed.toString(), secrets)
                    .apply(split(file), 10));

    assertThat(f.type()).isEqualTo(FailureTypes.CLIENT_ERROR);
    assertThat(f.retryable()).isFalse();
    String prefix =
        "nginx -t rejected the configuration with " + file + " at 10%; kept the previous file: ";
    assertThat(f.getMessage())
        .startsWith(prefix + "nginx: [emerg] unknown directive \"***\" in split.conf:3 xxx")
        .doesNotContain(TOKEN)
        .endsWith("xxx...")
        .hasSize(prefix.length() + NginxTraffic.MESSAGE_CHARS + "...".length());
    assertThat(file).doesNotExist();
    try (var files = Files.list(allowed)) {
      assertThat(files.toList()).isEmpty();
    }
    assertThat(Files.readAllLines(log)).containsExactly("-t -c /etc/nginx/nginx.conf");
  }

  @Test
  void whenTheReloadFailsTheTestedFileStaysAndTheStepIsRetried() throws IOException {
    Path file = allowed.resolve("split.conf");
    Files.writeString(file, NginxTraffic.render(split(file), 10));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    EffectException f =
        effectFailure(
            () ->
                traffic(
                        fakeNginx(0, "ok", 1),
                        allowed.toString(),
                        new Secrets(Fixtures.settings(Map.of())))
                    .apply(split(file), 50));

    assertThat(f.type()).isEqualTo(FailureTypes.UNAVAILABLE);
    assertThat(f.retryable()).isTrue();
    assertThat(f.getMessage())
        .isEqualTo(
            "wrote "
                + file
                + " (50%, nginx -t ok) but nginx -s reload failed:"
                + " nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or directory); the next attempt reloads again");
    assertThat(Files.readString(file)).isEqualTo(NginxTraffic.render(split(file), 50));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-r-----");
    assertThat(Files.readAllLines(log))
        .containsExactly("-t -c /etc/nginx/nginx.conf", "-s reload -c /etc/nginx/nginx.conf");
  }

  @Test
  void aConfigurationFileThePlanChoosesIsRefusedWithoutRunningNginx() throws IOException {
    Path file = allowed.resolve("split.conf");
    Traffic.Nginx n =
        new Traffic.Nginx(
            file.toString(), "$cutover_upstream", "$remote_addr", "green", "blue", "/etc/shadow");

    EffectException f =
        effectFailure(
            () ->
                traffic(
                        fakeNginx(
                            1,
                            "nginx: [emerg] unknown directive \"root:$6$salt$hash:19000:0:99999:7:::\"",
                            0),
                        allowed.toString(),
                        new Secrets(Fixtures.settings(Map.of())))
                    .apply(n, 10));

    assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.retryable()).isFalse();
    assertThat(f.getMessage())
        .isEqualTo(
            "nginx's configuration file is the worker's to choose, not the"
                + " plan's: remove traffic.nginx.config from the plan (this worker's is CUTOVER_NGINX_CONFIG)");
    assertThat(log).doesNotExist();
    assertThat(file).doesNotExist();
  }

  @Test
  void
      withoutAConfigurationInThePlanNginxIsRunWithTheWorkersAndWithoutOneOnTheWorkerWithNginxsDefault()
          throws IOException {
    Path file = allowed.resolve("split.conf");
    Traffic.Nginx n =
        new Traffic.Nginx(
            file.toString(), "$cutover_upstream", "$remote_addr", "green", "blue", null);

    traffic(fakeNginx(0, "ok", 0), allowed.toString(), new Secrets(Fixtures.settings(Map.of())))
        .apply(n, 10);
    Map<String, String> noConfig =
        Map.of(
            NginxTraffic.DIRS,
            allowed.toString(),
            NginxTraffic.BIN,
            dir.resolve("fake-nginx").toString());
    new NginxTraffic(Fixtures.settings(noConfig), new Secrets(Fixtures.settings(noConfig)))
        .apply(n, 20);

    assertThat(Files.readAllLines(log))
        .containsExactly(
            "-t -c /etc/nginx/nginx.conf", "-s reload -c /etc/nginx/nginx.conf", "-t", "-s reload");
    EffectException f =
        effectFailure(
            () ->
                new NginxTraffic(
                        Fixtures.settings(noConfig), new Secrets(Fixtures.settings(noConfig)))
                    .apply(split(file), 30));
    assertThat(f.getMessage())
        .isEqualTo(
            "nginx's configuration file is the worker's to choose, not the"
                + " plan's: remove traffic.nginx.config from the plan and set CUTOVER_NGINX_CONFIG on the worker");
  }

  @Test
  void nginxsErrorLinesReachHistoryWithEachQuotedTokenCutAndNothingElse() throws IOException {
    String passwd =
        "root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin";
    String says =
        "some banner the binary prints\nnginx: [emerg] unknown directive \""
            + passwd
            + "\" in /etc/nginx/conf.d/x.conf:1\nnginx: configuration file /etc/nginx/nginx.conf test failed";
    Path file = allowed.resolve("split.conf");

    EffectException f =
        effectFailure(
            () ->
                traffic(
                        fakeNginx(1, says, 0),
                        allowed.toString(),
                        new Secrets(Fixtures.settings(Map.of())))
                    .apply(split(file), 10));

    assertThat(f.getMessage())
        .isEqualTo(
            "nginx -t rejected the configuration with "
                + file
                + " at 10%;"
                + " kept the previous file: nginx: [emerg] unknown directive \""
                + passwd.substring(0, NginxTraffic.QUOTED_CHARS)
                + "...\" in /etc/nginx/conf.d/x.conf:1");
  }

  @Test
  void aKeyThatCouldBreakOutOfTheBlockIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path file = allowed.resolve("split.conf");
    Traffic.Nginx n =
        new Traffic.Nginx(
            file.toString(),
            "$cutover_upstream",
            "$x\"; } server { listen 80; #",
            "green",
            "blue",
            null);

    EffectException f =
        effectFailure(
            () ->
                traffic(
                        fakeNginx(0, "", 0),
                        allowed.toString(),
                        new Secrets(Fixtures.settings(Map.of())))
                    .apply(n, 10));

    assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getMessage()).startsWith("traffic.nginx cannot be written safely: key \"$x\"; }");
    assertThat(file).doesNotExist();
  }

  @Test
  void aMissingNginxBinaryIsNamedAndThePreviousFileKept() throws IOException {
    Path file = allowed.resolve("split.conf");
    Files.writeString(file, "# before\n");
    Map<String, String> env =
        Map.of(
            NginxTraffic.DIRS,
            allowed.toString(),
            NginxTraffic.BIN,
            dir.resolve("no-nginx").toString(),
            NginxTraffic.CONFIG,
            "/etc/nginx/nginx.conf");

    EffectException f =
        effectFailure(
            () ->
                new NginxTraffic(Fixtures.settings(env), new Secrets(Fixtures.settings(env)))
                    .apply(split(file), 10));

    assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getMessage())
        .isEqualTo(
            "nginx ("
                + dir.resolve("no-nginx")
                + ") could not be started; set CUTOVER_NGINX_BIN to its path; kept the previous "
                + file);
    assertThat(Files.readString(file)).isEqualTo("# before\n");
  }
}
