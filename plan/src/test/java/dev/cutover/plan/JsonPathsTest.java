package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JSON paths through Jayway JsonPath: the paths plans always wrote, filters, and the bounds. */
class JsonPathsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode tree(String json) throws Exception {
    return JSON.readTree(json);
  }

  /** A path and what it reads, as text ({@code missing} for nothing there). */
  private record Case(String path, String found) {}

  @Test
  void everyPathOfTheFormerSubsetReadsWhatItReadBefore() throws Exception {
    JsonNode doc =
        tree(
            """
            {"status": "ok", "a": {"b": [{"c": 5}, {"c": 6.5}]}, "d-e": true, "n": null,
             "build.version": "1.2", "0": "zero", "items": [], "x_y": {"z-1": [10]}}
            """);
    List<Case> cases =
        List.of(
            new Case("$.status", "\"ok\""),
            new Case("$.a.b[0].c", "5"),
            new Case("$.a.b[1].c", "6.5"),
            new Case("$['d-e']", "true"),
            new Case("$[\"d-e\"]", "true"),
            new Case("$.d-e", "true"),
            new Case("$['build.version']", "\"1.2\""),
            new Case("$.n", "null"),
            new Case("$.0", "\"zero\""),
            new Case("$.x_y.z-1[0]", "10"),
            new Case("$.a", "{\"b\":[{\"c\":5},{\"c\":6.5}]}"),
            new Case("$", doc.toString()),
            new Case("$.missing", "missing"),
            new Case("$.a.b[2]", "missing"),
            new Case("$.a.b[0].c.d", "missing"),
            new Case("$.status[0]", "missing"),
            new Case("$.items[0]", "missing"));
    for (Case c : cases) {
      JsonNode found = JsonPaths.read(doc, c.path());
      assertThat(JsonPaths.isValid(c.path())).as(c.path()).isTrue();
      assertThat(found.isMissingNode() ? "missing" : found.toString())
          .as(c.path())
          .isEqualTo(c.found());
    }
  }

  @Test
  void aFilterYieldsTheListOfWhatItMatched() throws Exception {
    JsonNode own =
        tree(
            "{\"data\": [{\"id\": 1, \"author_id\": \"u1\"}, {\"id\": 2, \"author_id\": \"u1\"}]}");
    JsonNode mixed =
        tree(
            "{\"data\": [{\"id\": 1, \"author_id\": \"u1\"}, {\"id\": 2, \"author_id\": \"u2\"}]}");
    String othersItems = "$.data[?(@.author_id != 'u1')]";
    assertThat(JsonPaths.read(own, othersItems)).isEqualTo(tree("[]"));
    assertThat(JsonPaths.read(mixed, othersItems))
        .isEqualTo(tree("[{\"id\": 2, \"author_id\": \"u2\"}]"));
    assertThat(JsonPaths.read(mixed, "$.data[?(@.author_id == 'u2')].id")).isEqualTo(tree("[2]"));
    assertThat(JsonPaths.read(mixed, "$.data.length()").asInt()).isEqualTo(2);
    assertThat(JsonPaths.read(mixed, "$..author_id")).isEqualTo(tree("[\"u1\", \"u2\"]"));
    assertThat(JsonPaths.sameValue(JsonPaths.read(own, othersItems), tree("[]"))).isTrue();
  }

  @Test
  void refusesPathsThatCouldRunLongOnALargeResponseSayingWhy() {
    assertThat(JsonPaths.problem("$.a[?(@.name =~ /(a+)+$/)]"))
        .isEqualTo("uses a regular expression (=~); compare with ==, !=, in or contains instead");
    assertThat(JsonPaths.problem("$..a..b"))
        .isEqualTo("has more than one deep scan (..); it could take too long on a large response");
    assertThat(JsonPaths.problem("$.a[?(@.b[?(@.c == 1)])]"))
        .isEqualTo("has a filter inside a filter; it could take too long on a large response");
    assertThat(JsonPaths.problem("$.a[?(@..c == 1)]"))
        .isEqualTo(
            "has a deep scan (..) inside a filter; it could take too long on a large response");
    assertThat(JsonPaths.problem("$.a[?(@.b == '" + "x".repeat(300) + "')]"))
        .isEqualTo("is longer than 256 characters");
    // Inside a quoted name or literal, the same characters are only text.
    assertThat(JsonPaths.problem("$['..x..=~']")).isNull();
    assertThat(JsonPaths.problem("$.a[?(@.b == '=~..[?(')]")).isNull();
  }

  @Test
  void whatIsNotAPathIsRefusedAndReadsAsNothing() throws Exception {
    for (String bad : List.of("a.b", "$.a[", "$.[", "$a", "", "$.a[?(@.b ==)]")) {
      assertThat(JsonPaths.problem(bad))
          .as(bad)
          .isEqualTo("is not a JSON path such as $.status or $.items[0].value");
      assertThat(JsonPaths.read(tree("{\"a\": {\"b\": 1}}"), bad).isMissingNode()).as(bad).isTrue();
    }
  }

  @Test
  void aLargeDocumentWithADeepScanAndAFilterIsReadInLinearTime() throws Exception {
    StringBuilder b = new StringBuilder("{\"items\": [");
    for (int i = 0; i < 20_000; i++) {
      b.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"tags\":[\"x\",\"y\"]}");
    }
    JsonNode big = tree(b.append("]}").toString()); // about 0.6 MB
    long t0 = System.nanoTime();
    assertThat(JsonPaths.read(big, "$..items[?(@.id == 19999)].id")).isEqualTo(tree("[19999]"));
    assertThat(JsonPaths.read(big, "$..id").size()).isEqualTo(20_000);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
  }
}
