package dev.cutover.simulate;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the example tests share: an example plan read by the rules a new cutover reads it by, run
 * through the simulator from {@link #T0}, and the facts of a run they assert (when each stage
 * started, the flags and traffic set, in order).
 */
final class ExampleRuns {
  static final long T0 = 1_772_366_400_000L; // 2026-03-01T12:00:00Z, a Sunday

  private static final Pattern STAGE = Pattern.compile("^[A-Z_]+ stage (\\S+)");

  private ExampleRuns() {}

  static Plan plan(String file) throws IOException {
    String text = Files.readString(Path.of("..", "examples", file));
    return PlanReader.fromTree(PlanReader.parseTree(text), PlanReader.Rules.NEWEST);
  }

  /** Every check passes and every approval is given when asked. */
  static Simulation happy(Plan plan) {
    return new Simulator(plan).run(Script.EMPTY, Simulator.Options.at(T0));
  }

  /** As {@link #happy}, with scripted values and signals (CSV). */
  static Simulation scripted(Plan plan, String csv) {
    return new Simulator(plan)
        .run(ScriptReader.read(plan, "script.csv", csv), Simulator.Options.at(T0));
  }

  /** When each stage was first entered, as the time after the start, in order. */
  static Map<String, Duration> stageStarts(Simulation s) {
    Map<String, Duration> starts = new LinkedHashMap<>();
    for (Simulation.Entry e : s.timeline()) {
      if (e.kind() != Simulation.Kind.STATE) {
        continue;
      }
      Matcher m = STAGE.matcher(e.text());
      if (m.find()) {
        starts.putIfAbsent(m.group(1), Duration.ofMillis(e.at() - T0));
      }
    }
    return starts;
  }

  /** How long the run took, from the start to where it ended. */
  static Duration length(Simulation s) {
    return Duration.ofMillis(s.endedAt() - T0);
  }

  /**
   * Each flag step's flags, as {@code NAME=value} in order, and each traffic step as {@code %N}.
   */
  static List<String> effects(Simulation s) {
    return s.applied().stream()
        .flatMap(
            step ->
                switch (step.kind()) {
                  case TRAFFIC -> java.util.stream.Stream.of("%" + step.percent());
                  case FLAGS ->
                      step.flags().entrySet().stream().map(f -> f.getKey() + "=" + f.getValue());
                  default -> java.util.stream.Stream.of(step.kind() + " " + step.key());
                })
        .toList();
  }

  /** The timeline's texts of {@code kind}. */
  static List<String> texts(Simulation s, Simulation.Kind kind) {
    return s.timeline().stream().filter(e -> e.kind() == kind).map(Simulation.Entry::text).toList();
  }
}
