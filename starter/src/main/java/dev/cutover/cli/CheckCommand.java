package dev.cutover.cli;

import dev.cutover.activities.CutoverActivitiesImpl;
import dev.cutover.engine.Judge;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.Outcome;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import dev.cutover.plan.Stage;
import dev.cutover.worker.WorkerConfig;
import dev.cutover.workflows.MeasureChecksRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cutover check PLAN}: measures a plan's checks once, now, with the worker's own measurement
 * code ({@link CutoverActivitiesImpl#measureChecks}: the same sources, guards, host policy and
 * secrets as a worker started with this environment), and judges each reading as the engine does.
 */
@Command(
    name = "check",
    description = {
      "Measure a plan's checks once, now, as a worker would: the worker's measurement code, with"
          + " its settings from this environment (CUTOVER_ALLOWED_HOSTS, CUTOVER_ALLOWED_SECRETS,"
          + " ...) and secrets resolved from it. Prints each value against its threshold.",
    },
    exitCodeList = {
      "0:ok: every check measured passes",
      "1:some check fails, has no data or could not be measured",
      "2:bad input: the plan, a --check name, or a worker setting (nothing measured)"
    })
final class CheckCommand implements Callable<Integer> {
  /** The bound on any one HTTP call, as the worker has it. */
  static final Duration HTTP_TIMEOUT_CAP = Duration.ofMinutes(5);

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "the plan file (YAML or JSON)")
  Path file;

  @Option(
      names = "--check",
      paramLabel = "NAME",
      description = "measure only this check (repeatable; default: every check of the plan)")
  List<String> only = new ArrayList<>();

  @Mixin OutputOptions output;

  /** The environment the worker's settings and secrets come from (tests hand their own). */
  Map<String, String> env = System.getenv();

  /** One check's result: the reading judged by the check's own condition and by each rule's. */
  record Result(String check, Measurement own, String condition, List<RuleResult> rules) {
    boolean passed() {
      return own.outcome() == Outcome.PASS
          && rules.stream().allMatch(r -> r.measurement().outcome() == Outcome.PASS);
    }
  }

  /** A rule that judges the check by a condition of its own. */
  record RuleResult(String rule, String condition, Measurement measurement) {}

  @Override
  public Integer call() {
    Plan plan = PlanFiles.load(file).plan();
    List<String> names = selected(plan);
    WorkerConfig config;
    try {
      config = WorkerConfig.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage(), e);
    }
    List<Reading> readings;
    try (CutoverActivitiesImpl activities =
        new CutoverActivitiesImpl(config.activities(), HTTP_TIMEOUT_CAP)) {
      readings = activities.measureChecks(request(plan, names));
    }
    long now = System.currentTimeMillis();
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      results.add(judge(plan, plan.check(names.get(i)), readings.get(i), now));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(OutputOptions.toJson(json(results)));
    } else {
      out.print(text(results));
    }
    long failing = results.stream().filter(r -> !r.passed()).count();
    spec.commandLine()
        .getErr()
        .println(
            file
                + ": "
                + (failing == 0
                    ? "all " + results.size() + " checks pass"
                    : failing + " of " + results.size() + " checks do not pass"));
    return failing == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private List<String> selected(Plan plan) {
    if (only.isEmpty()) {
      return List.copyOf(plan.checks().keySet());
    }
    Set<String> names = new LinkedHashSet<>();
    List<String> unknown = new ArrayList<>();
    for (String n : only) {
      if (plan.checks().containsKey(n)) {
        names.add(n);
      } else {
        unknown.add(n);
      }
    }
    if (!unknown.isEmpty()) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          "--check: no check named "
              + String.join(", ", unknown.stream().map(n -> "\"" + n + "\"").toList())
              + " in "
              + file
              + " (its checks: "
              + String.join(", ", plan.checks().keySet())
              + ")");
    }
    return List.copyOf(names);
  }

  /** The request a workflow would send for these checks: each with the connection it names. */
  static MeasureChecksRequest request(Plan plan, List<String> names) {
    return new MeasureChecksRequest(
        plan.workflowId(),
        names.stream()
            .map(
                n -> {
                  Check c = plan.check(n);
                  return new MeasureChecksRequest.Item(
                      c, c.source().connection().map(plan.connections()::get).orElse(null));
                })
            .toList());
  }

  /** Judged as the engine judges: by the check's condition, and by every rule that has its own. */
  static Result judge(Plan plan, Check c, Reading r, long now) {
    if (c.source() instanceof Check.Compare cmp) {
      return new Result(c.name(), ProportionTest.judge(cmp, r, now), "not worse", List.of());
    }
    Measurement own = Judge.judge(r, c.pass(), now);
    List<RuleResult> rules = new ArrayList<>();
    Map<String, Rule> overrides = new LinkedHashMap<>();
    for (int i = 0; i < plan.prerequisites().size(); i++) {
      overrides.put("prerequisites[" + i + "]", plan.prerequisites().get(i));
    }
    for (int s = 0; s < plan.stages().size(); s++) {
      Stage stage = plan.stages().get(s);
      for (int g = 0; g < stage.gates().size(); g++) {
        overrides.put("stages[" + s + "].gates[" + g + "]", stage.gates().get(g));
      }
    }
    for (int i = 0; i < plan.watch().size(); i++) {
      overrides.put("watch[" + i + "]", plan.watch().get(i));
    }
    overrides.forEach(
        (where, rule) -> {
          Comparison pass = rule.pass();
          if (rule.check().equals(c.name()) && pass != null && !pass.equals(c.pass())) {
            rules.add(new RuleResult(where, pass.toString(), Judge.judge(r, pass, now)));
          }
        });
    String condition = c.pass() != null ? c.pass().toString() : "expect";
    return new Result(c.name(), own, condition, rules);
  }

  static String text(List<Result> results) {
    int width = results.stream().mapToInt(r -> r.check().length()).max().orElse(5);
    StringBuilder b = new StringBuilder();
    for (Result r : results) {
      b.append(
          String.format(
              "%-" + width + "s  %-7s  %s%n", r.check(), r.own().outcome(), r.own().reason()));
      for (RuleResult rr : r.rules()) {
        b.append(
            String.format(
                "%-" + width + "s  %-7s  as %s (%s): %s%n",
                "",
                rr.measurement().outcome(),
                rr.rule(),
                rr.condition(),
                rr.measurement().reason()));
      }
    }
    return b.toString();
  }

  static List<Map<String, Object>> json(List<Result> results) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Result r : results) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("check", r.check());
      m.put("outcome", r.own().outcome().name());
      m.put("value", r.own().value());
      m.put("pass", r.condition());
      m.put("detail", r.own().reason());
      m.put(
          "rules",
          r.rules().stream()
              .map(
                  rr -> {
                    Map<String, Object> x = new LinkedHashMap<>();
                    x.put("rule", rr.rule());
                    x.put("pass", rr.condition());
                    x.put("outcome", rr.measurement().outcome().name());
                    return x;
                  })
              .toList());
      out.add(m);
    }
    return out;
  }
}
