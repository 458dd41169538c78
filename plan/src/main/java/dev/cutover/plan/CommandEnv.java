package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * A command action's {@code env:}: the variables the plan hands its program, each exactly one
 * {@code ${env:NAME}} reference to a variable the worker allows. A literal value is refused (the
 * plan would choose what the program reads), and so are names that decide which code runs or where
 * the program looks: the dynamic loader's ({@code LD_*}), shells' and interpreters' start-up hooks,
 * and the variables the worker sets itself ({@code PATH}, {@code HOME}, locale, {@code CUTOVER_*}).
 */
final class CommandEnv {
  private static final Pattern NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
  private static final Pattern RESERVED =
      Pattern.compile(
          "^(PATH|HOME|TZ|LANG|LANGUAGE|LC_[A-Z_]*|CUTOVER_.*"
              + "|LD_.*|DYLD_.*|BASH_ENV|ENV|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|IFS|CDPATH|GLOBIGNORE"
              + "|PYTHON(STARTUP|PATH|HOME|INSPECT|USERBASE)|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|NODE_OPTIONS"
              + "|NODE_PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GCONV_PATH|LOCPATH|HOSTALIASES"
              + "|RESOLV_HOST_CONF|GIT_.*|SSH_ASKPASS|SUDO_ASKPASS|EDITOR|VISUAL|PAGER|TMPDIR)$");

  private CommandEnv() {}

  /** The map, checked; each problem is reported at {@code path.NAME}. */
  static Map<String, String> read(
      Map<String, JsonNode> written, String path, BiConsumer<String, String> problem) {
    Map<String, String> env = new LinkedHashMap<>();
    written.forEach(
        (name, value) -> {
          String p = path + "." + name;
          if (!NAME.matcher(name).matches()) {
            problem.accept(p, "\"" + name + "\" is not an environment variable name");
          } else if (RESERVED.matcher(name).matches()) {
            problem.accept(
                p,
                name
                    + " is set by the worker or changes which code the program runs; a plan cannot set it");
          }
          if (!value.isTextual() || !SecretReferences.isWhole(value.asText())) {
            problem.accept(
                p,
                "a value is one ${env:NAME} reference to a variable the worker allows"
                    + " (CUTOVER_ALLOWED_SECRETS); a literal would be chosen by the plan: put it in the program or its arguments");
            return;
          }
          env.put(name, value.asText());
        });
    return env;
  }
}
