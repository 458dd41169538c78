package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.engine.Step;
import dev.cutover.plan.Action;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import dev.cutover.workflows.ApplyEffectRequest;
import dev.cutover.workflows.EffectResult;
import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Step outputs on the wire: an alert silence's id read from a real HTTP server's answer, kept only
 * when short, plain and no secret, and sent in the undo's path; an undo whose output never came
 * back is not sent at all.
 */
class StepOutputsTest {
  private static final String TOKEN = "tok-outputs-5ecret-31a9";

  private HttpServer server;
  private volatile String answer = "{\"silenceID\": \"s-42\"}";
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private CutoverActivitiesImpl activities;
  private Plan plan;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    activities =
        new CutoverActivitiesImpl(Fixtures.settings("AM_TOKEN", TOKEN), Duration.ofSeconds(10));
    plan =
        PlanReader.fromTree(
            PlanReader.parseTree(
                """
                version: 1
                name: quiet
                connections:
                  am: { http: "http://127.0.0.1:%d", headers: { Authorization: "Bearer ${env:AM_TOKEN}" } }
                checks:
                  ok: { http: "GET am:/-/healthy", expect: { status: 200 } }
                stages:
                  - name: quiet
                    actions:
                      - http: "POST am:/api/v2/silences"
                        body: '{"comment": "cutover ${stage}"}'
                        outputs: { silence_id: "$.silenceID" }
                        undo: { http: "DELETE am:/api/v2/silence/${output:silence_id}?by=cutover" }
                    gates: [ok]
                """
                    .formatted(server.getAddress().getPort())),
            PlanReader.Rules.OUTPUTS);
  }

  @AfterEach
  void stop() {
    activities.close();
    server.stop(0);
  }

  private ApplyEffectRequest post() {
    Action post = plan.stages().get(0).actions().get(0);
    return new ApplyEffectRequest(
        "cutover-quiet",
        "cutover-quiet/quiet/actions/0",
        "quiet",
        new Step(Step.Kind.ACTION, 0, 0, null, null, "quiet/actions/0"),
        null,
        null,
        post,
        plan.connections());
  }

  private ApplyEffectRequest undo(Map<String, String> outputs) {
    Action undo = plan.stages().get(0).actions().get(0).undo();
    return new ApplyEffectRequest(
        "cutover-quiet",
        "cutover-quiet/rollback-1/quiet/actions/0/undo",
        "quiet",
        new Step(Step.Kind.UNDO_ACTION, 0, 0, null, null, "rollback-1/quiet/actions/0/undo"),
        null,
        null,
        undo,
        plan.connections(),
        outputs);
  }

  @Test
  void theActionsAnswerGivesTheSilenceIdAndTheUndoDeletesThatSilence() {
    EffectResult done = activities.applyEffectWithOutputs(post());

    assertThat(done.outputs()).containsExactly(Map.entry("silence_id", "s-42"));
    assertThat(done.detail()).isEqualTo("POST am:/api/v2/silences -> 200; outputs silence_id=s-42");

    String undone = activities.applyEffect(undo(done.outputs()));

    // an output is no secret: the description shows it as sent
    assertThat(undone).isEqualTo("DELETE am:/api/v2/silence/s-42?by=cutover -> 200");
    assertThat(requests)
        .containsExactly("POST /api/v2/silences", "DELETE /api/v2/silence/s-42?by=cutover");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          a path in the id     | {"silenceID": "../../admin"}       | $.silenceID holds characters other than letters, digits and . _ : -
          a query in the id    | {"silenceID": "x?drop=1"}          | $.silenceID holds characters other than letters, digits and . _ : -
          a long id            | {"silenceID": "%s"}                | $.silenceID is longer than 128 characters
          the token echoed     | {"silenceID": "tok-outputs-5ecret-31a9"} | $.silenceID holds a secret
          no id                | {"status": "ok"}                   | $.silenceID is missing
          an object            | {"silenceID": {"id": 1}}           | $.silenceID is not a number or text
          no JSON              | silenced                           | the answer's body is not JSON
          """)
  void anAnswerThatCannotBeAnOutputFailsTheStepAndNamesWhy(String what, String body, String why) {
    answer = body.formatted("a".repeat(129));

    ApplicationFailure f = failure(() -> activities.applyEffectWithOutputs(post()));

    assertThat(f.getType()).as(what).isEqualTo(FailureTypes.EXPECTATION_FAILED);
    assertThat(f.getOriginalMessage())
        .as(what)
        .isEqualTo("POST am:/api/v2/silences -> 200, but output silence_id cannot be kept: " + why)
        .doesNotContain(TOKEN);
  }

  @Test
  void anUndoWhoseOutputNeverCameBackIsNotSent() {
    ApplicationFailure f = failure(() -> activities.applyEffect(undo(Map.of())));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.getOriginalMessage())
        .isEqualTo("uses ${output:silence_id}, but no earlier action of stage quiet returned it");
    assertThat(requests).isEmpty();
  }
}
