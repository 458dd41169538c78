package dev.cutover.plan;

import java.text.Normalizer;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How people's names (a signal's {@code by}, the starter, {@code approvals.approvers}, the names in
 * the worker's approver keyring) are compared, so that two spellings of one name are the same
 * person or are refused, never two different people.
 *
 * <p>{@link #key} is the identity: Unicode NFKC (fullwidth {@code ａｌｉｃｅ} and mathematical {@code
 * 𝐚𝐥𝐢𝐜𝐞} are {@code alice}), case folded ({@code Alice} is {@code alice}: people's names and
 * user names are not case-sensitive identities), with invisible characters (zero-width joiners and
 * spaces, direction overrides, variation selectors, fillers) and stray combining diacritics
 * removed, runs of spaces collapsed, and the Cyrillic, Greek and small-capital letters that look
 * like Latin ones mapped to them ({@code аlice} with a Cyrillic {@code а} is {@code alice}). It is
 * deliberately coarse: two genuinely different names that look alike count as one person, which can
 * only refuse an approval (four eyes), never let a second identity in.
 *
 * <p>{@link #problem} says why a name is refused outright where identity matters (an approval or
 * another signal that moves a cutover on, a keyring entry, a plan's approver): control, invisible
 * or direction-changing characters, a combining diacritic that does not form a letter, or letters
 * mixed from scripts that are used to imitate each other (Latin, Cyrillic, Greek, ...). ASCII
 * look-alikes ({@code l} and {@code 1}, {@code rn} and {@code m}) are not folded: they show as what
 * they are in any terminal.
 */
public final class Names {
  private Names() {}

  /**
   * Letters that are drawn like a Latin letter, mapped to it (lower case: keys are case folded
   * first).
   */
  private static final Map<Integer, Character> LOOKALIKES =
      lookalikes(
          // Cyrillic
          "а",
          'a',
          "в",
          'b',
          "ь",
          'b',
          "е",
          'e',
          "ё",
          'e',
          "һ",
          'h',
          "н",
          'h',
          "і",
          'i',
          "ї",
          'i',
          "ј",
          'j',
          "к",
          'k',
          "ӏ",
          'l',
          "м",
          'm',
          "о",
          'o',
          "р",
          'p',
          "ԛ",
          'q',
          "ѕ",
          's',
          "т",
          't',
          "у",
          'y',
          "ү",
          'y',
          "ԝ",
          'w',
          "х",
          'x',
          "с",
          'c',
          "ԁ",
          'd',
          // Greek
          "α",
          'a',
          "β",
          'b',
          "ε",
          'e',
          "η",
          'n',
          "ι",
          'i',
          "κ",
          'k',
          "μ",
          'u',
          "ν",
          'v',
          "ο",
          'o',
          "ρ",
          'p',
          "τ",
          't',
          "υ",
          'u',
          "χ",
          'x',
          "γ",
          'y',
          "ω",
          'w',
          // Latin letters that look like others, and small capitals
          "ı",
          'i',
          "ɑ",
          'a',
          "ɡ",
          'g',
          "ɩ",
          'i',
          "ᴀ",
          'a',
          "ʙ",
          'b',
          "ᴄ",
          'c',
          "ᴅ",
          'd',
          "ᴇ",
          'e',
          "ɢ",
          'g',
          "ʜ",
          'h',
          "ɪ",
          'i',
          "ᴊ",
          'j',
          "ᴋ",
          'k',
          "ʟ",
          'l',
          "ᴍ",
          'm',
          "ɴ",
          'n',
          "ᴏ",
          'o',
          "ᴘ",
          'p',
          "ʀ",
          'r',
          "ꜱ",
          's',
          "ᴛ",
          't',
          "ᴜ",
          'u',
          "ᴠ",
          'v',
          "ᴡ",
          'w',
          "ʏ",
          'y',
          "ᴢ",
          'z');

  /**
   * The identity of a name: equal keys are the same person. Empty for null, blank or a name of
   * nothing but invisible characters.
   */
  public static String key(String name) {
    if (name == null) {
      return "";
    }
    String s = Normalizer.normalize(name, Normalizer.Form.NFKC);
    // Upper then lower folds the letters that have no one-to-one lower case (ß -> ss, ς -> σ, ı ->
    // i).
    s = s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    s = Normalizer.normalize(s, Normalizer.Form.NFKC);
    StringBuilder out = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (invisible(cp) || strayMark(cp)) {
        continue;
      }
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        space = out.length() > 0;
        continue;
      }
      if (space) {
        out.append(' ');
        space = false;
      }
      Character latin = LOOKALIKES.get(cp);
      if (latin != null) {
        out.append(latin.charValue());
      } else {
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }

  /** Whether two names are the same person: both non-empty with equal {@link #key}s. */
  public static boolean same(String a, String b) {
    String k = key(a);
    return !k.isEmpty() && k.equals(key(b));
  }

  /**
   * Why {@code name} cannot stand for a person, or null when it can: it is blank, or it has a
   * control, invisible or direction-changing character, a combining diacritic that does not compose
   * into a letter, or letters from two scripts that imitate each other. The reason shows the
   * offending character as {@code U+XXXX}, never raw.
   */
  public static String problem(String name) {
    if (name == null || key(name).isEmpty()) {
      return "a name needs a visible letter or digit";
    }
    String s = Normalizer.normalize(name, Normalizer.Form.NFC);
    Set<String> scripts = new LinkedHashSet<>();
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (invisible(cp) || Character.getType(cp) == Character.CONTROL) {
        return "has an invisible, control or direction-changing character (" + codePoint(cp) + ")";
      }
      if (strayMark(cp)) {
        return "has a combining mark (" + codePoint(cp) + ") that does not form a letter";
      }
      if (Character.isLetter(cp)) {
        scripts.add(scriptGroup(Character.UnicodeScript.of(cp)));
      }
    }
    scripts.remove("COMMON");
    if (scripts.size() > 1
        && !(scripts.size() == 2 && scripts.contains("LATIN") && scripts.contains("CJK"))) {
      return "mixes letters of "
          + String.join(" and ", scripts.stream().map(Names::title).toList())
          + " script (a look-alike of another name?)";
    }
    return null;
  }

  /**
   * {@code s} with every control, invisible or direction-changing character shown as {@code
   * <U+XXXX>}.
   */
  public static String display(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (invisible(cp) || Character.getType(cp) == Character.CONTROL) {
        out.append('<').append(codePoint(cp)).append('>');
      } else {
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }

  /**
   * Characters that draw nothing (or change the direction of what follows) and so let two names
   * that look the same differ: format characters (zero-width space and joiners, direction marks,
   * overrides and isolates, the BOM, soft hyphen), unassigned, private-use and surrogate code
   * points, line and paragraph separators, variation selectors, the combining grapheme joiner and
   * the blank-looking fillers.
   */
  private static boolean invisible(int cp) {
    switch (Character.getType(cp)) {
      case Character.FORMAT,
          Character.UNASSIGNED,
          Character.PRIVATE_USE,
          Character.SURROGATE,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR -> {
        return true;
      }
      case Character.CONTROL -> {
        // Tabs and newlines are whitespace to key(); problem() refuses them as control characters.
        return !Character.isWhitespace(cp);
      }
      default -> {
        return (cp >= 0xFE00 && cp <= 0xFE0F)
            || (cp >= 0xE0100 && cp <= 0xE01EF)
            || (cp >= 0x180B && cp <= 0x180F)
            || cp == 0x034F
            || cp == 0x115F
            || cp == 0x1160
            || cp == 0x3164
            || cp == 0xFFA0
            || cp == 0x2800;
      }
    }
  }

  /**
   * A combining diacritic from the generic blocks that is left over after composition: an accent
   * that NFC could not fold into its letter, the stuff look-alikes and "Zalgo" text are made of.
   * Marks that belong to a script (Devanagari vowel signs, Hebrew points, ...) are not stray.
   */
  private static boolean strayMark(int cp) {
    return (cp >= 0x0300 && cp <= 0x036F)
        || (cp >= 0x1AB0 && cp <= 0x1AFF)
        || (cp >= 0x1DC0 && cp <= 0x1DFF)
        || (cp >= 0x20D0 && cp <= 0x20FF)
        || (cp >= 0xFE20 && cp <= 0xFE2F);
  }

  private static String scriptGroup(Character.UnicodeScript script) {
    return switch (script) {
      case HAN, HIRAGANA, KATAKANA, HANGUL, BOPOMOFO -> "CJK";
      case INHERITED -> "COMMON";
      default -> script.name();
    };
  }

  private static String title(String script) {
    return script.equals("CJK")
        ? script
        : script.charAt(0) + script.substring(1).toLowerCase(Locale.ROOT);
  }

  private static String codePoint(int cp) {
    return String.format(Locale.ROOT, "U+%04X", cp);
  }

  private static Map<Integer, Character> lookalikes(Object... pairs) {
    Map<Integer, Character> m = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(((String) pairs[i]).codePointAt(0), (Character) pairs[i + 1]);
    }
    return Map.copyOf(m);
  }
}
