package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NamesTest {
  record Pair(String a, String b, String why) {}

  @Test
  void spellingsOfOneNameThatLookAlikeAreTheSamePerson() {
    List<Pair> cases =
        List.of(
            new Pair("alice", "Alice", "case"),
            new Pair("alice", "ALICE", "case"),
            new Pair("alice", "ａｌｉｃｅ", "fullwidth"),
            new Pair("alice", "𝐚𝐥𝐢𝐜𝐞", "mathematical bold"),
            new Pair("alice", "ali\u200Dce", "zero-width joiner"),
            new Pair("alice", "ali\u200Bce", "zero-width space"),
            new Pair("alice", "\u202Ealice", "right-to-left override"),
            new Pair("alice", "\u2066alice\u2069", "isolates"),
            new Pair("alice", "alice\uFE0F", "variation selector"),
            new Pair("alice", "al\u00ADice", "soft hyphen"),
            new Pair("alice", "\uFEFFalice", "byte order mark"),
            new Pair("alice", "\u0430lice", "Cyrillic a"),
            new Pair("alice", "\u03B1l\u0456\u0441\u0435", "Greek alpha, Cyrillic i, c, e"),
            new Pair("alice", "\u1D00lice", "small capital A"),
            new Pair("alice", "a\u0337lice", "combining overlay"),
            new Pair("alice", " alice\t", "surrounding whitespace"),
            new Pair("alice smith", "alice \u00A0 smith", "no-break space, runs of spaces"),
            new Pair("straße", "STRASSE", "sharp s folds to ss"),
            new Pair("josé", "jose\u0301", "decomposed accent"),
            new Pair("ivan", "\u0130van", "Turkish dotted capital I"),
            new Pair("bob", "\u0412\u041E\u0412", "Cyrillic capitals VO V look like BOB"));
    for (Pair c : cases) {
      assertThat(Names.same(c.a(), c.b())).as(c.why()).isTrue();
      assertThat(Names.key(c.b())).as(c.why()).isEqualTo(Names.key(c.a()));
    }
  }

  @Test
  void differentNamesStayDifferentPeople() {
    List<Pair> cases =
        List.of(
            new Pair("alice", "alicia", "another name"),
            new Pair("alice", "bob", "another name"),
            new Pair("alice", "al1ce", "ASCII look-alikes are not folded: a terminal shows them"),
            new Pair("", "", "nobody is nobody else"),
            new Pair("\u200B", "\u200D", "invisible names are nobody"),
            new Pair(null, null, "absent names are nobody"),
            new Pair(
                "ivan",
                "\u0438\u0432\u0430\u043D",
                "the Cyrillic name Ivan is not drawn like ivan"));
    for (Pair c : cases) {
      assertThat(Names.same(c.a(), c.b())).as(c.why()).isFalse();
    }
  }

  @Test
  void namesThatCanHideWhoTheyAreAreRefusedWithTheCharacterNamed() {
    record Case(String name, String problem) {}
    List<Case> cases =
        List.of(
            new Case(
                "ali\u200Dce",
                "has an invisible, control or direction-changing character (U+200D)"),
            new Case(
                "\u202Eecila",
                "has an invisible, control or direction-changing character (U+202E)"),
            new Case(
                "alice\uFE0F",
                "has an invisible, control or direction-changing character (U+FE0F)"),
            new Case(
                "alice\n", "has an invisible, control or direction-changing character (U+000A)"),
            new Case(
                "alice\u2028",
                "has an invisible, control or direction-changing character (U+2028)"),
            new Case(
                "alice\uE000",
                "has an invisible, control or direction-changing character (U+E000)"),
            new Case(
                "\u3164alice",
                "has an invisible, control or direction-changing character (U+3164)"),
            new Case("a\u0337lice", "has a combining mark (U+0337) that does not form a letter"),
            new Case(
                "\u0430lice",
                "mixes letters of Cyrillic and Latin script (a look-alike of another name?)"),
            new Case(
                "b\u03BFb",
                "mixes letters of Latin and Greek script (a look-alike of another name?)"),
            new Case("", "a name needs a visible letter or digit"),
            new Case("\u200B\u200D", "a name needs a visible letter or digit"),
            new Case(null, "a name needs a visible letter or digit"));
    for (Case c : cases) {
      assertThat(Names.problem(c.name()))
          .as(Names.display(String.valueOf(c.name())))
          .isEqualTo(c.problem());
    }
  }

  @Test
  void ordinaryNamesInAnyScriptAreAccepted() {
    for (String name :
        List.of(
            "alice",
            "Alice Smith",
            "o'brien",
            "j.doe-2",
            "josé",
            "jose\u0301",
            "Straße",
            "\u0438\u0432\u0430\u043D",
            "\u7530\u4E2D",
            "\u7530\u4E2Dtaro",
            "\u0926\u0947\u0935",
            "\u05D3\u05BC\u05D5\u05D3",
            "ａｌｉｃｅ")) {
      assertThat(Names.problem(name)).as(name).isNull();
    }
  }

  @Test
  void displayShowsInvisibleCharactersAsCodePoints() {
    assertThat(Names.display("ali\u200Dce")).isEqualTo("ali<U+200D>ce");
    assertThat(Names.display("bob\n[ok] approved")).isEqualTo("bob<U+000A>[ok] approved");
    assertThat(Names.display("\u202Eecila")).isEqualTo("<U+202E>ecila");
    assertThat(Names.display("josé")).isEqualTo("josé");
  }

  @Test
  void approvalsSignedIsReadFromThePlanAndIsOffByDefault() {
    String head =
        """
        version: 1
        name: t
        connections: { db: { postgres: "jdbc:postgresql://db/app" } }
        checks: { ok: { sql: db, query: "SELECT 1 AS value", pass: ">= 1" } }
        traffic: { set: { http: "PUT http://flags.test/f", body: '{"v": ${percent}}' } }
        stages: [ { name: canary, percent: 10, soak: 1h, gates: [ok], approval: true } ]
        """;
    assertThat(PlanReader.read(head).approvals().signed()).isFalse();
    assertThat(PlanReader.read(head + "approvals: { approvers: [alice] }\n").approvals().signed())
        .isFalse();
    Plan signed = PlanReader.read(head + "approvals: { approvers: [alice], signed: true }\n");
    assertThat(signed.approvals().signed()).isTrue();
    assertThat(PlanReader.fromTree(PlanJson.write(signed)).approvals().signed()).isTrue();
    assertThat(PlanSummary.text(signed))
        .contains("approvals: alice; signed with a key from the worker's approver keyring");
    try {
      PlanReader.read(head + "approvals: { signed: yes please }\n");
      throw new AssertionError("read a non-boolean approvals.signed");
    } catch (PlanException e) {
      assertThat(e.problems())
          .extracting(Problem::toString)
          .containsExactly("approvals.signed: expected true or false, found \"yes please\"");
    }
  }
}
