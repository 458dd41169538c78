package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.demo.Change;
import dev.cutover.demo.DemoTarget;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.FailureTypes;
import dev.cutover.workflows.MeasureChecksRequest;
import dev.cutover.workflows.MeasureRequest;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The typed requests new cutovers send ({@code measureChecks}, {@code applyEffect}) are measured
 * and applied as given, with the same outcome as the plan fragments older cutovers still send
 * ({@code measure}, {@code apply}) for the same plan; references travel as text and are resolved
 * only on the wire; failures are Temporal's, typed and redacted, at the activity boundary. Real
 * PostgreSQL and the real demo target; a loopback HTTP server answers the HTTP check and, in
 * Prometheus's own answer shape, the Prometheus queries.
 */
class TypedRequestsTest {
  private static final String TOKEN = "tok-typed-5ecret-77c1";
  private static final String SCHEMA = "typed_requests";

  private DemoTarget target;
  private DemoTarget legacyTarget;
  private HttpServer http;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private CutoverActivitiesImpl activities;
  private Fixtures.Postgres pg;
  private Fixtures.Postgres gate;

  @BeforeEach
  void start() throws IOException {
    target = DemoTarget.start(0);
    legacyTarget = DemoTarget.start(0);
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/",
        exchange -> {
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          String query =
              exchange.getRequestURI().getQuery() == null
                  ? ""
                  : exchange.getRequestURI().getQuery();
          String body;
          int status = 200;
          if (exchange.getRequestURI().getPath().equals("/api/v1/query")) {
            // A count per query of the compare check, else the error rate.
            String sample =
                query.contains("query=sum(a)")
                    ? "3"
                    : query.contains("query=sum(b)")
                        ? "300"
                        : query.contains("query=sum(c)")
                            ? "5"
                            : query.contains("query=sum(d)") ? "500" : "0.0125";
            body =
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":"
                    + "[1700000000.1,\""
                    + sample
                    + "\"]}]}}";
          } else if (exchange.getRequestURI().getPath().equals("/health")) {
            body = "{\"status\": \"ok\", \"replicas\": 3}";
          } else {
            status = 403;
            body = "{\"error\": \"token " + TOKEN + " may not do that\"}";
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    http.start();
    pg = Fixtures.postgres();
    List<String> env = new ArrayList<>(List.of("API_TOKEN", TOKEN));
    if (pg != null) {
      gate = Fixtures.createRole(pg, SCHEMA + "_gate");
      env.addAll(List.of("PG_USER", gate.user(), "PG_PASSWORD", gate.password()));
    }
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings(env.toArray(String[]::new)), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    activities.close();
    target.close();
    legacyTarget.close();
    http.stop(0);
    if (gate != null) {
      Fixtures.dropRole(pg, SCHEMA + "_gate");
    }
  }

  /**
   * A plan as a cutover reads it: every kind of check source and of effect, against the servers
   * above.
   */
  private String planYaml(String flagsUrl) {
    String api = "http://127.0.0.1:" + http.getAddress().getPort();
    return """
        version: 1
        name: typed
        connections:
          flags: { http: "%s" }
          api: { http: "%s", headers: { Authorization: "Bearer ${env:API_TOKEN}" } }
          prom: { prometheus: "%s", headers: { Authorization: "Bearer ${env:API_TOKEN}" } }
          appdb: { postgres: "%s", user: "${env:PG_USER}", password: "${env:PG_PASSWORD}" }
        checks:
          rows: { sql: appdb, query: "SELECT 0.25 AS value", pass: "< 1" }
          error_rate: { prometheus: prom, query: "sum(rate(x[5m]))", pass: "< 0.05" }
          health: { http: "GET api:/health", value: "$.replicas", pass: ">= 1", expect: { status: 200, json: { "$.status": ok } } }
          sql_vs_v1:
            compare:
              sql: appdb
              new: { failures: "SELECT 1", total: "SELECT 400" }
              baseline: { failures: "SELECT 2", total: "SELECT 500" }
          prom_vs_v1:
            compare:
              prometheus: prom
              new: { failures: "sum(a)", total: "sum(b)" }
              baseline: { failures: "sum(c)", total: "sum(d)" }
        traffic:
          set: { http: "PUT flags:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET flags:/api/flags/v2-rollout", value: "$.value" }
        flagsApi:
          set: { http: "PUT flags:/api/flags/${flag}", body: '{"value": ${value}}' }
          get: { http: "GET flags:/api/flags/${flag}", value: "$.value" }
        stages:
          - name: canary
            percent: 10
            flags: { NEW_UI: true, LIMIT: 25 }
            revert: { LIMIT: 0 }
            gates: [rows, error_rate, health, sql_vs_v1, prom_vs_v1]
            actions:
              - http: "POST flags:/api/actions/announce-${stage}"
                body: '{"stage": "${stage}"}'
                expect: { status: 200, json: { "$.ok": true } }
                undo: { http: "POST flags:/api/actions/unannounce" }
        """
        .formatted(flagsUrl, api, api, pg == null ? "jdbc:postgresql://127.0.0.1:1/x" : pg.url());
  }

  /** The checks as the workflow sends them: typed, each with the connection it names. */
  private static MeasureChecksRequest typed(Plan plan, List<String> checks) {
    return new MeasureChecksRequest(
        "cutover-typed",
        checks.stream()
            .map(
                c ->
                    new MeasureChecksRequest.Item(
                        plan.check(c),
                        plan.check(c)
                            .source()
                            .connection()
                            .map(n -> plan.connections().get(n))
                            .orElse(null)))
            .toList());
  }

  /**
   * The same checks as cutovers started before typed requests send them: the plan's own fragments.
   */
  private static MeasureRequest fragments(JsonNode plan, List<String> checks) {
    return new MeasureRequest(
        "cutover-typed",
        checks.stream()
            .map(
                c -> {
                  Map<String, JsonNode> conns = new LinkedHashMap<>();
                  JsonNode check = plan.path("checks").path(c);
                  String named =
                      check.has("compare")
                          ? check
                              .path("compare")
                              .path(check.path("compare").has("sql") ? "sql" : "prometheus")
                              .asText()
                          : check.has("sql")
                              ? check.path("sql").asText()
                              : check.has("prometheus") ? check.path("prometheus").asText() : "api";
                  conns.put(named, plan.path("connections").path(named));
                  return new MeasureRequest.CheckSpec(c, check, conns);
                })
            .toList());
  }

  @Test
  void everyKindOfCheckIsMeasuredFromItsTypedRequestAsFromThePlansFragments() {
    Assumptions.assumeTrue(pg != null, Fixtures.NO_POSTGRES);
    JsonNode tree = tree(planYaml(target.baseUrl()));
    Plan plan = PlanReader.fromTree(tree, PlanReader.Rules.HARDENED);
    List<String> checks = List.of("rows", "error_rate", "health", "sql_vs_v1", "prom_vs_v1");

    List<Reading> readings = activities.measureChecks(typed(plan, checks));

    Map<String, Double> sqlCounts = new LinkedHashMap<>();
    sqlCounts.put(ProportionTest.NEW_FAILURES, 1.0);
    sqlCounts.put(ProportionTest.NEW_TOTAL, 400.0);
    sqlCounts.put(ProportionTest.BASE_FAILURES, 2.0);
    sqlCounts.put(ProportionTest.BASE_TOTAL, 500.0);
    Map<String, Double> promCounts = new LinkedHashMap<>();
    promCounts.put(ProportionTest.NEW_FAILURES, 3.0);
    promCounts.put(ProportionTest.NEW_TOTAL, 300.0);
    promCounts.put(ProportionTest.BASE_FAILURES, 5.0);
    promCounts.put(ProportionTest.BASE_TOTAL, 500.0);
    assertThat(readings)
        .containsExactly(
            Reading.value("rows", 0.25, ""),
            Reading.value("error_rate", 0.0125, "1 series"),
            Reading.expectations("health", 3.0, List.of(), "status 200"),
            Reading.counts("sql_vs_v1", sqlCounts, ""),
            Reading.counts("prom_vs_v1", promCounts, ""));
    assertThat(activities.measure(fragments(tree, checks))).isEqualTo(readings);
    // Every request to the API carried the resolved token, on the wire only.
    assertThat(authorizations).isNotEmpty().containsOnly("Bearer " + TOKEN);
  }

  @Test
  void everyKindOfEffectIsAppliedFromItsTypedRequestAsFromThePlansFragments() {
    Plan plan = PlanReader.fromTree(tree(planYaml(target.baseUrl())), PlanReader.Rules.HARDENED);
    JsonNode legacyTree = tree(planYaml(legacyTarget.baseUrl()));
    Map<String, Connection> flags = Map.of("flags", plan.connections().get("flags"));
    Map<String, JsonNode> flagsJson = Map.of("flags", legacyTree.path("connections").path("flags"));
    Action announce = plan.stages().get(0).actions().get(0);
    Map<String, JsonNode> stageFlags = new LinkedHashMap<>();
    stageFlags.put("NEW_UI", BooleanNode.TRUE);
    stageFlags.put("LIMIT", IntNode.valueOf(25));
    Step traffic = new Step(Step.Kind.TRAFFIC, 0, -1, 10, null, "stage-0/traffic");
    Step setFlags = new Step(Step.Kind.FLAGS, 0, -1, null, stageFlags, "stage-0/flags");
    Step action = new Step(Step.Kind.ACTION, 0, 0, null, null, "stage-0/action-0");
    Step undo = new Step(Step.Kind.UNDO_ACTION, 0, 0, null, null, "stage-0/undo-0");

    List<String> typedDone = new ArrayList<>();
    typedDone.add(
        activities.applyEffect(
            new ApplyEffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/traffic",
                "canary",
                traffic,
                plan.traffic(),
                null,
                null,
                flags)));
    typedDone.add(
        activities.applyEffect(
            new ApplyEffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/flags",
                "canary",
                setFlags,
                null,
                plan.flagsApi(),
                null,
                flags)));
    typedDone.add(
        activities.applyEffect(
            new ApplyEffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/action-0",
                "canary",
                action,
                null,
                null,
                announce,
                flags)));
    typedDone.add(
        activities.applyEffect(
            new ApplyEffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/undo-0",
                "canary",
                undo,
                null,
                null,
                announce.undo(),
                flags)));
    JsonNode actionJson = legacyTree.path("stages").path(0).path("actions").path(0);
    List<String> legacyDone = new ArrayList<>();
    legacyDone.add(
        activities.apply(
            new EffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/traffic",
                "canary",
                traffic,
                legacyTree.path("traffic"),
                null,
                null,
                flagsJson)));
    legacyDone.add(
        activities.apply(
            new EffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/flags",
                "canary",
                setFlags,
                null,
                legacyTree.path("flagsApi"),
                null,
                flagsJson)));
    legacyDone.add(
        activities.apply(
            new EffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/action-0",
                "canary",
                action,
                null,
                null,
                actionJson,
                flagsJson)));
    legacyDone.add(
        activities.apply(
            new EffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/undo-0",
                "canary",
                undo,
                null,
                null,
                actionJson.path("undo"),
                flagsJson)));

    assertThat(typedDone)
        .containsExactly(
            "PUT flags:/api/flags/v2-rollout -> 200; read back 10",
            "PUT flags:/api/flags/NEW_UI -> 200; read back true; PUT flags:/api/flags/LIMIT -> 200; read back 25",
            "POST flags:/api/actions/announce-canary -> 200",
            "POST flags:/api/actions/unannounce -> 200");
    assertThat(legacyDone).isEqualTo(typedDone);
    assertThat(target.changes())
        .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "flag", "v2-rollout", "10", "cutover-typed/stage-0/traffic"),
            org.assertj.core.groups.Tuple.tuple(
                "flag", "NEW_UI", "true", "cutover-typed/stage-0/flags:NEW_UI"),
            org.assertj.core.groups.Tuple.tuple(
                "flag", "LIMIT", "25", "cutover-typed/stage-0/flags:LIMIT"),
            org.assertj.core.groups.Tuple.tuple(
                "action",
                "announce-canary",
                "{\"stage\": \"canary\"}",
                "cutover-typed/stage-0/action-0"),
            org.assertj.core.groups.Tuple.tuple(
                "action", "unannounce", "", "cutover-typed/stage-0/undo-0"));
    assertThat(legacyTarget.changes())
        .extracting(Change::kind, Change::name, Change::value, Change::idempotencyKey)
        .isEqualTo(
            new ArrayList<>(target.changes())
                .stream()
                    .map(
                        c ->
                            org.assertj.core.groups.Tuple.tuple(
                                c.kind(), c.name(), c.value(), c.idempotencyKey()))
                    .toList());
  }

  @Test
  void aTypedRequestHoldsTheReferenceTheWorkerResolvesOnlyOnTheWireAndItsFailureIsRedacted() {
    Plan plan = PlanReader.fromTree(tree(planYaml(target.baseUrl())), PlanReader.Rules.HARDENED);
    Action forbidden =
        PlanReader.action(tree("http: \"POST api:/admin\"\nexpect: { status: 200 }\n"), "action");
    ApplyEffectRequest request =
        new ApplyEffectRequest(
            "cutover-typed",
            "cutover-typed/stage-0/action-0",
            "canary",
            new Step(Step.Kind.ACTION, 0, 0, null, null, "stage-0/action-0"),
            null,
            null,
            forbidden,
            Map.of("api", plan.connections().get("api")));
    String before =
        new String(
            DefaultDataConverter.newDefaultInstance()
                .toPayload(request)
                .orElseThrow()
                .getData()
                .toByteArray(),
            StandardCharsets.UTF_8);

    ApplicationFailure f = failure(() -> activities.applyEffect(request));

    assertThat(f.getType()).isEqualTo(FailureTypes.CLIENT_ERROR);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage())
        .isEqualTo("POST api:/admin answered 403: {\"error\": \"token *** may not do that\"}");
    assertThat(f.getCause()).isNull();
    assertThat(authorizations).containsExactly("Bearer " + TOKEN);
    String after =
        new String(
            DefaultDataConverter.newDefaultInstance()
                .toPayload(request)
                .orElseThrow()
                .getData()
                .toByteArray(),
            StandardCharsets.UTF_8);
    assertThat(after).isEqualTo(before).contains("Bearer ${env:API_TOKEN}").doesNotContain(TOKEN);
  }

  @Test
  void aStepTheWorkerDoesNotApplyIsAnInvalidRequestAtTheBoundary() {
    ApplyEffectRequest noStep =
        new ApplyEffectRequest("cutover-typed", null, null, null, null, null, null, Map.of());
    ApplyEffectRequest aWait =
        new ApplyEffectRequest(
            "cutover-typed",
            "k",
            "canary",
            new Step(Step.Kind.ACTION, 0, 0, null, null, "k"),
            null,
            null,
            new Action.Wait("health", Duration.ofMinutes(1), Duration.ofSeconds(5)),
            Map.of());
    ApplyEffectRequest noTraffic =
        new ApplyEffectRequest(
            "cutover-typed",
            "k",
            "canary",
            new Step(Step.Kind.TRAFFIC, 0, -1, 10, null, "k"),
            null,
            null,
            null,
            Map.of());

    for (var c :
        List.of(
            Map.entry(noStep, "the request has no step"),
            Map.entry(aWait, "a wait action is carried out by the workflow, not applied"),
            Map.entry(noTraffic, "traffic is missing from the request"))) {
      ApplicationFailure f = failure(() -> activities.applyEffect(c.getKey()));
      assertThat(f.getType()).as(c.getValue()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.isNonRetryable()).as(c.getValue()).isTrue();
      assertThat(f.getOriginalMessage()).isEqualTo(c.getValue());
    }
  }

  /** A stand-in source for the registry's own rules: answers with its name. */
  private record Named<S extends Check.Source>(Class<S> sourceType) implements MetricSource<S> {
    @Override
    public Reading measure(Check check, S source, Connection connection) {
      return Reading.value(check.name(), 1.0, sourceType.getSimpleName());
    }
  }

  @Test
  void theRegistryMeasuresEachKindWithTheSourceRegisteredForItAndRefusesToMissOne() {
    Plan plan = PlanReader.fromTree(tree(planYaml(target.baseUrl())), PlanReader.Rules.HARDENED);
    MetricSources sources =
        new MetricSources(
            List.of(
                new Named<>(Check.SqlQuery.class),
                new Named<>(Check.PromQuery.class),
                new Named<>(Check.HttpProbe.class),
                new Named<>(Check.Compare.class)));

    assertThat(
            List.of("rows", "error_rate", "health", "sql_vs_v1").stream()
                .map(c -> sources.measure(plan.check(c), null).reason())
                .toList())
        .containsExactly("SqlQuery", "PromQuery", "HttpProbe", "Compare");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    new MetricSources(
                        List.of(
                            new Named<>(Check.SqlQuery.class),
                            new Named<>(Check.HttpProbe.class)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no metric source for PromQuery, Compare");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    new MetricSources(
                        List.of(
                            new Named<>(Check.SqlQuery.class), new Named<>(Check.SqlQuery.class)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two metric sources for SqlQuery");
  }
}
