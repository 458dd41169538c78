package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Check;
import dev.cutover.plan.Connection;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import dev.cutover.plan.SecretReferences;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The typed requests a cutover sends its activities travel through Temporal's default data
 * converter (Jackson) and arrive exactly as the workflow built them: every kind of check source,
 * connection, action, traffic switch and flag API, with every {@code ${env:...}} reference as the
 * plan wrote it and nothing resolved.
 */
class PlanRequestsTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();

  /**
   * Every check source, every connection kind, HTTP traffic with read-back, flags with read-back,
   * every action kind.
   */
  static final String HTTP_PLAN =
      """
      version: 1
      name: typed
      connections:
        flags:
          http: https://flags.internal
          headers: { Authorization: "Bearer ${env:FLAG_TOKEN}", X-Team: checkout }
        appdb:
          postgres: jdbc:postgresql://db.internal:5432/shop
          user: ${env:APPDB_USER}
          password: ${env:APPDB_PASSWORD}
        prom:
          prometheus: https://prom.internal
          headers: { Authorization: "Bearer ${env:PROM_TOKEN}" }
      checks:
        error_rate:
          sql: appdb
          query: SELECT 0.01 AS value
          pass: "< 0.05"
          minSamples: { query: SELECT count(*) FROM orders, atLeast: 100 }
          timeout: 7s
        p95:
          prometheus: prom
          query: histogram_quantile(0.95, rate(x[5m]))
          reduce: max
          pass: "between 0.1 and 0.5"
        health:
          http: GET flags:/health
          headers: { X-Probe: "${env:PROBE_KEY}" }
          expect: { status: 200, json: { "$.status": ok, "$.replicas": 3, "$.ratio": 0.25, "$.ready": true } }
        queue_depth:
          http: GET https://queue.internal/depth
          value: "$.depth"
          pass: "<= 10"
          followRedirects: true
        v2_vs_v1_sql:
          compare:
            sql: appdb
            new: { failures: SELECT 1, total: SELECT 100 }
            baseline: { failures: SELECT 2, total: SELECT 200 }
            margin: 0.01
            confidence: 0.99
            minSamples: 50
        v2_vs_v1_prom:
          compare:
            prometheus: prom
            new: { failures: sum(a), total: sum(b) }
            baseline: { failures: sum(c), total: sum(d) }
      traffic:
        set: { http: "PUT flags:/api/percent", body: '{"value": ${percent}}', headers: { X-Why: cutover } }
        get: { http: "GET flags:/api/percent", value: "$.value" }
      flagsApi:
        set: { http: "PUT flags:/api/flags/${flag}", body: '{"value": ${value}}' }
        get: { http: "GET flags:/api/flags/${flag}", value: "$.value" }
      stages:
        - name: canary
          percent: 10
          flags: { NEW_UI: true, LIMIT: 25, MODE: "dark" }
          revert: { LIMIT: 0, MODE: "light" }
          gates: [error_rate, p95, health, queue_depth, v2_vs_v1_sql, v2_vs_v1_prom]
          actions:
            - http: "POST flags:/announce/${stage}"
              body: '{"token": "${env:ANNOUNCE_TOKEN}"}'
              headers: { X-Stage: "${stage}" }
              expect: { status: 201, json: { "$.ok": true } }
              followRedirects: true
              undo: { http: "POST flags:/unannounce", expect: { status: 200 } }
            - command: [/opt/bin/sync, --to, green]
              env: { SYNC_TOKEN: "${env:SYNC_TOKEN}" }
              timeout: 40s
              exitCode: 3
              undo: { command: [/opt/bin/sync, --cleanup], timeout: 5s }
            - wait: { check: health, timeout: 2m, every: 10s }
            - http: "POST https://audit.internal/mark"
              irreversible: true
      rollback:
        percent: 0
        actions:
          - http: "POST flags:/page"
            expect: { status: 200 }
      notify: { webhook: "${env:SLACK_WEBHOOK}" }
      """;

  /** nginx traffic and a flag API without read-back. */
  static final String NGINX_PLAN =
      """
      version: 1
      name: typed-nginx
      connections:
        ops: { http: "https://ops.internal" }
      checks:
        up: { http: GET ops:/up, expect: { status: 200 } }
      traffic:
        nginx:
          file: /etc/nginx/cutover/split.conf
          variable: $upstream
          key: "${cookie_session}${remote_addr}"
          new: green
          old: blue
      flagsApi:
        set: { http: "PUT ops:/flags/${flag}", body: '{"value": ${value}}' }
      stages:
        - { name: shift, percent: 50, flags: { GREEN: true }, gates: [up] }
      """;

  static Plan read(String yaml) {
    return PlanReader.fromTree(PlanReader.parseTree(yaml), PlanReader.Rules.HARDENED);
  }

  /**
   * The request after a trip through the data converter: serialised as history stores it, read
   * back.
   */
  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T request) {
    Payload payload = CONVERTER.toPayload(request).orElseThrow();
    return (T) CONVERTER.fromPayload(payload, request.getClass(), request.getClass());
  }

  static String json(Object request) {
    return CONVERTER.toPayload(request).orElseThrow().getData().toString(StandardCharsets.UTF_8);
  }

  /**
   * Every request a cutover of {@code plan} can send: each check alone, all checks at once, each
   * effect.
   */
  static List<Object> everyRequest(Plan plan) {
    PlanRequests requests = new PlanRequests(plan);
    List<Object> out = new ArrayList<>();
    plan.checks()
        .keySet()
        .forEach(c -> out.add(requests.measure("cutover-" + plan.name(), List.of(c))));
    out.add(requests.measure("cutover-" + plan.name(), List.copyOf(plan.checks().keySet())));
    for (int s = 0; s < plan.stages().size(); s++) {
      var stage = plan.stages().get(s);
      out.add(
          requests.effect(
              "cutover-" + plan.name(),
              new Step(Step.Kind.TRAFFIC, s, -1, stage.percent(), null, "stage-" + s + "/traffic"),
              null));
      if (!stage.flags().isEmpty()) {
        out.add(
            requests.effect(
                "cutover-" + plan.name(),
                new Step(Step.Kind.FLAGS, s, -1, null, stage.flags(), "stage-" + s + "/flags"),
                null));
      }
      for (int a = 0; a < stage.actions().size(); a++) {
        Action action = stage.actions().get(a);
        out.add(
            requests.effect(
                "cutover-" + plan.name(),
                new Step(Step.Kind.ACTION, s, a, null, null, "stage-" + s + "/action-" + a),
                action));
        if (action.undo() != null) {
          out.add(
              requests.effect(
                  "cutover-" + plan.name(),
                  new Step(Step.Kind.UNDO_ACTION, s, a, null, null, "stage-" + s + "/undo-" + a),
                  action.undo()));
        }
      }
    }
    for (int a = 0; a < plan.rollback().actions().size(); a++) {
      out.add(
          requests.effect(
              "cutover-" + plan.name(),
              new Step(Step.Kind.ROLLBACK_ACTION, -1, a, null, null, "rollback/action-" + a),
              plan.rollback().actions().get(a)));
    }
    return out;
  }

  @Test
  void everyRequestOfBothPlansArrivesExactlyAsTheWorkflowBuiltIt() {
    List<Object> all = new ArrayList<>(everyRequest(read(HTTP_PLAN)));
    all.addAll(everyRequest(read(NGINX_PLAN)));
    for (Object request : all) {
      assertThat(roundTrip(request)).as(json(request)).isEqualTo(request);
    }
  }

  /**
   * A compare check of the newest rules reaches the worker with its method, alpha and margins; one
   * from a request written before methods existed (no such fields) reads as a z-test.
   */
  @Test
  void compareChecksArriveWithTheirMethodAndOldRequestsReadAsZTests() throws Exception {
    String yaml =
        HTTP_PLAN
            .replaceAll("(?m)^( *)margin: 0.01$", "$1margin: 0.01\n$1method: ztest")
            .replaceAll(
                "(?m)^( *)baseline: \\{ failures: sum\\(c\\), total: sum\\(d\\) }$",
                "$0\n$1method: sequential\n$1alpha: 0.01\n$1relativeMargin: 0.2");
    Plan plan =
        PlanReader.fromTree(PlanReader.parseTree(yaml), PlanReader.Rules.SEQUENTIAL_COMPARE);
    Check.Compare seq = (Check.Compare) plan.check("v2_vs_v1_prom").source();
    assertThat(seq.method()).isEqualTo(Check.Compare.Method.SEQUENTIAL);
    assertThat(seq.alpha()).isEqualTo(0.01);
    assertThat(seq.relativeMargin()).isEqualTo(0.2);
    for (Object request : everyRequest(plan)) {
      assertThat(roundTrip(request)).as(json(request)).isEqualTo(request);
    }
    Check.Compare old =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(
                "{\"type\": \"compare\", \"connectionName\": \"prom\", \"kind\": \"PROMETHEUS\", \"newFailures\":"
                    + " \"a\", \"newTotal\": \"b\", \"baseFailures\": \"c\", \"baseTotal\":"
                    + " \"d\", \"margin\": 0.01, \"confidence\": 0.95, \"minSamples\": 100}",
                Check.Compare.class);
    assertThat(old.method()).isEqualTo(Check.Compare.Method.ZTEST);
    assertThat(old.confidence()).isEqualTo(0.95);
  }

  @Test
  void theRequestsCoverEveryKindOfSourceConnectionActionTrafficAndFlagApi() {
    List<Object> all = new ArrayList<>(everyRequest(read(HTTP_PLAN)));
    all.addAll(everyRequest(read(NGINX_PLAN)));
    Set<Class<?>> sources = new HashSet<>();
    Set<String> compareKinds = new HashSet<>();
    Set<Connection.Kind> connections = new HashSet<>();
    Set<Class<?>> actions = new HashSet<>();
    Set<String> traffic = new HashSet<>();
    Set<String> flagApis = new HashSet<>();
    for (Object r : all) {
      if (r instanceof MeasureChecksRequest m) {
        for (MeasureChecksRequest.Item item : m.checks()) {
          sources.add(item.check().source().getClass());
          if (item.check().source() instanceof Check.Compare c) {
            compareKinds.add(c.kind().name());
          }
          if (item.connection() != null) {
            connections.add(item.connection().kind());
          }
        }
      } else if (r instanceof ApplyEffectRequest e) {
        e.connections().values().forEach(c -> connections.add(c.kind()));
        if (e.action() != null) {
          actions.add(e.action().getClass());
        }
        if (e.traffic() != null) {
          traffic.add(
              e.traffic().nginx() != null
                  ? "nginx"
                  : e.traffic().get() != null ? "http+get" : "http");
        }
        if (e.flagsApi() != null) {
          flagApis.add(e.flagsApi().get() != null ? "set+get" : "set");
        }
      }
    }
    assertThat(sources).containsExactlyInAnyOrder(Check.Source.class.getPermittedSubclasses());
    assertThat(compareKinds).containsExactlyInAnyOrder("SQL", "PROMETHEUS");
    assertThat(connections).containsExactlyInAnyOrder(Connection.Kind.values());
    assertThat(actions).containsExactlyInAnyOrder(Action.class.getPermittedSubclasses());
    assertThat(traffic).containsExactlyInAnyOrder("nginx", "http+get");
    assertThat(flagApis).containsExactlyInAnyOrder("set", "set+get");
  }

  @Test
  void aMeasureRequestCarriesTheTypedCheckAndTheConnectionItNames() {
    Plan plan = read(HTTP_PLAN);
    MeasureChecksRequest r =
        new PlanRequests(plan).measure("cutover-typed", List.of("error_rate", "queue_depth"));

    assertThat(r.checks())
        .containsExactly(
            new MeasureChecksRequest.Item(
                plan.check("error_rate"), plan.connections().get("appdb")),
            new MeasureChecksRequest.Item(plan.check("queue_depth"), null));
  }

  @Test
  void anEffectRequestCarriesOnlyThePieceItsStepNeedsAndTheConnectionsThatPieceNames() {
    Plan plan = read(HTTP_PLAN);
    PlanRequests requests = new PlanRequests(plan);
    ApplyEffectRequest traffic =
        requests.effect(
            "cutover-typed", new Step(Step.Kind.TRAFFIC, 0, -1, 10, null, "stage-0/traffic"), null);
    Action undo = plan.stages().get(0).actions().get(0).undo();
    ApplyEffectRequest undone =
        requests.effect(
            "cutover-typed",
            new Step(Step.Kind.UNDO_ACTION, 0, 0, null, null, "stage-0/undo-0"),
            undo);
    ApplyEffectRequest rollback =
        requests.effect(
            "cutover-typed",
            new Step(Step.Kind.ROLLBACK_ACTION, -1, 0, null, null, "rollback/action-0"),
            plan.rollback().actions().get(0));

    assertThat(traffic)
        .isEqualTo(
            new ApplyEffectRequest(
                "cutover-typed",
                "cutover-typed/stage-0/traffic",
                "canary",
                traffic.step(),
                plan.traffic(),
                null,
                null,
                Map.of("flags", plan.connections().get("flags"))));
    assertThat(undone.action()).isEqualTo(undo);
    assertThat(undone.traffic()).isNull();
    assertThat(undone.flagsApi()).isNull();
    assertThat(rollback.stage()).isNull();
    assertThat(rollback.idempotencyKey()).isEqualTo("cutover-typed/rollback/action-0");
  }

  @Test
  void requestsHoldEveryEnvReferenceAsThePlanWroteItAndNothingResolved() {
    Plan plan = read(HTTP_PLAN);
    Set<String> written = new LinkedHashSet<>();
    Matcher m = Pattern.compile("\\$\\{env:[A-Za-z_][A-Za-z0-9_]*}").matcher(HTTP_PLAN);
    while (m.find()) {
      written.add(m.group());
    }
    assertThat(written).hasSize(8);
    Set<String> sent = new LinkedHashSet<>();
    for (Object r : everyRequest(plan)) {
      String json = json(r);
      SecretReferences.names(json).forEach(n -> sent.add("${env:" + n + "}"));
    }
    // The webhook goes in the notify request, not here: every other reference is sent as written.
    assertThat(sent)
        .containsExactlyInAnyOrderElementsOf(
            written.stream().filter(ref -> !ref.equals("${env:SLACK_WEBHOOK}")).toList());
    assertThat(new PlanRequests(plan).webhook()).isEqualTo("${env:SLACK_WEBHOOK}");
  }
}
