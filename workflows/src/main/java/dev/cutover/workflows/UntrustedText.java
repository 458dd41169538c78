package dev.cutover.workflows;

/**
 * Text from someone the worker does not trust (a signal's sender, a plan's author) on its way into
 * history, a terminal or a message. Control characters are what forge lines in {@code cutover
 * status} and hide text from a reader: C0/C1 controls, line and paragraph separators, format
 * characters (bidirectional overrides and isolates, zero-width characters) and lone surrogates.
 */
public final class UntrustedText {
  private UntrustedText() {}

  /**
   * A character that moves, hides or reorders what a reader sees. Spelled out rather than asked of
   * {@link Character#getType}, whose answer changes with the JDK's Unicode version: workflow code
   * must decide the same way on every worker that ever replays it.
   */
  public static boolean isControl(int cp) {
    return cp <= 0x1F
        || (cp >= 0x7F && cp <= 0x9F) // C0, DEL, C1
        || cp == 0xAD
        || cp == 0x061C
        || cp == 0x180E // soft hyphen, Arabic letter mark, Mongolian vowel separator
        || (cp >= 0x200B && cp <= 0x200F) // zero-width space/joiners, LRM, RLM
        || (cp >= 0x2028
            && cp <= 0x202E) // line and paragraph separators, bidi embeddings and overrides
        || (cp >= 0x2060
            && cp <= 0x206F) // word joiner, invisible operators, bidi isolates, deprecated formats
        || (cp >= 0xD800 && cp <= 0xDFFF) // a lone surrogate
        || cp == 0xFEFF
        || (cp >= 0xFFF9 && cp <= 0xFFFB) // BOM, interlinear annotations
        || (cp >= 0xE0000 && cp <= 0xE007F); // tags
  }

  public static boolean hasControl(String s) {
    return s != null && s.codePoints().anyMatch(UntrustedText::isControl);
  }

  /**
   * Free text (a reason, a comment) made safe to keep: each control character becomes a space, and
   * text longer than {@code max} characters is cut there with a marker saying how much was cut.
   */
  public static String clean(String s, int max) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), max + 40));
    int kept = 0;
    int i = 0;
    while (i < s.length() && kept < max) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      if (kept + n > max) {
        break;
      }
      if (isControl(cp)) {
        b.append(' ');
      } else {
        b.appendCodePoint(cp);
      }
      kept += n;
      i += n;
    }
    if (i < s.length()) {
      b.append(" [... ").append(s.length() - i).append(" more characters cut]");
    }
    return b.toString();
  }

  /**
   * For showing: each control character written as an escape ({@code \n}, {@code \u202e}), so it
   * can neither start a line nor hide one. Null stays null.
   */
  public static String visible(String s) {
    if (s == null || !hasControl(s)) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    s.codePoints()
        .forEach(
            cp -> {
              if (!isControl(cp)) {
                b.appendCodePoint(cp);
              } else if (cp == '\n') {
                b.append("\\n");
              } else if (cp == '\r') {
                b.append("\\r");
              } else if (cp == '\t') {
                b.append("\\t");
              } else if (cp > 0xFFFF) {
                b.append(String.format("\\U%08x", cp));
              } else {
                b.append(String.format("\\u%04x", cp));
              }
            });
    return b.toString();
  }

  /** For quoting untrusted text in a message: visible, and cut at {@code max} characters. */
  static String quoted(String s, int max) {
    String v = visible(s);
    return "\""
        + (v.length() > max
            ? v.substring(0, max) + "...\" (" + s.length() + " characters)"
            : v + "\"");
  }
}
