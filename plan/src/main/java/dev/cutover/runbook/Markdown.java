package dev.cutover.runbook;

/** A Markdown document being written, and the escaping its parts need. */
final class Markdown {
  private final StringBuilder b = new StringBuilder();

  void line(String text) {
    b.append(text).append('\n');
  }

  void blank() {
    b.append('\n');
  }

  /** A fenced code block; a fence longer than any run of backticks inside it. */
  void code(String language, String text) {
    String fence = "```";
    while (text.contains(fence)) {
      fence += "`";
    }
    b.append('\n').append(fence).append(language).append('\n');
    b.append(text.strip()).append('\n');
    b.append(fence).append('\n');
  }

  /** Text for a table cell: one line, pipes escaped. */
  static String cell(String text) {
    return text == null ? "" : text.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
  }

  /** Text for inline code: one line, no backticks. */
  static String inline(String text) {
    return text.replace("\r", " ").replace("\n", " ").replace("`", "'").strip();
  }

  @Override
  public String toString() {
    return b.toString();
  }
}
