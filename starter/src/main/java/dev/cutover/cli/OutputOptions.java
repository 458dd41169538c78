package dev.cutover.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Option;

/** {@code --output text|json}: data goes to stdout in the chosen form; messages go to stderr. */
final class OutputOptions {
  enum Format {
    text,
    json
  }

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(
      names = {"-o", "--output"},
      description = "text or json (default text)")
  Format format = Format.text;

  boolean json() {
    return format == Format.json;
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
