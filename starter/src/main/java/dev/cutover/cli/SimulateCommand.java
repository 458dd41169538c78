package dev.cutover.cli;

import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.simulate.Script;
import dev.cutover.simulate.ScriptException;
import dev.cutover.simulate.ScriptReader;
import dev.cutover.simulate.Simulation;
import dev.cutover.simulate.Simulator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cutover simulate PLAN}: the whole plan through the engine in virtual time (the simulator
 * in {@code dev.cutover.simulate}); this class reads the files and prints the timeline.
 */
@Command(
    name = "simulate",
    description = {
      "Run a plan through the engine in virtual time and print its decision timeline.",
      "Checks read the values a series file scripts (CSV time,check,value or JSON; times +36h"
          + " or ISO-8601); without one every check passes. Approvals are given when asked"
          + " unless --approvals scripted; signals (abort, pause, ...) come from the series"
          + " or --signals file."
    },
    exitCodeList = {
      "0:ok: the simulated cutover COMPLETED",
      "1:it ended otherwise (rolled back, held, waiting, abandoned)",
      "2:bad input: the plan, a series or signals file, an option (nothing simulated)"
    })
final class SimulateCommand implements Callable<Integer> {
  /** Most bytes read from a series or signals file. */
  static final int MAX_SCRIPT_BYTES = 32 * 1024 * 1024;

  enum Approvals {
    auto,
    scripted
  }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "the plan file (YAML or JSON)")
  Path file;

  @Option(
      names = "--series",
      paramLabel = "FILE",
      description = "values per check over time (and signals): CSV time,check,value or JSON")
  Path series;

  @Option(
      names = "--signals",
      paramLabel = "FILE",
      description = "signals to send: CSV time,signal:NAME,by=...;stage=... or JSON")
  Path signals;

  @Option(
      names = "--start",
      paramLabel = "TIME",
      description =
          "the simulated start, ISO-8601 (default: the earliest time the files name, else now)")
  String start;

  @Option(
      names = "--approvals",
      paramLabel = "MODE",
      description = "auto (default): given when asked; scripted: only those the files send")
  Approvals approvals = Approvals.auto;

  @Option(
      names = "--until",
      paramLabel = "DURATION",
      description = "simulate at most this long (default: twice the soaks plus 30d)")
  String until;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Plan plan = PlanFiles.load(file).plan();
    Script script = Script.EMPTY;
    if (series != null) {
      script = script.plus(readScript(plan, series));
    }
    if (signals != null) {
      script = script.plus(readScript(plan, signals));
    }
    long startMillis = startMillis(script);
    Simulator.Options options =
        Simulator.Options.at(startMillis)
            .withAutoApprove(approvals == Approvals.auto)
            .withHorizon(horizon());
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    Simulation s = new Simulator(plan).run(script, options);
    double millis = (System.nanoTime() - t0) / 1e6;
    // CPU time too: on a busy machine the wall time says more about the machine than the engine.
    double cpuMillis = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
    if (output.json()) {
      out.println(OutputOptions.toJson(json(s, millis)));
    } else {
      out.print(text(s));
      err.printf(
          "%s: %s after %s of virtual time (%d events, %.0f ms, %.0f ms of CPU)%n",
          file,
          s.finalState(),
          Durations.formatMillis(s.endedAt() - s.startedAt()),
          s.events(),
          millis,
          cpuMillis);
    }
    return s.completed() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private Duration horizon() {
    if (until == null) {
      return null;
    }
    return Durations.parse(until)
        .filter(d -> !d.isZero())
        .orElseThrow(
            () ->
                new CliException(
                    ExitCodes.BAD_INPUT,
                    "--until: \"" + until + "\" is not a duration (write 30d, 36h, 2d12h)"));
  }

  private long startMillis(Script script) {
    if (start != null) {
      try {
        return OffsetDateTime.parse(start).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new CliException(
            ExitCodes.BAD_INPUT,
            "--start: \"" + start + "\" is not an ISO-8601 time (write 2026-11-01T09:00:00Z)");
      }
    }
    return script
        .earliestAbsolute()
        .orElseGet(() -> Instant.now().truncatedTo(ChronoUnit.MINUTES))
        .toEpochMilli();
  }

  static Script readScript(Plan plan, Path path) {
    String text = readText(path);
    try {
      return ScriptReader.read(plan, path.toString(), text);
    } catch (ScriptException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
    }
  }

  private static String readText(Path path) {
    if (Files.isDirectory(path)) {
      throw new CliException(ExitCodes.BAD_INPUT, path + ": is a directory, not a file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_SCRIPT_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.BAD_INPUT, path + ": no such file");
    } catch (IOException e) {
      throw new CliException(ExitCodes.BAD_INPUT, path + ": cannot read: " + e.getMessage());
    }
    if (bytes.length > MAX_SCRIPT_BYTES) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          path
              + ": a series or signals file is at most "
              + MAX_SCRIPT_BYTES / 1024 / 1024
              + " MiB");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CliException(ExitCodes.BAD_INPUT, path + ": is not UTF-8 text");
    }
  }

  /** The timeline as people read it: one line per entry, offset and time first. */
  static String text(Simulation s) {
    StringBuilder b = new StringBuilder();
    b.append("simulating ")
        .append(s.plan())
        .append(" from ")
        .append(Instant.ofEpochMilli(s.startedAt()))
        .append('\n');
    for (Simulation.Entry e : s.timeline()) {
      b.append(
          String.format(
              "%-12s %-24s %-8s %s%n",
              "+" + Durations.formatMillis(e.at() - s.startedAt()),
              Instant.ofEpochMilli(e.at()),
              e.kind().name().toLowerCase(java.util.Locale.ROOT),
              (e.by() != null ? e.by() + ": " : "") + e.text()));
    }
    if (s.omitted() > 0) {
      b.append("... ").append(s.omitted()).append(" more entries left out\n");
    }
    b.append("ended ")
        .append(s.finalState())
        .append(" at +")
        .append(Durations.formatMillis(s.endedAt() - s.startedAt()))
        .append(": ")
        .append(s.ended())
        .append('\n');
    return b.toString();
  }

  static Map<String, Object> json(Simulation s, double millis) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plan", s.plan());
    m.put("start", Instant.ofEpochMilli(s.startedAt()).toString());
    m.put("end", Instant.ofEpochMilli(s.endedAt()).toString());
    m.put("virtualTime", Durations.formatMillis(s.endedAt() - s.startedAt()));
    m.put("finalState", s.finalState().name());
    m.put("completed", s.completed());
    m.put("ended", s.ended());
    m.put("traffic", s.trafficHistory());
    m.put("events", s.events());
    m.put("wallMillis", Math.round(millis));
    List<Map<String, Object>> entries =
        s.timeline().stream()
            .map(
                e -> {
                  Map<String, Object> x = new LinkedHashMap<>();
                  x.put("at", Instant.ofEpochMilli(e.at()).toString());
                  x.put("offset", "+" + Durations.formatMillis(e.at() - s.startedAt()));
                  x.put("kind", e.kind().name().toLowerCase(java.util.Locale.ROOT));
                  x.put("by", e.by());
                  x.put("text", e.text());
                  return x;
                })
            .toList();
    m.put("timeline", entries);
    m.put("omitted", s.omitted());
    return m;
  }
}
