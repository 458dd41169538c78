package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
  static final String PLAN = "../examples/full-pass-v2.yaml";
  static final String START = "2026-11-02T09:00:00Z";

  @Test
  void withNoSeriesThePlanCompletesOnItsTimelineAndExitsZero() {
    Cli.Result r = Cli.run("simulate", PLAN, "--start", START);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("simulating full-pass-v2 from 2026-11-02T09:00:00Z\n")
        .contains(
            "+1d          2026-11-03T09:00:00Z     signal   alice: approve stage canary"
                + " (simulated)\n",
            // v1 is removed only once deprecate's 7 days with zero v1 calls are met and approved.
            "+17d         2026-11-19T09:00:00Z     decision cutover: applied: action 0 of stage"
                + " deprecate (POST https://rlm.internal/admin/remove-v1): simulated\n")
        .endsWith("ended COMPLETED at +17d: the cutover ended COMPLETED\n");
    assertThat(r.err()).startsWith(PLAN + ": COMPLETED after 17d of virtual time (");
  }

  @Test
  void aSeriesThatBreachesARuleEndsRolledBackAndExitsOne(@TempDir Path dir) throws IOException {
    Path series = dir.resolve("last-month.csv");
    Files.writeString(series, "time,check,value\n+0,error_rate,0.01\n+36h,error_rate,0.2\n");
    Cli.Result r = Cli.run("simulate", PLAN, "--start", START, "--series", series.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "+1d12h5m     2026-11-03T21:05:00Z     decision cutover: rollback: rolling back: check"
                + " error_rate (watch[0]) breached: 0.2 fails < 0.05 for 5m\n")
        .endsWith(
            "ended ROLLED_BACK at +1d12h5m: rolled back, waiting for retry or abandon; nothing"
                + " more is scripted\n");
  }

  @Test
  void jsonOutputCarriesTheFinalStateTrafficAndTimeline(@TempDir Path dir) throws IOException {
    Path signals = dir.resolve("signals.json");
    Files.writeString(
        signals,
        "{\"signals\": [{\"at\": \"+2d\", \"signal\": \"abort\", \"by\": \"bob\","
            + " \"reason\": \"p95 up\"}]}");
    Cli.Result r =
        Cli.run("simulate", PLAN, "--start", START, "--signals", signals.toString(), "-o", "json");
    assertThat(r.exit()).isEqualTo(1);
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("finalState").asText()).isEqualTo("ROLLED_BACK");
    assertThat(json.get("completed").asBoolean()).isFalse();
    assertThat(json.get("traffic").toString()).isEqualTo("[10,50,0]");
    assertThat(json.get("timeline").toString())
        .contains(
            "{\"at\":\"2026-11-04T09:00:00Z\",\"offset\":\"+2d\",\"kind\":\"signal\",\"by\":\"bob\","
                + "\"text\":\"abort: p95 up ("
                + signals
                + ":1)\"}");
  }

  @Test
  void scriptedApprovalsOnlyStopWhereNoneIsGiven() {
    Cli.Result r = Cli.run("simulate", PLAN, "--start", START, "--approvals", "scripted");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .endsWith(
            "ended AWAITING_APPROVAL at +1d: waiting for the approval of stage canary; nothing"
                + " more is scripted\n");
  }

  @Test
  void aBadSeriesFileExitsTwoNamingFileAndLineAndSimulatesNothing(@TempDir Path dir)
      throws IOException {
    Path series = dir.resolve("bad.csv");
    Files.writeString(series, "time,check,value\n+1h,error_rate,0.2\n+2h,eror_rate,1\n+3h,x\n");
    Cli.Result r = Cli.run("simulate", PLAN, "--series", series.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "cutover: "
                + series
                + ":3: no check named \"eror_rate\" in plan full-pass-v2 (its checks:"
                + " schema_ready, success_rate, stuck_imports, error_rate, p95_minutes,"
                + " in_flight_v2, v1_calls, health)\n"
                + series
                + ":4: expected time,check,value but found \"+3h,x\"\n");
  }

  @Test
  void badInputIsExitTwo(@TempDir Path dir) {
    assertThat(Cli.run("simulate", PLAN, "--series", dir.resolve("none.csv").toString()).err())
        .isEqualTo("cutover: " + dir.resolve("none.csv") + ": no such file\n");
    Cli.Result until = Cli.run("simulate", PLAN, "--until", "soon");
    assertThat(until.exit()).isEqualTo(2);
    assertThat(until.err())
        .isEqualTo("cutover: --until: \"soon\" is not a duration (write 30d, 36h, 2d12h)\n");
    Cli.Result start = Cli.run("simulate", PLAN, "--start", "yesterday");
    assertThat(start.exit()).isEqualTo(2);
    assertThat(start.err())
        .isEqualTo(
            "cutover: --start: \"yesterday\" is not an ISO-8601 time (write"
                + " 2026-11-01T09:00:00Z)\n");
    assertThat(Cli.run("simulate", dir.resolve("nope.yaml").toString()).exit()).isEqualTo(2);
  }
}
