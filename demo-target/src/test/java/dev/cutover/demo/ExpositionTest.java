package dev.cutover.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The test-side exposition reader must itself catch what it is used to catch. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExpositionTest {

  @Test
  void broken_text_is_rejected() {
    assertThatThrownBy(() -> Exposition.parse("x 1\n")).hasMessageContaining("before TYPE");
    assertThatThrownBy(() -> Exposition.parse("# TYPE x counter\nx{a=\"1\" 1\n"))
        .hasMessageContaining("not a sample");
    assertThatThrownBy(() -> Exposition.parse("# TYPE x counter\nx 1"))
        .hasMessageContaining("newline");
    assertThatThrownBy(() -> Exposition.parse("# TYPE x counter\nx one\n"))
        .hasMessageContaining("bad value");
    assertThatThrownBy(
            () ->
                Exposition.parse(
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 5\n"
                        + "h_bucket{le=\"+Inf\"} 4\nh_sum 1\nh_count 4\n"))
        .hasMessageContaining("not cumulative");
    assertThatThrownBy(
            () ->
                Exposition.parse(
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 3\n"
                        + "h_bucket{le=\"+Inf\"} 4\nh_sum 1\nh_count 5\n"))
        .hasMessageContaining("_count");
    assertThat(Exposition.parse("# HELP x an x\n# TYPE x counter\nx{a=\"q\\\"\"} 1.5e3\n"))
        .containsEntry("x{a=\"q\\\"\"}", 1500.0);
  }

  @Test
  void families_must_be_contiguous_and_typed_once() {
    assertThatThrownBy(
            () -> Exposition.parse("# TYPE x counter\n# TYPE y counter\nx 1\ny 1\nx{a=\"b\"} 2\n"))
        .hasMessageContaining("not contiguous");
    assertThatThrownBy(() -> Exposition.parse("# TYPE x counter\n# TYPE x counter\nx 1\n"))
        .hasMessageContaining("second TYPE");
    assertThatThrownBy(() -> Exposition.parse("# TYPE x counter\nx 1\nx 2\n"))
        .hasMessageContaining("duplicate series");
  }
}
