package dev.cutover.e2e.standins;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stand-ins refuse what their vendor documents it refuses, with the vendor's status and error
 * shape, and change nothing when they do: a recipe that passes against them sends what the real API
 * takes. One row per request: the vendor, what is wrong with it, the request, the status, and a
 * piece of the answer.
 */
class StandInsTest {
  static final String JSON = "application/json";
  static final String SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch";
  static final String FS =
      "/api/__future__/environments/" + FlagsmithStandIn.ENVIRONMENT + "/features/4711/";
  static final String FS_AUTH = "Api-Key " + FlagsmithStandIn.API_KEY;
  static final String LD = "/api/v2/flags/default/checkout-v2";
  static final String UN =
      "/api/admin/projects/default/features/checkout-v2/environments/production";
  static final String UN_STRATEGY = UN + "/strategies/" + UnleashStandIn.STRATEGY;
  static final String VC = "/v9/projects/soulprint-landing/env/" + VercelStandIn.ENV_ID;
  static final String VC_AUTH = "Bearer " + VercelStandIn.TOKEN;
  static final String TEAM = "?teamId=" + VercelStandIn.TEAM;
  static final String WEIGHTS =
      "{\"environmentKey\": \"production\", \"instructions\": [{\"kind\":"
          + " \"updateFallthroughVariationOrRollout\", \"rolloutWeights\": {\""
          + LaunchDarklyStandIn.TRUE_ID
          + "\": %d, \""
          + LaunchDarklyStandIn.FALSE_ID
          + "\": %d}}]}";

  record Call(String method, String path, String auth, String contentType, String body) {}

  static Arguments row(
      Supplier<StandIn> vendor, String what, Call call, int status, String answerHas) {
    return Arguments.of(what, vendor, call, status, answerHas);
  }

