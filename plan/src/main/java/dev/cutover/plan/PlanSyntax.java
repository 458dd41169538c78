package dev.cutover.plan;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rules that plan text must meet, shared by the plan reader (at {@code cutover lint} and start) and
 * the worker (when it carries a step out), so that a plan lint accepts never fails them in the
 * middle of a cutover. Each {@code ...Problem} method returns what is wrong, or null when the text
 * is fine; its message never quotes the text, because at run time the text may hold a resolved
 * secret.
 *
 * <p>URLs are the one rule the worker does not take from here: it parses them with its HTTP client,
 * and {@link #httpUrlProblem} is a stricter check that the client accepts every URL it passes (a
 * test in the activities holds the two together).
 */
public final class PlanSyntax {
  /** A placeholder in plan text: {@code ${env:NAME}}, {@code ${percent}}, {@code ${flag}}, ... */
  public static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

  /** What may appear inside the quoted nginx split key: nginx variables and plain characters. */
  public static final Pattern NGINX_KEY = Pattern.compile("^[A-Za-z0-9_$\\{\\}:./@-]+$");

  /** The nginx variable a split sets, e.g. {@code $cutover_upstream}. */
  public static final Pattern NGINX_VARIABLE = Pattern.compile("^\\$[a-z_][a-z0-9_]*$");

  /** An nginx upstream name (or host:port). */
  public static final Pattern NGINX_UPSTREAM = Pattern.compile("^[A-Za-z0-9_.:-]+$");

  /** A program name or path as a {@code command} action's first element. */
  public static final Pattern PROGRAM = Pattern.compile("^[A-Za-z0-9_./+-]+$");

  private PlanSyntax() {}

  /**
   * The split key: starts with an nginx variable; nothing that could end the quoted key or the
   * block.
   */
  public static String nginxKeyProblem(String key) {
    if (key == null || !key.startsWith("$") || !NGINX_KEY.matcher(key).matches()) {
      return "what splits clients, built from nginx variables and letters, digits, _ : . / @ - only,"
          + " e.g. $remote_addr or ${cookie_session}";
    }
    return null;
  }

  public static String nginxVariableProblem(String variable) {
    return variable != null && NGINX_VARIABLE.matcher(variable).matches()
        ? null
        : "an nginx variable such as $cutover_upstream";
  }

  public static String nginxUpstreamProblem(String upstream) {
    return upstream != null && NGINX_UPSTREAM.matcher(upstream).matches()
        ? null
        : "not an upstream name (letters, digits, _ . : - only)";
  }

  /**
   * The split file: an absolute path to a {@code .conf} file, no {@code ..}, no control characters.
   */
  public static String nginxFileProblem(String file) {
    if (file == null
        || !file.startsWith("/")
        || file.contains("..")
        || !file.endsWith(".conf")
        || hasControl(file, false)) {
      return "an absolute path to a .conf file (no .., no control characters), e.g. /etc/nginx/cutover/split.conf";
    }
    return null;
  }

  /**
   * A command's program: a bare name (found through the worker's PATH) or an absolute path. A
   * relative path means nothing: each command runs in a fresh, empty directory.
   */
  public static String programProblem(String program) {
    if (program == null || !PROGRAM.matcher(program).matches() || program.contains("..")) {
      return "not a program name or path (letters, digits, _ . / + - only, no ..)";
    }
    if (program.contains("/") && !program.startsWith("/")) {
      return "a relative path means nothing here (each command runs in a fresh directory);"
          + " give an absolute path or a bare name";
    }
    return null;
  }

