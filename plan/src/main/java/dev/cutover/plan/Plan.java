package dev.cutover.plan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A validated cutover plan (docs/plan-format.md). Built only by {@link PlanReader}, so every
 * reference in it resolves and every default is filled in. Maps keep the order the plan wrote them
 * in.
 */
public record Plan(
    int version,
    String name,
    String description,
    Map<String, Connection> connections,
    Map<String, Check> checks,
    Traffic traffic,
    FlagsApi flagsApi,
    List<Rule> prerequisites,
    List<Stage> stages,
    List<Rule> watch,
    Rollback rollback,
    Approvals approvals,
    Notify notifications,
    Window window) {

  public Plan {
    Objects.requireNonNull(name, "name");
    connections = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(connections));
    checks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(checks));
    prerequisites = List.copyOf(prerequisites);
    stages = List.copyOf(stages);
    watch = List.copyOf(watch);
    Objects.requireNonNull(rollback, "rollback");
    Objects.requireNonNull(approvals, "approvals");
  }

  /** The Temporal workflow id of this plan's cutover. */
  public String workflowId() {
    return "cutover-" + name;
  }

  public Check check(String checkName) {
    Check c = checks.get(checkName);
    if (c == null) {
      throw new IllegalArgumentException("no check named " + checkName);
    }
    return c;
  }

  public Optional<Traffic> trafficValue() {
    return Optional.ofNullable(traffic);
  }

  public Optional<FlagsApi> flagsApiValue() {
    return Optional.ofNullable(flagsApi);
  }

  public Optional<Notify> notifyValue() {
    return Optional.ofNullable(notifications);
  }

  /** The window that limits when {@code stage} may start: its own, else the plan's. */
  public Optional<Window> windowFor(Stage stage) {
    return stage.windowValue().or(() -> Optional.ofNullable(window));
  }

  public int stageIndex(String stageName) {
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i).name().equals(stageName)) {
        return i;
      }
    }
    return -1;
  }

  /** Every check a plan measures, in plan order. */
  public Set<String> measuredChecks() {
    Set<String> out = new LinkedHashSet<>();
    List<Rule> all = new ArrayList<>(prerequisites);
    stages.forEach(s -> all.addAll(s.gates()));
    all.addAll(watch);
    all.forEach(r -> out.add(r.check()));
    return out;
  }

  /**
   * The checks some rule judges relative to the stage baseline ({@code pass: "<= 1.5 * baseline"}),
   * in plan order: the checks whose baselines are captured before each stage's first effect.
   */
  public Set<String> baselineChecks() {
    return baselineChecks(checks, prerequisites, stages, watch);
  }

  static Set<String> baselineChecks(
      Map<String, Check> checks, List<Rule> prerequisites, List<Stage> stages, List<Rule> watch) {
    Set<String> out = new LinkedHashSet<>();
    List<Rule> all = new ArrayList<>(prerequisites);
    stages.forEach(s -> all.addAll(s.gates()));
    all.addAll(watch);
    for (Rule r : all) {
      Check c = checks.get(r.check());
      Comparison pass = r.passOverride().orElse(c == null ? null : c.pass());
      if (pass != null && pass.usesBaseline()) {
        out.add(r.check());
      }
    }
    // A stage's wait action judges its check by the check's own pass.
    stages.forEach(
        s ->
            s.actions().stream()
                .filter(a -> a instanceof Action.Wait)
                .map(a -> ((Action.Wait) a).check())
                .filter(n -> checks.containsKey(n) && checks.get(n).pass() != null)
                .filter(n -> checks.get(n).pass().usesBaseline())
                .forEach(out::add));
    return out;
  }
}
