package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads rules: a stage's {@code gates}, the {@code watch} list and the {@code prerequisites}. A
 * rule is a check's name or an object saying how often it is measured, what a breach is and what it
 * does. It keeps which check each rule names, for {@link CrossReferences} to resolve once every
 * check is read.
 */
final class RulesReader {
  private static final Pattern M_OF_N = Pattern.compile("^\\s*(\\d+)\\s*/\\s*(\\d+)\\s*$");

  /** M failures out of the last N measurements, 1 <= M <= N <= 100. */
  private static final Type<Rule.Failures> FAILURES_OF =
      Type.TEXT.then(
          (o, key, f) -> {
            Matcher m = M_OF_N.matcher(f);
            if (!m.matches()) {
              o.problem(key, "\"" + f + "\" is not M/N, e.g. 3/5");
              return null;
            }
            // More than three digits is past 100 (and may not fit an int).
            int a = m.group(1).length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(m.group(1));
            int b = m.group(2).length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(m.group(2));
            if (a < 1 || a > b || b > 100) {
              o.problem(key, "in M/N, 1 <= M <= N <= 100 (got " + f + ")");
              return null;
            }
            return new Rule.Failures(a, b);
          });

  /** What a breach rolls back: written in lower case only. */
  private static final Type<Rule.Scope> SCOPE =
      Type.TEXT.then(
          (o, key, rb) ->
              switch (rb) {
                case "stage" -> Rule.Scope.STAGE;
                case "all" -> Rule.Scope.ALL;
                default -> {
                  o.problem(key, "\"" + rb + "\" is not one of: all, stage");
                  yield null;
                }
              });

  private static final Field<String> CHECK = Type.TEXT.field("check");
  private static final Field<Duration> EVERY = Type.DURATION.field("every");
  private static final Field<Duration> FOR = Type.DURATION.field("for");
  private static final Field<Rule.Failures> FAILURES = FAILURES_OF.field("failures");
  private static final Field<Rule.Severity> SEVERITY =
      Type.oneOf(Rule.Severity.class).field("severity");
  private static final Field<Duration> ESCALATE_AFTER = Type.DURATION.field("escalateAfter");
  private static final Field<Duration> GRACE = Type.DURATION.field("grace");
  private static final Field<Rule.Scope> ROLLBACK = SCOPE.field("rollback");
  private static final Field<Comparison> PASS = Type.COMPARISON.field("pass");
  private static final Field<Integer> ERROR_LIMIT = Type.INTEGER.field("errorLimit");
  private static final Field<Rule.OnInconclusive> ON_INCONCLUSIVE =
      Type.oneOf(Rule.OnInconclusive.class).field("onInconclusive");
  private static final Field<List<JsonNode>> STAGES = Type.LIST.field("stages");
  private static final Section RULE =
      Section.of(
          CHECK,
          EVERY,
          FOR,
          FAILURES,
          SEVERITY,
          ESCALATE_AFTER,
          GRACE,
          ROLLBACK,
          PASS,
          ERROR_LIMIT,
          ON_INCONCLUSIVE,
          STAGES);

  private final Reading reading;

  /** The check each rule names, by the rule's path. */
  private final Map<String, String> checks = new LinkedHashMap<>();

  /** The check of each rule that gives no pass condition of its own, by the rule's path. */
  private final Map<String, String> withoutPass = new LinkedHashMap<>();

  RulesReader(Reading reading) {
    this.reading = reading;
  }

  /** The check each rule read so far names, by the rule's path. */
  Map<String, String> checks() {
    return checks;
  }

  /**
   * The check of each rule read so far that needs the check's own pass condition, by the rule's
   * path.
   */
  Map<String, String> withoutPass() {
    return withoutPass;
  }

  /**
   * The rules of list field {@code field} of {@code parent}, measured every {@code defaultEvery}
   * unless they say.
   */
  List<Rule> rules(Obj parent, Field<List<JsonNode>> field, Duration defaultEvery) {
    return parent.each(field, (node, path) -> rule(node, path, defaultEvery, null));
  }

  /**
   * The watch rules of {@code parent}'s list {@code field}: as {@link #rules}, and each may name
   * the {@code stages} (of {@code stageNames}) it runs in.
   */
  List<Rule> watch(
      Obj parent, Field<List<JsonNode>> field, Duration defaultEvery, List<String> stageNames) {
    return parent.each(field, (node, path) -> rule(node, path, defaultEvery, stageNames));
  }

