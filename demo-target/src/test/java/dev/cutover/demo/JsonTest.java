package dev.cutover.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JsonTest {

  @Test
  void scalars_parse_to_java_values() throws Exception {
    assertThat(Json.parse("true")).isEqualTo(Boolean.TRUE);
    assertThat(Json.parse(" false ")).isEqualTo(Boolean.FALSE);
    assertThat(Json.parse("null")).isSameAs(Json.NULL);
    assertThat(Json.parse("-12.5e1")).isEqualTo(new BigDecimal("-12.5e1"));
    assertThat(Json.parse("0")).isEqualTo(BigDecimal.ZERO);
    assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\""))
        .isEqualTo("a\"b\\c/d\n\u00e9\ud83d\ude00");
  }

  @Test
  void objects_and_arrays_parse_in_order_with_the_last_duplicate_key_winning() throws Exception {
    Map<String, Object> obj =
        Json.parseObject("{\"b\": [1, {\"x\": []}], \"a\": {}, \"b2\": null, \"a\": 2}");
    assertThat(obj.keySet()).containsExactly("b", "a", "b2");
    assertThat(obj.get("a")).isEqualTo(new BigDecimal("2"));
    assertThat((List<?>) obj.get("b")).hasSize(2).first().isEqualTo(BigDecimal.ONE);
    assertThat(obj.get("b2")).isSameAs(Json.NULL);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "{",
        "}",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "{'a':1}",
        "01",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "tru",
        "nul",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"\\u12\"",
        "\"tab\there\"",
        "1 2",
        "{} x",
        "{\"a\" 1}",
        "[1 2]",
        "NaN",
        "Infinity"
      })
  void invalid_documents_are_rejected(String text) {
    assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(Json.ParseException.class);
  }

  @Test
  void deeply_nested_input_is_rejected_instead_of_overflowing_the_stack() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(Json.ParseException.class);
  }

  @Test
  void parse_object_rejects_documents_that_are_not_objects() {
    assertThatThrownBy(() -> Json.parseObject("[1]")).isInstanceOf(Json.ParseException.class);
    assertThatThrownBy(() -> Json.parseObject("3")).isInstanceOf(Json.ParseException.class);
  }

  @Test
  void writing_escapes_strings_and_round_trips() throws Exception {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("s", "q\"b\\n\n\t\u0001\u2028");
    value.put("n", new BigDecimal("0.25"));
    value.put("d", 2.0);
    value.put("small", 1.5e-4);
    value.put("l", 7L);
    value.put("t", true);
    value.put("z", null);
    value.put("list", Arrays.asList(1, "x", Json.NULL));
    value.put("raw", new Json.Raw("{\"k\":1}"));
    String text = Json.write(value);
    assertThat(text).startsWith("{\"s\":\"q\\\"b\\\\n\\n\\t\\u0001\\u2028\",\"n\":0.25,\"d\":2,");
    Map<String, Object> back = Json.parseObject(text);
    assertThat(back.get("s")).isEqualTo(value.get("s"));
    assertThat(back.get("small")).isEqualTo(new BigDecimal("1.5E-4"));
    assertThat(back.get("z")).isSameAs(Json.NULL);
    assertThat(back.get("raw")).isEqualTo(Map.of("k", BigDecimal.ONE));
    assertThat(back).containsKeys("n", "d", "l", "t", "list");
  }

  @Test
  void numbers_are_written_without_a_needless_fraction_and_never_as_nan() {
    assertThat(Json.number(25.0)).isEqualTo("25");
    assertThat(Json.number(0.25)).isEqualTo("0.25");
    assertThat(Json.number(-3)).isEqualTo("-3");
    assertThatThrownBy(() -> Json.number(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.write(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
