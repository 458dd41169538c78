package dev.cutover.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.plan.PlanReader;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

/**
 * What a continued run reads from what continue-as-new handed it, by this release and the ones
 * before.
 */
class InputCheckTest {
  static final JsonNode PLAN = ForgedStartTest.plan("shop");
  static final CutoverState STATE = new Engine(PlanReader.fromTree(PLAN)).start("carol", 0).state();

  @Test
  void aContinuedRunTakesTheStateRulesAndAdmissionItWasHanded() {
    CutoverInput in = CutoverInput.continued(PLAN, "carol", STATE, PlanReader.Rules.CURRENT, true);
    InputCheck.Checked c = InputCheck.checkContinued(in.json());
    assertThat(c.state()).isEqualTo(STATE);
    assertThat(c.planRules()).isEqualTo(PlanReader.Rules.CURRENT);
    assertThat(c.signaturesRequired()).isTrue();
    assertThat(c.startedBy()).isEqualTo("carol");
    assertThat(c.plan()).isEqualTo(PLAN);
  }

  @Test
  void aRunContinuedByAnEarlierReleaseKeepsItsRulesAndRequiresNoSignatures() {
    // The second release carried planRules but no signaturesRequired; the first carried neither.
    InputCheck.Checked second =
        InputCheck.checkContinued(
            new CutoverInput(PLAN, "carol", STATE, PlanReader.Rules.CURRENT).json());
    assertThat(second.planRules()).isEqualTo(PlanReader.Rules.CURRENT);
    assertThat(second.signaturesRequired()).isFalse();
    InputCheck.Checked first =
        InputCheck.checkContinued(new CutoverInput(PLAN, "carol", STATE, null).json());
    assertThat(first.planRules()).isEqualTo(PlanReader.Rules.FIRST_RELEASE);
    assertThat(first.state()).isEqualTo(STATE);
  }

  @Test
  void theWireShapeIsThePlainObjectEarlierReleasesWrote() {
    assertThat(CutoverInput.start(PLAN, "carol").json().fieldNames())
        .toIterable()
        .containsExactly("plan", "startedBy");
    assertThat(new CutoverInput(PLAN, "carol", null, null).json().toString())
        .endsWith(",\"startedBy\":\"carol\",\"state\":null,\"planRules\":null}");
    assertThat(
            CutoverInput.continued(PLAN, "carol", STATE, PlanReader.Rules.HARDENED, false)
                .json()
                .fieldNames())
        .toIterable()
        .containsExactly("plan", "startedBy", "state", "planRules", "signaturesRequired");
  }

  @Test
  void aContinuedInputThatDoesNotReadFailsNamingEachField() {
    ObjectNode in =
        (ObjectNode)
            CutoverInput.continued(PLAN, "carol", STATE, PlanReader.Rules.CURRENT, true).json();
    in.put("state", "garbage")
        .put("planRules", "LOOSEST")
        .put("signaturesRequired", "yes")
        .put("startedBy", 3);
    assertThatThrownBy(() -> InputCheck.checkContinued(in))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_INPUT);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .startsWith(
                      ForgedStartTest.INVALID
                          + "startedBy: must be a string\n  state: not a"
                          + " cutover's state (")
                  .endsWith(
                      ")\n  planRules: \"LOOSEST\" is not one of [FIRST_RELEASE, CURRENT, HARDENED, SEQUENTIAL_COMPARE, RUNBOOK, OUTPUTS, STATISTICS]\n"
                          + "  signaturesRequired: must be true or false");
            });
  }

  @Test
  void nullCarriedFieldsAreNotCarriedAtAll() {
    // What releases before this one sent for a new cutover: "state": null, "planRules": null.
    assertThat(InputCheck.carriesState(new CutoverInput(PLAN, "carol", null, null).json()))
        .isFalse();
    assertThat(InputCheck.checkNew(new CutoverInput(PLAN, "carol", null, null).json()).startedBy())
        .isEqualTo("carol");
  }
}