  /** A rule; {@code stageNames} null for a gate or prerequisite, which cannot name stages. */
  private Rule rule(JsonNode node, String path, Duration defaultEvery, List<String> stageNames) {
    if (node.isTextual()) {
      checks.put(path, node.asText());
      withoutPass.put(path, node.asText());
      return withDefaults(
          node.asText(), defaultEvery, null, null, null, null, null, null, null, null, null);
    }
    if (!node.isObject()) {
      reading.problem(path, "a rule is a check name or an object with \"check\"");
      return null;
    }
    Obj o = new Obj(reading, node, path, RULE);
    String check = o.get(CHECK);
    if (check == null) {
      o.require(CHECK);
    } else {
      checks.put(path, check);
    }
    Duration forDuration = o.get(FOR);
    Duration every = o.get(EVERY);
    Rule.Failures failures = o.get(FAILURES);
    if (forDuration != null && failures != null) {
      reading.problem(path, "give \"for\" or \"failures\", not both");
    }
    if (forDuration != null && forDuration.isZero()) {
      o.problem(FOR, "must be longer than 0");
    }
    if (every == null) {
      every = defaultEvery;
      if (forDuration != null && every.multipliedBy(2).compareTo(forDuration) > 0) {
        every = forDuration.dividedBy(2);
      }
    } else if (every.compareTo(PlanReader.MIN_EVERY) < 0) {
      o.problem(EVERY, "must be at least " + Durations.format(PlanReader.MIN_EVERY));
    } else if (forDuration != null && every.multipliedBy(2).compareTo(forDuration) > 0) {
      o.problem(
          EVERY,
          "every ("
              + Durations.format(every)
              + ") must be at most half of for ("
              + Durations.format(forDuration)
              + "), so a breach rests on at least two measurements");
    }
    Rule.Severity severity = o.get(SEVERITY);
    Duration escalate = o.get(ESCALATE_AFTER);
    Duration grace = o.get(GRACE);
    Rule.Scope scope = o.get(ROLLBACK);
    Comparison pass = o.get(PASS);
    if (pass == null && check != null && !o.has(PASS)) {
      withoutPass.put(path, check);
    }
    Integer errorLimit = o.get(ERROR_LIMIT);
    if (errorLimit != null && errorLimit < 1) {
      o.problem(ERROR_LIMIT, "must be at least 1");
    }
    Rule.OnInconclusive onInconclusive = o.get(ON_INCONCLUSIVE);
    List<String> stages = stages(o, stageNames);
    o.done();
    if (check == null) {
      return null;
    }
    return withStages(
        stages,
        withDefaults(
            check,
            every,
            forDuration,
            failures,
            severity,
            escalate,
            grace,
            scope,
            pass,
            errorLimit,
            onInconclusive));
  }

  /** The stages a watch rule runs in: each a stage of the plan, at least one when given. */
  private List<String> stages(Obj o, List<String> stageNames) {
    if (!o.has(STAGES)) {
      return List.of();
    }
    if (stageNames == null) {
      o.problem(
          STAGES,
          "only a watch rule names the stages it runs in (a gate runs in its own stage, a"
              + " prerequisite before the first)");
      return List.of();
    }
    List<String> out =
        o.each(
            STAGES,
            (n, path) -> {
              if (!n.isTextual() || !stageNames.contains(n.asText())) {
                reading.problem(
                    path,
                    (n.isTextual() ? "\"" + n.asText() + "\"" : "this")
                        + " is not a stage of this plan ("
                        + String.join(", ", stageNames)
                        + ")");
                return null;
              }
              return n.asText();
            });
    if (out.isEmpty() && o.get(STAGES).isEmpty()) {
      o.problem(STAGES, "name at least one stage, or leave stages out to watch every stage");
    }
    return out;
  }

  private static Rule withStages(List<String> stages, Rule r) {
    if (stages.isEmpty()) {
      return r;
    }
    return new Rule(
        r.check(),
        r.every(),
        r.forDuration(),
        r.failures(),
        r.severity(),
        r.escalateAfter(),
        r.grace(),
        r.rollback(),
        r.pass(),
        r.errorLimit(),
        r.onInconclusive(),
        stages);
  }

  /** A rule with the defaults for what it does not say. */
  private static Rule withDefaults(
      String check,
      Duration every,
      Duration forDuration,
      Rule.Failures failures,
      Rule.Severity severity,
      Duration escalate,
      Duration grace,
      Rule.Scope scope,
      Comparison pass,
      Integer errorLimit,
      Rule.OnInconclusive onInconclusive) {
    return new Rule(
        check,
        every,
        forDuration,
        failures,
        severity == null ? Rule.Severity.CRITICAL : severity,
        escalate == null ? PlanReader.DEFAULT_ESCALATE_AFTER : escalate,
        grace == null ? PlanReader.DEFAULT_GRACE : grace,
        scope == null ? Rule.Scope.ALL : scope,
        pass,
        errorLimit == null ? PlanReader.DEFAULT_ERROR_LIMIT : errorLimit,
        onInconclusive == null ? Rule.OnInconclusive.HOLD : onInconclusive);
  }
}
