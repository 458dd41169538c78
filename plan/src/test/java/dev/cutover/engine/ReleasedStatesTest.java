package dev.cutover.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cutover continued as new carries its {@link CutoverState} as JSON to the next run, and a worker
 * upgraded meanwhile reads it. Each file under {@code src/test/resources/released-states} was
 * recorded by replaying one saved workflow history through the released workflow and engine (its
 * {@code about} says how); this engine must read every state the released one wrote, write it back
 * byte for byte, and from there do exactly what the released engine did.
 */
class ReleasedStatesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  record Recorded(Engine engine, List<JsonNode> calls) {}

  static Recorded recorded(String version) throws IOException {
    try (InputStream in =
        ReleasedStatesTest.class.getResourceAsStream("/released-states/" + version + ".json")) {
      JsonNode file = JSON.readTree(in);
      Engine engine =
          new Engine(
              PlanReader.fromTree(
                  file.get("plan"), PlanReader.Rules.valueOf(file.get("planRules").asText())),
              JSON.treeToValue(file.get("options"), Engine.Options.class));
      List<JsonNode> calls = new ArrayList<>();
      file.get("calls").forEach(calls::add);
      return new Recorded(engine, calls);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2", "v3"})
  void everyStateTheReleasedEngineWroteReadsAndWritesBackUnchanged(String version)
      throws IOException {
    List<JsonNode> states =
        recorded(version).calls().stream()
            .filter(c -> c.has("state"))
            .map(c -> c.get("state"))
            .toList();
    assertThat(states).hasSize(14);
    for (JsonNode written : states) {
      CutoverState read = JSON.treeToValue(written, CutoverState.class);
      assertThat(JSON.writeValueAsString(read)).isEqualTo(JSON.writeValueAsString(written));
      assertThat(JSON.treeToValue(JSON.valueToTree(read), CutoverState.class)).isEqualTo(read);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2", "v3"})
  void fromEveryStateTheReleasedEngineWroteThisOneDoesWhatItDid(String version) throws IOException {
    Recorded r = recorded(version);
    List<String> phases = new ArrayList<>();
    for (int from = 0; from < r.calls().size(); from++) {
      JsonNode checkpoint = r.calls().get(from);
      if (!checkpoint.has("state")) {
        continue;
      }
      CutoverState state = JSON.treeToValue(checkpoint.get("state"), CutoverState.class);
      phases.add(state.phase().name());
      for (int i = from + 1; i < r.calls().size(); i++) {
        JsonNode call = r.calls().get(i);
        Engine.Transition t = call(r.engine(), state, call);
        assertSame(
            r.engine(), t, call, version + " call " + i + " (from the state of call " + from + ")");
        state = t.state();
      }
      assertThat(state.phase()).isEqualTo(State.COMPLETED);
    }
    assertThat(phases)
        .containsExactly(
            "APPLYING",
            "SOAKING",
            "SOAKING",
            "AWAITING_APPROVAL",
            "APPLYING",
            "SOAKING",
            "ROLLING_BACK",
            "ROLLED_BACK",
            "APPLYING",
            "SOAKING",
            "AWAITING_APPROVAL",
            "APPLYING",
            "SOAKING",
            "COMPLETED");
  }

  /**
   * Releases before undoable actions wrote no {@code actionsDone}, before signed signals no {@code
   * signaturesUsed}.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2", "v3"})
  void aStateWrittenBeforeActionsAndSignaturesWereKeptReadsAsHavingNone(String version)
      throws IOException {
    Recorded r = recorded(version);
    int checked = 0;
    for (int i = 0; i + 1 < r.calls().size(); i++) {
      JsonNode written = r.calls().get(i).get("state");
      if (written == null
          || !written.get("actionsDone").isEmpty()
          || !written.get("signaturesUsed").isEmpty()) {
        continue;
      }
      ObjectNode older = written.deepCopy();
      older.remove(List.of("actionsDone", "signaturesUsed"));
      CutoverState read = JSON.treeToValue(older, CutoverState.class);
      assertThat(read.applied().actionsDone()).isNull();
      assertThat(read.journal().signaturesUsed()).isNull();
      assertSame(
          r.engine(),
          call(r.engine(), read, r.calls().get(i + 1)),
          r.calls().get(i + 1),
          version
              + " call "
              + (i + 1)
              + " from the state of call "
              + i
              + " as an older release wrote it");
      checked++;
    }
    assertThat(checked)
        .isEqualTo(version.equals("v1") ? 9 : 10); // the other states have an action done
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2", "v3"})
  void aCutoverStartsAsTheReleasedEngineStartedIt(String version) throws IOException {
    Recorded r = recorded(version);
    JsonNode start = r.calls().get(0).get("start");
    assertSame(
        r.engine(),
        r.engine().start(start.get("by").asText(), start.get("at").asLong()),
        r.calls().get(0),
        version + " start");
  }

  private static Engine.Transition call(Engine engine, CutoverState state, JsonNode call)
      throws IOException {
    if (call.has("tick")) {
      return engine.on(state, new Event.Tick(call.get("tick").asLong()));
    }
    if (call.has("measured")) {
      return engine.on(state, JSON.treeToValue(call.get("measured"), Event.Measured.class));
    }
    if (call.has("effectDone")) {
      JsonNode d = call.get("effectDone");
      return engine.on(
          state,
          new Event.EffectDone(
              d.get("at").asLong(),
              d.get("seq").asLong(),
              d.get("failureType").isNull() ? null : d.get("failureType").asText(),
              d.get("detail").asText()));
    }
    if (call.has("signal")) {
      return engine.on(state, JSON.treeToValue(call.get("signal"), Event.SignalReceived.class));
    }
    JsonNode refuse = call.get("refuse");
    assertThat(refuse).as("a call of a known kind: " + call).isNotNull();
    return engine.refuse(
        state,
        refuse.get("at").asLong(),
        refuse.get("by").asText(),
        refuse.get("action").asText(),
        refuse.get("why").asText());
  }

  private static void assertSame(Engine engine, Engine.Transition t, JsonNode call, String what)
      throws IOException {
    String state = JSON.writeValueAsString(t.state());
    if (call.has("state")) {
      assertThat(state).as(what).isEqualTo(JSON.writeValueAsString(call.get("state")));
    }
    assertThat(sha(state)).as(what + ": the state").isEqualTo(call.get("sha").asText());
    assertThat(JSON.writeValueAsString(commands(t.commands())))
        .as(what + ": the commands")
        .isEqualTo(JSON.writeValueAsString(call.get("commands")));
    assertThat(engine.nextWakeAt(t.state()))
        .as(what + ": the next wake-up")
        .isEqualTo(call.get("wake").asLong());
    assertThat(sha(JSON.writeValueAsString(Status.of(engine, t.state(), t.state().at()))))
        .as(what + ": the status")
        .isEqualTo(call.get("status").asText());
  }

  /** Commands as recorded: what each asks for. */
  private static JsonNode commands(List<Command> commands) {
    var out = JSON.createArrayNode();
    for (Command c : commands) {
      var o = out.addObject();
      if (c instanceof Command.Measure m) {
        o.put("measure", m.seq()).set("checks", JSON.valueToTree(m.checks()));
      } else if (c instanceof Command.Apply a) {
        o.put("apply", a.seq()).set("step", JSON.valueToTree(a.step()));
      } else if (c instanceof Command.Notify n) {
        o.put("notify", n.level().name()).put("text", n.text());
      }
    }
    return out;
  }

  private static String sha(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