  static Stream<Arguments> calls() {
    Supplier<StandIn> fs = FlagsmithStandIn::new;
    Supplier<StandIn> ld = LaunchDarklyStandIn::new;
    Supplier<StandIn> un = UnleashStandIn::new;
    Supplier<StandIn> vc = VercelStandIn::new;
    String w991 = "{\"environment_default\": {\"variants\": [{\"id\": 991, \"weight\": 10}]}}";
    String ldOk = WEIGHTS.formatted(10000, 90000);
    String unOk = "[{\"op\": \"replace\", \"path\": \"/parameters/rollout\", \"value\": \"10\"}]";
    return Stream.of(
        row(
            fs,
            "flagsmith: the documented re-weighting",
            new Call("PATCH", FS, FS_AUTH, JSON, w991),
            200,
            "\"variants\":[{\"id\":991,\"weight\":10}]"),
        row(
            fs,
            "flagsmith: a bare key",
            new Call("PATCH", FS, FlagsmithStandIn.API_KEY, JSON, w991),
            401,
            "\"detail\""),
        row(
            fs,
            "flagsmith: Bearer",
            new Call("PATCH", FS, "Bearer " + FlagsmithStandIn.API_KEY, JSON, w991),
            401,
            "\"detail\""),
        row(
            fs,
            "flagsmith: a form body",
            new Call("PATCH", FS, FS_AUTH, "text/plain", w991),
            415,
            "Unsupported media type"),
        row(
            fs,
            "flagsmith: a variant left out",
            new Call("PATCH", FS, FS_AUTH, JSON, "{\"environment_default\": {\"variants\": []}}"),
            400,
            "every variant"),
        row(
            fs,
            "flagsmith: a weight over 100",
            new Call("PATCH", FS, FS_AUTH, JSON, w991.replace("10}", "101}")),
            400,
            "between 0 and 100"),
        row(
            fs,
            "flagsmith: the v1 body on this endpoint",
            new Call(
                "PATCH",
                FS,
                FS_AUTH,
                JSON,
                "{\"feature\": {\"name\": \"checkout_v2\"}, \"enabled\": true}"),
            400,
            "\"feature\""),
        row(
            fs,
            "flagsmith: PUT without variants",
            new Call("PUT", FS, FS_AUTH, JSON, "{\"environment_default\": {\"enabled\": true}}"),
            400,
            "variants"),
        row(fs, "flagsmith: POST", new Call("POST", FS, FS_AUTH, JSON, w991), 405, "not allowed"),
        row(
            fs,
            "flagsmith: no trailing slash",
            new Call("PATCH", FS.substring(0, FS.length() - 1), FS_AUTH, JSON, w991),
            404,
            "Not found"),
        row(
            ld,
            "launchdarkly: the documented semantic patch",
            new Call("PATCH", LD, LaunchDarklyStandIn.TOKEN, SEMANTIC, ldOk),
            200,
            "{\"variation\":0,\"weight\":10000}"),
        row(
            ld,
            "launchdarkly: Bearer",
            new Call("PATCH", LD, "Bearer " + LaunchDarklyStandIn.TOKEN, SEMANTIC, ldOk),
            401,
            "\"unauthorized\""),
        row(
            ld,
            "launchdarkly: weights that do not add up to 100000",
            new Call(
                "PATCH", LD, LaunchDarklyStandIn.TOKEN, SEMANTIC, WEIGHTS.formatted(10000, 10000)),
            400,
            "100000"),
        row(
            ld,
            "launchdarkly: no environmentKey",
            new Call(
                "PATCH",
                LD,
                LaunchDarklyStandIn.TOKEN,
                SEMANTIC,
                ldOk.replace("\"environmentKey\": \"production\", ", "")),
            400,
            "environmentKey"),
        row(
            ld,
            "launchdarkly: instructions sent as plain JSON (read as a JSON patch)",
            new Call("PATCH", LD, LaunchDarklyStandIn.TOKEN, JSON, ldOk),
            400,
            "JSON patch"),
        row(
            ld,
            "launchdarkly: the documented JSON patch with a comment",
            new Call(
                "PATCH",
                LD,
                LaunchDarklyStandIn.TOKEN,
                JSON,
                "{\"comment\": \"c\", \"patch\": [{\"op\": \"replace\", \"path\":"
                    + " \"/environments/production/on\", \"value\": true}]}"),
            200,
            "\"on\":true"),
        row(
            un,
            "unleash: the documented JSON patch",
            new Call("PATCH", UN_STRATEGY, UnleashStandIn.TOKEN, JSON, unOk),
            200,
            "\"rollout\":\"10\""),
        row(
            un,
            "unleash: no token",
            new Call("PATCH", UN_STRATEGY, null, JSON, unOk),
            401,
            "AuthenticationRequired"),
        row(
            un,
            "unleash: the percent as a number",
            new Call(
                "PATCH", UN_STRATEGY, UnleashStandIn.TOKEN, JSON, unOk.replace("\"10\"", "10")),
            400,
            "must be strings"),
        row(
            un,
            "unleash: a text body",
            new Call("PATCH", UN_STRATEGY, UnleashStandIn.TOKEN, "text/plain", unOk),
            415,
            "content-type"),
        row(
            un,
            "unleash: PUT",
            new Call("PUT", UN_STRATEGY, UnleashStandIn.TOKEN, JSON, unOk),
            405,
            "not allowed"),
        row(
            un,
            "unleash: switching on with GET",
            new Call("GET", UN + "/on", UnleashStandIn.TOKEN, null, ""),
            405,
            "not allowed"),
        row(
            vc,
            "vercel: the documented edit with the team",
            new Call("PATCH", VC + TEAM, VC_AUTH, JSON, "{\"value\": \"10\"}"),
            200,
            "\"value\":\"10\""),
        row(
            vc,
            "vercel: a team's project without teamId",
            new Call("PATCH", VC, VC_AUTH, JSON, "{\"value\": \"10\"}"),
            404,
            "Project not found"),
        row(
            vc,
            "vercel: the token without Bearer",
            new Call("PATCH", VC + TEAM, VercelStandIn.TOKEN, JSON, "{\"value\": \"10\"}"),
            403,
            "\"forbidden\""),
        row(
            vc,
            "vercel: the value as a number",
            new Call("PATCH", VC + TEAM, VC_AUTH, JSON, "{\"value\": 10}"),
            400,
            "should be string"),
        row(
            vc,
            "vercel: an empty body",
            new Call("PATCH", VC + TEAM, VC_AUTH, JSON, "{}"),
            400,
            "missing"),
        row(
            vc,
            "vercel: listing on v10 with the team",
            new Call("GET", "/v10/projects/soulprint-landing/env" + TEAM, VC_AUTH, null, ""),
            200,
            "\"envs\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void refusesWhatTheVendorRefusesAndChangesNothing(
      String what, Supplier<StandIn> vendor, Call call, int status, String answerHas)
      throws Exception {
    try (StandIn s = vendor.get()) {
      String before = state(s);
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(s.baseUrl() + call.path()))
              .method(
                  call.method(),
                  call.body().isEmpty()
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(call.body()));
      if (call.auth() != null) {
        b.header("Authorization", call.auth());
      }
      if (call.contentType() != null) {
        b.header("Content-Type", call.contentType());
      }
      if (s instanceof LaunchDarklyStandIn) {
        b.header("LD-API-Version", "20240415");
      }
      HttpResponse<String> r =
          HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
      assertThat(r.body()).contains(answerHas);
      if (status >= 400) {
        assertThat(state(s)).as("a refused request changes nothing").isEqualTo(before);
      }
    }
  }

  private static String state(StandIn s) {
    if (s instanceof FlagsmithStandIn f) {
      return f.enabled() + "/" + f.weight();
    } else if (s instanceof LaunchDarklyStandIn l) {
      return l.on() + "/" + l.trueWeight();
    } else if (s instanceof UnleashStandIn u) {
      return u.enabled() + "/" + u.rollout();
    }
    return ((VercelStandIn) s).stored();
  }
}
