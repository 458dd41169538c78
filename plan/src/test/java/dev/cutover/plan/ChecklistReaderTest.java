package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A stage's {@code checklist}: tasks a person confirms before it starts or before it completes. */
class ChecklistReaderTest {
  static final String PLAN =
      RunbookRulesTest.HEADER
          + """
      stages:
        - name: canary
          percent: 10
          soak: 1h
          checklist:
            beforeStart:
              - { id: dns-ttl-lowered, text: "DNS TTL lowered to 60 s" }
              - { id: on-call-ready, text: "On-call engineer online" }
        - name: full
          percent: 100
          soak: 1h
          checklist:
            beforeComplete:
              - { id: status-page-posted, text: "Status page posted" }
      """;

  static String with(String from, String to) {
    assertThat(PLAN).contains(from);
    return PLAN.replace(from, to);
  }

  @Test
  void readsEachStagesTasksInOrderAndWritesThemBack() {
    Plan p = PlanReader.fromTree(PlanReader.parseTree(PLAN), PlanReader.Rules.NEWEST);
    assertThat(p.stages().get(0).checklist())
        .isEqualTo(
            new Checklist(
                java.util.List.of(
                    new Checklist.Task("dns-ttl-lowered", "DNS TTL lowered to 60 s"),
                    new Checklist.Task("on-call-ready", "On-call engineer online")),
                java.util.List.of()));
    assertThat(p.stages().get(1).checklist().beforeComplete())
        .containsExactly(new Checklist.Task("status-page-posted", "Status page posted"));
    assertThat(PlanReader.fromTree(PlanJson.write(p), PlanReader.Rules.NEWEST)).isEqualTo(p);
  }

  @Test
  void aStageWithoutAChecklistHasNone() {
    Plan p = PlanReader.read(RunbookRulesTest.PLAN);
    assertThat(p.stages()).allMatch(s -> s.checklist().isEmpty());
    assertThat(PlanJson.write(p).toString()).doesNotContain("checklist");
  }

  static Stream<Arguments> refused() {
    String task = "{ id: dns-ttl-lowered, text: \"DNS TTL lowered to 60 s\" }";
    return Stream.of(
        Arguments.of(
            "an unknown list",
            with("beforeComplete:", "afterComplete:"),
            "stages[1].checklist: a checklist has beforeStart, beforeComplete or both; leave it"
                + " out if empty\n"
                + "stages[1].checklist.afterComplete: unknown field \"afterComplete\" (expected one"
                + " of: beforeStart, beforeComplete)"),
        Arguments.of(
            "an empty list",
            with(
                "beforeComplete:\n        - { id: status-page-posted, text: \"Status page posted\" }",
                "beforeComplete: []"),
            "stages[1].checklist.beforeComplete: an empty list does nothing; leave it out"),
        Arguments.of(
            "a task id used twice",
            with("id: status-page-posted", "id: dns-ttl-lowered"),
            "stages[1].checklist.beforeComplete[0].id: duplicate task id \"dns-ttl-lowered\" (also"
                + " at stages[0].checklist.beforeStart[0].id)"),
        Arguments.of(
            "a task id that is not a name",
            with("id: on-call-ready", "id: On Call"),
            "stages[0].checklist.beforeStart[1].id: \"On Call\" must match ^[a-z0-9][a-z0-9-]{0,62}$"
                + " (it is what cutover confirm names)"),
        Arguments.of(
            "a task without text",
            with(", text: \"Status page posted\"", ""),
            "stages[1].checklist.beforeComplete[0].text: required"),
        Arguments.of(
            "a blank text",
            with("\"Status page posted\"", "\"  \""),
            "stages[1].checklist.beforeComplete[0].text: says what a person does, e.g. \"DNS TTL"
                + " lowered to 60 s\""),
        Arguments.of(
            "a text of two lines",
            with("\"Status page posted\"", "\"Status page\\nposted\""),
            "stages[1].checklist.beforeComplete[0].text: holds U+000A at 11; a task's text is one"
                + " plain line"),
        Arguments.of(
            "a text with a bidirectional override",
            with("\"Status page posted\"", "\"Status \\u202Epage\""),
            "stages[1].checklist.beforeComplete[0].text: holds U+202E at 7; a task's text is one"
                + " plain line"),
        Arguments.of(
            "a text too long",
            with("\"Status page posted\"", "\"" + "x".repeat(201) + "\""),
            "stages[1].checklist.beforeComplete[0].text: is at most 200 characters; this one has"
                + " 201"),
        Arguments.of(
            "an unknown task field",
            with("text: \"Status page posted\"", "text: \"Status page posted\", owner: alice"),
            "stages[1].checklist.beforeComplete[0].owner: unknown field \"owner\" (expected one"
                + " of: id, text)"),
        Arguments.of(
            "a task written as a string",
            with(
                "- { id: status-page-posted, text: \"Status page posted\" }",
                "- status-page-posted"),
            "stages[1].checklist.beforeComplete[0]: expected an object (key: value pairs), found"
                + " \"status-page-posted\""),
        Arguments.of(
            "more than 20 tasks in a list",
            with(
                "beforeComplete:\n        - { id: status-page-posted, text: \"Status page posted\" }",
                "beforeComplete: ["
                    + String.join(
                        ", ",
                        java.util.stream.IntStream.range(0, 21)
                            .mapToObj(i -> "{ id: t" + i + ", text: x }")
                            .toList())
                    + "]"),
            "stages[1].checklist.beforeComplete: has 21 tasks; at most 20"),
        Arguments.of(
            "a checklist that is not an object",
            with(
                "checklist:\n      beforeComplete:\n        - "
                    + "{ id: status-page-posted, text: \"Status page posted\" }",
                "checklist: [" + task.replace("dns-ttl-lowered", "x") + "]"),
            "stages[1].checklist: expected an object (key: value pairs), found a list"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWithThePath(String what, String yaml, String expected) {
    assertThat(PlanBoundsTest.problems(yaml, PlanReader.Rules.NEWEST))
        .containsExactly(expected.split("\n"));
  }

  @Test
  void aPlanHoldsAtMostAHundredTasks() {
    StringBuilder yaml = new StringBuilder(RunbookRulesTest.HEADER + "stages:\n");
    for (int s = 0; s < 6; s++) {
      yaml.append("  - name: s").append(s).append("\n    percent: 10\n    checklist:\n");
      yaml.append("      beforeStart: [");
      for (int i = 0; i < 20; i++) {
        yaml.append(i == 0 ? "" : ", ").append("{ id: t").append(s).append('-').append(i);
        yaml.append(", text: x }");
      }
      yaml.append("]\n");
    }
    assertThat(PlanBoundsTest.problems(yaml.toString(), PlanReader.Rules.NEWEST))
        .contains("stages[5].checklist.beforeStart[0].id: a plan has at most 100 checklist tasks")
        .hasSize(20);
  }
}
