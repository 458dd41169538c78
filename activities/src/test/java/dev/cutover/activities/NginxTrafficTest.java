package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.engine.Step;
import dev.cutover.testing.Nginx;
import dev.cutover.testing.TestServices;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx traffic against a real nginx on loopback in front of real "blue" and "green" services: the
 * share of real requests that reach green follows the percent, reloads drop no request, and a
 * configuration nginx rejects changes nothing.
 */
class NginxTrafficTest {
  @TempDir Path dir;

  private Nginx nginx;
  private CutoverActivitiesImpl activities;

  static String split(Nginx nginx, String key) {
    return """
        nginx:
          file: %s
          variable: $cutover_upstream
          key: "%s"
          new: green
          old: blue
        """
        .formatted(nginx.splitFile, key);
  }

  static EffectRequest traffic(JsonNode traffic, int percent, String key) {
    return new EffectRequest(
        "cutover-bg",
        "cutover-bg/" + key,
        "canary",
        new Step(Step.Kind.TRAFFIC, 0, -1, percent, null, key),
        traffic,
        null,
        null,
        Map.of());
  }

  @BeforeEach
  void start() throws Exception {
    nginx =
        Nginx.startWithBackends(
            TestServices.nginxBin(),
            dir.resolve("nginx"),
            NginxTraffic.render(
                new dev.cutover.plan.Traffic.Nginx(
                    "/x.conf", "$cutover_upstream", "$request_id", "green", "blue", null),
                0));
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(
                Map.of(
                    NginxTraffic.DIRS, nginx.splitDir.toString(),
                    NginxTraffic.CONFIG, nginx.config.toString(),
                    NginxTraffic.BIN, TestServices.nginxBin())),
            Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    if (activities != null) {
      activities.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  @Test
  void atTenPercentBetweenSevenAndThirteenPercentOfTwoThousandRequestsReachGreen()
      throws Exception {
    JsonNode t = tree(split(nginx, "$request_id"));
    String done = activities.apply(traffic(t, 10, "stage-0/traffic"));

    assertThat(done)
        .isEqualTo(
            "nginx: wrote "
                + nginx.splitFile
                + " (10% to green, 90% to blue), nginx -t ok, reloaded; read back 10");
    assertThat(Files.readString(nginx.splitFile))
        .isEqualTo(
            """
        # Written by cutover: 10% of clients to green. The next stage or rollback rewrites this file; do not edit it by hand.
        split_clients "$request_id" $cutover_upstream {
            10% green;
            * blue;
        }
        """);
    Thread.sleep(500); // the reload is asynchronous: old workers finish what they hold
    Nginx.Counts c = nginx.send(2_000);
    System.out.printf("nginx 10%%: %d of 2000 to green (%.1f%%)%n", c.green(), c.greenPercent());
    assertThat(c.failed()).as("failures: %s", c.failures()).isZero();
    assertThat(c.green()).isBetween(140, 260);
  }

  @Test
  void atZeroPercentAfterARollbackNoRequestReachesGreenAndAtAHundredAllDo() throws Exception {
    JsonNode t = tree(split(nginx, "$request_id"));
    activities.apply(traffic(t, 50, "stage-1/traffic"));
    Thread.sleep(500);
    Nginx.Counts half = nginx.send(2_000);
    System.out.printf(
        "nginx 50%%: %d of 2000 to green (%.1f%%)%n", half.green(), half.greenPercent());
    assertThat(half.green()).isBetween(900, 1_100);

    String done = activities.apply(traffic(t, 0, "rollback-0/half/traffic"));
    assertThat(done)
        .isEqualTo(
            "nginx: wrote "
                + nginx.splitFile
                + " (0% to green, 100% to blue), nginx -t ok, reloaded; read back 0");
    assertThat(Files.readString(nginx.splitFile))
        .contains("    * blue;\n}")
        .doesNotContain("green;");
    Thread.sleep(500);
    Nginx.Counts none = nginx.send(2_000);
    System.out.printf("nginx 0%% after rollback: %d of 2000 to green%n", none.green());
    assertThat(none).isEqualTo(Nginx.Counts.of(2_000, 0));

    activities.apply(traffic(t, 100, "stage-2/traffic"));
    Thread.sleep(500);
    Nginx.Counts all = nginx.send(2_000);
    System.out.printf("nginx 100%%: %d of 2000 to green%n", all.green());
    assertThat(all).isEqualTo(Nginx.Counts.of(0, 2_000));
  }

  @Test
  void noRequestFailsWhileNginxReloadsUnderLoad() throws Exception {
    JsonNode t = tree(split(nginx, "$request_id"));
    Nginx.Load load = nginx.load(4, 60_000);
    int[] percents = {10, 50, 100, 0, 25, 75, 10, 90, 0, 50, 100, 10};
    try {
      Thread.sleep(300);
      for (int i = 0; i < percents.length; i++) {
        activities.apply(traffic(t, percents[i], "reload-" + i));
        Thread.sleep(150);
      }
    } finally {
      load.stop();
    }
    System.out.printf(
        "nginx reloads under load: %d requests, %d failed, %d reloads%n",
        load.ok.get(), load.failed.get(), percents.length);
    assertThat(load.failed.get()).as("failures: %s", load.failures).isZero();
    assertThat(load.ok.get()).isGreaterThan(1_000);
  }

  @Test
  void aConfigurationNginxRejectsKeepsThePreviousFileAndTraffic() throws Exception {
    activities.apply(traffic(tree(split(nginx, "$request_id")), 10, "stage-0/traffic"));
    byte[] before = Files.readAllBytes(nginx.splitFile);

    // A typo in the key: nginx -t fails with "unknown variable".
    ApplicationFailure f =
        failure(
            () ->
                activities.apply(
                    traffic(tree(split(nginx, "$remot_addr")), 50, "stage-1/traffic")));

    assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .startsWith(
            "nginx -t rejected the configuration with "
                + nginx.splitFile
                + " at 50%; kept the previous file: ")
        .contains("[emerg]")
        .contains("unknown \"remot_addr\" variable");
    assertThat(Files.readAllBytes(nginx.splitFile)).isEqualTo(before);
    try (var files = Files.list(nginx.splitDir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("split.conf");
    }
    Nginx.Counts c = nginx.send(2_000);
    System.out.printf(
        "nginx 10%% kept after a rejected 50%%: %d of 2000 to green (%.1f%%)%n",
        c.green(), c.greenPercent());
    assertThat(c.failed()).isZero();
    assertThat(c.green()).isBetween(140, 260);
  }
}
