package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.engine.Command;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Status;
import dev.cutover.plan.PlanReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's habits that need no server: shell completion generated from the commands (run through a
 * real bash), times in the operator's zone with the zone named, and what {@code status --watch}
 * prints on a terminal and through a pipe.
 */
class CliHabitsTest {
  static final String PLAN =
      """
      version: 1
      name: shop
      connections:
        flags: { http: "http://flags.test" }
      checks:
        errors: { http: "GET flags:/errors", value: "$.rate", pass: "< 0.1" }
      traffic:
        set: { http: "PUT flags:/f", body: '{"value": ${percent}}' }
      stages:
        - { name: canary, percent: 10, soak: 1h, every: 1m, gates: [errors] }
      """;

  @TempDir Path dir;

  /** Completes {@code words} (the last one being typed) with the script for bash, in bash. */
  private List<String> complete(String script, String... words) throws Exception {
    Path file = dir.resolve("cutover.bash");
    Files.writeString(file, script);
    StringBuilder array = new StringBuilder();
    for (String w : words) {
      array.append(" '").append(w).append('\'');
    }
    String line = String.join(" ", words);
    String run =
        "source "
            + file
            + "; COMP_WORDS=("
            + array
            + "); COMP_CWORD="
            + (words.length - 1)
            + "; COMP_LINE='"
            + line
            + "'; COMP_POINT="
            + line.length()
            + "; _complete_cutover; printf '%s\\n' \"${COMPREPLY[@]}\"";
    // compopt complains outside a real completion (on stderr); the candidates are on stdout.
    Process p =
        new ProcessBuilder("bash", "--norc", "-c", run)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  void bashCompletesCommandsOptionsAndChoicesFromTheCliItself() throws Exception {
    Cli.Result bash = Cli.run("completion", "bash");
    assertThat(bash.exit()).as(bash.err()).isZero();
    assertThat(complete(bash.out(), "cutover", "st")).containsExactlyInAnyOrder("start", "status");
    assertThat(complete(bash.out(), "cutover", "list", "--"))
        .contains("--plan", "--state", "--zone", "--all", "--output");
    assertThat(complete(bash.out(), "cutover", "status", "--w")).containsExactly("--watch");
    assertThat(complete(bash.out(), "cutover", "completion", ""))
        .containsExactlyInAnyOrder("bash", "zsh");
  }

  @Test
  void zshGetsTheSameCompletionThroughBashcompinit() {
    Cli.Result zsh = Cli.run("completion", "zsh");
    assertThat(zsh.exit()).as(zsh.err()).isZero();
    assertThat(zsh.out())
        .startsWith(
            "# cutover completion for zsh, through bashcompinit\n"
                + "autoload -U +X compinit && compinit\n"
                + "autoload -U +X bashcompinit && bashcompinit\n")
        .endsWith(Cli.run("completion", "bash").out());
    Cli.Result fish = Cli.run("completion", "fish");
    assertThat(fish.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(fish.err()).contains("Invalid value for positional parameter at index 0 (SHELL)");
  }

  @Test
  void theZoneComesFromTheFlagThenTzThenTheMachine() {
    record Case(String flag, Map<String, String> env, ZoneId zone) {}
    for (Case c :
        List.of(
            new Case("Asia/Tokyo", Map.of("TZ", "Europe/Berlin"), ZoneId.of("Asia/Tokyo")),
            new Case(null, Map.of("TZ", "Europe/Berlin"), ZoneId.of("Europe/Berlin")),
            new Case(null, Map.of("TZ", ":America/New_York"), ZoneId.of("America/New_York")),
            new Case(null, Map.of("TZ", " "), ZoneId.systemDefault()),
            new Case(null, Map.of(), ZoneId.systemDefault()),
            new Case("UTC", Map.of(), ZoneId.of("UTC")))) {
      assertThat(ZoneOption.resolve(c.flag(), c.env())).as(c.toString()).isEqualTo(c.zone());
    }
    assertThatThrownBy(() -> ZoneOption.resolve(null, Map.of("TZ", "Mars/Olympus")))
        .hasMessage(
            "the TZ variable: unknown time zone 'Mars/Olympus'; use a region such as"
                + " Europe/Berlin, or UTC");
  }

  @Test
  void anUnknownZoneIsBadInputBeforeAnythingConnects() {
    for (String command : List.of("list", "status")) {
      List<String> args = new ArrayList<>(List.of(command));
      if (command.equals("status")) {
        args.add("shop");
      }
      args.addAll(List.of("--zone", "Mars/Olympus\u001b[2J", "--address", "127.0.0.1:1"));
      Cli.Result r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exit()).as(command).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err())
          .isEqualTo(
              "cutover: --zone: unknown time zone 'Mars/Olympus\\u001b[2J'; use a region such as"
                  + " Europe/Berlin, or UTC\n");
    }
  }

