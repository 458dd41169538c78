package dev.cutover.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a {@code ${env:NAME}} reference may stand: the one rule the plan reader (for new plans) and
 * the worker (for every cutover, whatever rules it was started under) both apply.
 *
 * <p>A reference may be a header value or part of one, part of a request body, a PostgreSQL
 * connection's {@code user} or {@code password}, or a value of a command's {@code env}. A URL (an
 * http or Prometheus connection, a request line, the notification webhook) may be exactly one
 * reference, because then the whole URL is a setting of the worker's operator (a Slack webhook, a
 * service's base URL), but it never contains one among other text: the plan would choose the host
 * the secret is sent to, in the part of a request that servers, proxies and their logs record.
 *
 * <p>Pure functions, thread-safe.
 */
public final class SecretReferences {
  /**
   * A reference as the worker resolves it; anything else starting <code>${env:</code> is a plan
   * error.
   */
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  private static final Pattern ANY_ENV = Pattern.compile("\\$\\{env:[^}]*}?");

  private SecretReferences() {}

  /** The variable names {@code text} refers to, in order (repeats kept); empty for null. */
  public static List<String> names(String text) {
    List<String> out = new ArrayList<>();
    if (text != null) {
      Matcher m = REFERENCE.matcher(text);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** Whether {@code text} is exactly one reference, {@code ${env:NAME}}, and nothing else. */
  public static boolean isWhole(String text) {
    return text != null && REFERENCE.matcher(text).matches();
  }

  /**
   * Why {@code url}, as a plan writes it, may not be used; null when it holds no reference or is
   * exactly one. The message names the first reference, never a value.
   */
  public static String inUrl(String url) {
    if (url == null || isWhole(url)) {
      return null;
    }
    Matcher m = ANY_ENV.matcher(url);
    if (!m.find()) {
      return null;
    }
    return m.group()
        + " is inside a URL: a secret never goes into a URL (servers and proxies log URLs, and the"
        + " plan would choose where it goes); send it in a header or the body, or let the worker's operator set"
        + " the whole URL as one ${env:NAME}";
  }
}