  /**
   * A header name HTTP can carry: visible ASCII, no spaces (as the worker's HTTP client requires).
   */
  public static String headerNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "a header name is not empty";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return "a header name is visible ASCII without spaces (character "
            + (i + 1)
            + " is "
            + describe(c)
            + ")";
      }
    }
    return null;
  }

  /**
   * A header value HTTP can carry: ASCII text and tabs on one line (as the worker's HTTP client
   * requires).
   */
  public static String headerValueProblem(String value) {
    if (value == null) {
      return "a header value is text";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        return "a header value is ASCII text on one line (character "
            + (i + 1)
            + " is "
            + describe(c)
            + ")";
      }
    }
    return null;
  }

  /** A GET or HEAD request carries no body. */
  public static String bodyProblem(String method, String body) {
    if (body != null && ("GET".equals(method) || "HEAD".equals(method))) {
      return "a " + method + " request cannot carry a body";
    }
    return null;
  }

  /**
   * An absolute http(s) URL as a plan writes it, placeholders allowed: a host (a name of letters,
   * digits, {@code - _ .} in labels of at most 63 characters, an IPv4 address or a bracketed IPv6
   * address), an optional port 1-65535, then any path, query and fragment without spaces or control
   * characters. Stricter than the worker's HTTP client, never looser.
   */
  public static String httpUrlProblem(String url) {
    if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
      return "not an http:// or https:// URL";
    }
    if (hasControl(url, false) || url.chars().anyMatch(Character::isWhitespace)) {
      return "a URL has no spaces or control characters (encode them, e.g. %20)";
    }
    String rest = url.substring(url.indexOf("//") + 2);
    int end = 0;
    while (end < rest.length() && "/?#\\".indexOf(rest.charAt(end)) < 0) {
      // A placeholder may hold a slash or a question mark of its own: skip over it whole.
      if (rest.startsWith("${", end) && rest.indexOf('}', end) > 0) {
        end = rest.indexOf('}', end) + 1;
      } else {
        end++;
      }
    }
    if (end < rest.length() && rest.charAt(end) == '\\') {
      return "a URL has no backslash before its path";
    }
    String authority = rest.substring(0, end);
    int at = authority.lastIndexOf('@');
    String hostPort = at < 0 ? authority : authority.substring(at + 1);
    String host;
    String port = null;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        return "an IPv6 host is written in brackets, e.g. http://[2001:db8::1]:8080/";
      }
      host = hostPort.substring(0, close + 1);
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          return "the host is followed by something other than :port";
        }
        port = after.substring(1);
      }
      String inner = host.substring(1, host.length() - 1);
      if (!inner.contains("${") && !isIpv6(inner)) {
        return "the host is not an IPv6 address";
      }
    } else {
      int colon = lastColonOutsidePlaceholders(hostPort);
      host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      port = colon < 0 ? null : hostPort.substring(colon + 1);
      String hostProblem = hostNameProblem(PLACEHOLDER.matcher(host).replaceAll("x"));
      if (hostProblem != null) {
        return hostProblem;
      }
    }
    if (port != null && !port.contains("${")) {
      if (port.isEmpty()
          || port.length() > 5
          || !port.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        return "the port is not a number from 1 to 65535";
      }
    }
    return null;
  }

  private static String hostNameProblem(String host) {
    if (host.isEmpty()) {
      return "the URL has no host";
    }
    if (host.length() > 253) {
      return "the host name is longer than 253 characters";
    }
    for (String label : host.split("\\.", -1)) {
      if (label.isEmpty()) {
        return "the host name has an empty label (two dots, or a dot at an end)";
      }
      if (label.length() > 63) {
        return "a label of the host name is longer than 63 characters";
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        if (!((c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '-'
            || c == '_')) {
          return "the host name has "
              + describe(c)
              + " in it; use letters, digits, - and _"
              + (c > 0x7f ? " (write an international name in its xn-- form)" : "");
        }
      }
    }
    return null;
  }

  private static int lastColonOutsidePlaceholders(String s) {
    int found = -1;
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
        depth++;
      } else if (c == '}' && depth > 0) {
        depth--;
      } else if (c == ':' && depth == 0) {
        found = i;
      }
    }
    return found;
  }

  /**
   * An IPv6 address in text form: eight groups, or fewer around one {@code ::}, optionally ending
   * in IPv4.
   */
  static boolean isIpv6(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return false;
    }
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    String[] parts = s.split(":", -1);
    int groups = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      boolean edgeOfDoubleColon = p.isEmpty() && doubleColon >= 0;
      if (edgeOfDoubleColon) {
        continue;
      }
      if (i == parts.length - 1 && p.contains(".")) {
        if (!isIpv4(p)) {
          return false;
        }
        groups += 2;
        continue;
      }
      if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        return false;
      }
      groups++;
    }
    return doubleColon >= 0 ? groups < 8 : groups == 8;
  }

  private static boolean isIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty()
          || p.length() > 3
          || !p.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code text} holds a control character: C0 (but tab, line feed and carriage return when
   * {@code allowLineBreaks}), DEL, C1, or a Unicode line or paragraph separator.
   */
  public static boolean hasControl(String text, boolean allowLineBreaks) {
    return firstControl(text, allowLineBreaks) >= 0;
  }

  /** The index of the first control character as {@link #hasControl} means it, or -1. */
  public static int firstControl(String text, boolean allowLineBreaks) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isControl(c) && !(allowLineBreaks && (c == '\t' || c == '\n' || c == '\r'))) {
        return i;
      }
    }
    return -1;
  }

  static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }

  /** A character as a message names it: {@code 'x'} if printable, else its code point. */
  public static String describe(char c) {
    if (isControl(c)
        || Character.getType(c) == Character.FORMAT
        || Character.isWhitespace(c)
        || Character.isSurrogate(c)) {
      return String.format("U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  /** The text with every placeholder replaced by {@code with} (to check the rest of it). */
  static String withoutPlaceholders(String text, String with) {
    Matcher m = PLACEHOLDER.matcher(text);
    return m.replaceAll(Matcher.quoteReplacement(with));
  }
}