  @Test
  void listRefusesAFilterThatIsNoPlanNameOrState() {
    Cli.Result plan = Cli.run("list", "--plan", "shop' OR 'a'='a", "--address", "127.0.0.1:1");
    assertThat(plan.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(plan.err())
        .isEqualTo(
            "cutover: --plan 'shop' OR 'a'='a': a plan name must match ^[a-z0-9][a-z0-9-]{0,62}$\n");
    Cli.Result state = Cli.run("list", "--state", "HELD,soaking", "--address", "127.0.0.1:1");
    assertThat(state.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(state.err())
        .isEqualTo("cutover: --state 'soaking': takes a state name such as AWAITING_APPROVAL\n");
  }

  @Test
  void statusShowsEveryTimeInTheOperatorsZoneNamingIt() {
    // 2026-07-01 12:00:00 UTC: summer time in Berlin, standard time in Tokyo.
    long noon = 1_782_907_200_000L;
    Status s = statusWith(noon, 0.01);
    assertThat(StatusText.render(s, ZoneId.of("Europe/Berlin")))
        .contains("started by carol Jul 1 14:00:00 CEST)");
    assertThat(StatusText.render(s, ZoneId.of("Asia/Tokyo")))
        .contains("started by carol Jul 1 21:00:00 JST)");
    assertThat(StatusText.render(s, ZoneId.of("UTC")))
        .contains("started by carol Jul 1 12:00:00 UTC)");
  }

  @Test
  void watchingOnATerminalRedrawsInPlaceWithEachRulesRecentValues() {
    WatchScreen screen = new WatchScreen(true);
    ZoneId utc = ZoneId.of("UTC");
    List<String> frames = new ArrayList<>();
    double[] values = {0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07};
    for (int i = 0; i < values.length; i++) {
      Status s = statusWith(0, values[i], i + 1);
      frames.add(screen.frame(s, StatusText.render(s, utc), "-"));
    }
    assertThat(frames.get(0)).startsWith("\033[2J\033[H");
    for (String frame : frames.subList(1, frames.size())) {
      assertThat(frame).startsWith("\033[H").doesNotContain("\033[2J").endsWith("\n\033[J");
      List<String> lines = frame.lines().toList();
      assertThat(lines.subList(0, lines.size() - 1))
          .allSatisfy(l -> assertThat(l).endsWith("\033[K"))
          .noneMatch(l -> l.contains("\033[K") && !l.endsWith("\033[K"));
    }
    // The six newest values, each measurement once.
    assertThat(frames.get(frames.size() - 1))
        .contains("recent values (oldest first):\033[K\n")
        .contains("  stages[0].gates[0]     0.02  0.03  0.04  0.05  0.06  0.07\033[K\n");
  }

  @Test
  void watchingThroughAPipePrintsPlainFrames() {
    WatchScreen screen = new WatchScreen(false);
    ZoneId utc = ZoneId.of("UTC");
    Status first = statusWith(0, 0.01, 1);
    Status second = statusWith(0, 0.02, 2);
    String out =
        screen.frame(first, StatusText.render(first, utc), "Jan 1 00:01:00 UTC")
            + screen.frame(second, StatusText.render(second, utc), "Jan 1 00:02:00 UTC");
    assertThat(out).doesNotContain("\033").startsWith("--- Jan 1 00:01:00 UTC\ncutover-shop  ");
    assertThat(out.lines().filter(l -> l.startsWith("--- "))).hasSize(2);
    assertThat(out)
        .endsWith("recent values (oldest first):\n  stages[0].gates[0]     0.01  0.02\n");
  }

  static Status statusWith(long startedAt, double value) {
    return statusWith(startedAt, value, 1);
  }

  /** The cutover after its {@code measurements}th measurement, the last one {@code value}. */
  static Status statusWith(long startedAt, double value, int measurements) {
    Engine engine = new Engine(PlanReader.fromTree(PlanReader.parseTree(PLAN)));
    Engine.Transition t = engine.start("carol", startedAt);
    long now = startedAt;
    int measured = 0;
    List<Command> pending = new ArrayList<>(t.commands());
    while (measured < measurements) {
      if (pending.isEmpty()) {
        now += 60_000;
        t = engine.on(t.state(), new Event.Tick(now));
        pending.addAll(t.commands());
        continue;
      }
      Command c = pending.remove(0);
      if (c instanceof Command.Apply a) {
        t = engine.on(t.state(), Event.EffectDone.ok(now + 1, a.seq(), ""));
      } else if (c instanceof Command.Measure m) {
        measured++;
        double v = measured == measurements ? value : 0.0;
        t =
            engine.on(
                t.state(),
                new Event.Measured(
                    now + 2 + measured,
                    m.seq(),
                    m.checks().stream().map(ch -> Reading.value(ch, v, null)).toList()));
      } else {
        continue;
      }
      pending.addAll(t.commands());
    }
    return Status.of(engine, t.state(), now + 3 + measured);
  }

  /** {@code s} as if it were in {@code state}. */
  static Status withState(Status s, String state) {
    return new Status(
        s.plan(),
        s.workflowId(),
        state,
        s.phase(),
        s.attempt(),
        s.startedBy(),
        s.startedAt(),
        s.asOf(),
        s.stage(),
        s.percent(),
        s.flags(),
        s.soak(),
        s.rules(),
        s.pendingApproval(),
        s.holds(),
        s.step(),
        s.rollback(),
        s.waitUntil(),
        s.incidents(),
        s.decisions(),
        s.baselines(),
        s.checklist());
  }
}
