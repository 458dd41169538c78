package dev.cutover.activities;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanSyntax;
import dev.cutover.plan.Traffic;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a stage's percent by rewriting an nginx {@code split_clients} file and reloading nginx.
 *
 * <p>Contract, for one {@link #apply}:
 *
 * <ol>
 *   <li>The file must lie in a directory listed in the worker's {@code CUTOVER_NGINX_DIRS}
 *       (colon-separated; symbolic links resolved on both sides) and must not itself be a symbolic
 *       link. Unset, or outside: non-retryable {@code InvalidRequest}, nothing written.
 *   <li>The new block ({@link #render}) is written to a temporary file in the same directory,
 *       flushed to disk and renamed over the file, so nginx never reads half a file.
 *   <li>{@code <nginx> -t [-c config]} checks the whole configuration. If nginx rejects it, the
 *       previous file is put back (or the new one removed, if there was none) and the step fails
 *       non-retryably ({@code ClientError}) with nginx's own words, bounded and redacted: its error
 *       lines only, each quoted token cut to {@value #QUOTED_CHARS} characters, so that what
 *       reaches history cannot carry a configuration file's content. The whole output goes to the
 *       worker's log.
 *   <li>{@code <nginx> -s reload [-c config]} signals the running master. If that fails (nginx is
 *       not running, the pid file is stale) the file, which passed {@code nginx -t}, stays and the
 *       step fails retryably ({@code Unavailable}); the next attempt writes the same file and
 *       reloads again.
 *   <li>Read-back parses the file again and compares the share it gives the new upstream with the
 *       percent; a difference fails with {@code ReadBackMismatch}. The reload itself is
 *       asynchronous in nginx: old worker processes finish the requests they hold with the old
 *       split, new connections get the new one within moments.
 * </ol>
 *
 * {@code config} is the worker's {@value #CONFIG} (unset: nginx's own default), never the plan's: a
 * plan read by older rules may still name one, and it is used only when it is the same file, else
 * refused ({@code InvalidRequest}) without running nginx. The nginx binary is {@value #BIN}
 * (default {@code nginx}, found through the worker's PATH), run with the minimal environment
 * commands get, each call bounded by {@value #NGINX_SECONDS} seconds. Writing the same percent
 * twice has the effect of writing it once.
 *
 * <p>Thread-safe: writes to one file are serialised within the worker.
 */
final class NginxTraffic {
  static final String DIRS = "CUTOVER_NGINX_DIRS";
  static final String BIN = "CUTOVER_NGINX_BIN";
  static final String CONFIG = "CUTOVER_NGINX_CONFIG";

  /**
   * How much of one quoted token of nginx's message (a directive, a file's text) reaches a failure.
   */
  static final int QUOTED_CHARS = 40;

  static final long NGINX_SECONDS = 15;

  /** How much of nginx's own message reaches a failure. */
  static final int MESSAGE_CHARS = 600;

  private static final Set<PosixFilePermission> DEFAULT_MODE =
      PosixFilePermissions.fromString("rw-r--r--");

  private static final Logger LOG = LoggerFactory.getLogger(NginxTraffic.class);

  private final List<Path> dirs;
  private final String nginx;

  /** The worker's nginx configuration file, or null for nginx's default. */
  private final String config;

  private final Map<String, String> environment;
  private final Secrets secrets;
  private final Map<Path, Object> locks = new ConcurrentHashMap<>();

  /**
   * The worker's nginx settings: the directories split files may be written in ({@value #DIRS};
   * null when unset), the nginx binary ({@value #BIN}, default {@code nginx}) and its configuration
   * file ({@value #CONFIG}; null for nginx's default).
   */
  record Settings(List<Path> dirs, String bin, String config) {
    static final Settings UNSET = new Settings(null, "nginx", null);

    /**
     * The settings the three variables' values give (null or blank: unset). {@link
     * ActivitySettings} reads them once, at the worker's start.
     *
     * @throws IllegalArgumentException for a configuration file or directory that is not an
     *     absolute path, or a program that is neither absolute nor a bare name, naming the variable
     */
    static Settings parse(String dirs, String bin, String config) {
      String c = config == null || config.isBlank() ? null : config.strip();
      if (c != null && !c.startsWith("/")) {
        throw new IllegalArgumentException(CONFIG + ": \"" + c + "\" is not an absolute path");
      }
      List<Path> listed =
          dirs == null || dirs.isBlank()
              ? null
              : Arrays.stream(dirs.split(":"))
                  .map(String::strip)
                  .filter(s -> !s.isEmpty())
                  .map(Path::of)
                  .toList();
      // A relative directory would be whatever the worker's working directory makes of it.
      for (Path dir : listed == null ? List.<Path>of() : listed) {
        if (!dir.isAbsolute()) {
          throw new IllegalArgumentException(DIRS + ": \"" + dir + "\" is not an absolute path");
        }
      }
      String program = bin == null || bin.isBlank() ? "nginx" : bin.strip();
      if (program.contains("/") && !program.startsWith("/")) {
        throw new IllegalArgumentException(
            BIN
                + ": \""
                + program
                + "\" is neither an absolute path nor a program name"
                + " found through PATH");
      }
      return new Settings(listed, program, c);
    }

    /** What the worker logs at start about nginx traffic. */
    String setting() {
      return (dirs == null || dirs.isEmpty()
              ? DIRS + " unset: nginx traffic is off"
              : DIRS + "=" + String.join(":", dirs.stream().map(Path::toString).toList()))
          + "; "
          + (config == null
              ? CONFIG + " unset: nginx's default configuration"
              : CONFIG + "=" + config);
    }
  }

  NginxTraffic(ActivitySettings settings, Secrets secrets) {
    this.environment = Commands.minimalEnvironment(settings.environment(), null);
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.dirs = settings.nginx().dirs();
    this.nginx = settings.nginx().bin();
    this.config = settings.nginx().config();
  }

  /**
   * Sets {@code percent} of clients to the new upstream; says what was done, e.g. "nginx: /x.conf
   * 10% to green ...".
   */
  String apply(Traffic.Nginx n, int percent) {
    if (dirs == null || dirs.isEmpty()) {
      throw EffectException.invalid(
          "nginx traffic is off on this worker: set "
              + DIRS
              + " to the directories it may write split files in (colon-separated)");
    }
    if (percent < 0 || percent > 100) {
      throw EffectException.invalid("percent " + percent + " is outside 0-100");
    }
    validate(n);
    if (n.config() != null && !n.config().equals(config)) {
      // The plan may not point nginx at a file: nginx -t would quote it into history.
      throw EffectException.invalid(configRefusal());
    }
    Path file = allowedFile(n.file());
    synchronized (locks.computeIfAbsent(file, f -> new Object())) {
      byte[] previous = read(file);
      String content = render(n, percent);
      write(file, content.getBytes(StandardCharsets.UTF_8), previous);
      ProcessRunner.Result test = nginx("-t");
      if (test == null || test.timedOut() || test.exitCode() != 0) {
        restore(file, previous);
        if (test == null) {
          throw EffectException.invalid(
              "nginx ("
                  + nginx
                  + ") could not be started; set "
                  + BIN
                  + " to its path; kept the previous "
                  + n.file());
        }
        String said =
            "nginx -t "
                + (test.timedOut() ? "did not finish within " + NGINX_SECONDS + "s" : "rejected")
                + " the configuration with "
                + n.file()
                + " at "
                + percent
                + "%; kept the previous file: "
                + message(test);
        if (test.timedOut()) {
          throw EffectException.unavailable(said);
        }
        throw EffectException.clientError(said);
      }
      ProcessRunner.Result reload = nginx("-s", "reload");
      if (reload == null || reload.timedOut() || reload.exitCode() != 0) {
        throw EffectException.unavailable(
            "wrote "
                + n.file()
                + " ("
                + percent
                + "%, nginx -t ok) but nginx -s reload "
                + (reload == null
                    ? "could not start"
                    : reload.timedOut() ? "did not finish" : "failed: " + message(reload))
                + "; the next attempt reloads again");
      }
      BigDecimal readBack =
          percentIn(
              new String(
                  Objects.requireNonNullElse(read(file), new byte[0]), StandardCharsets.UTF_8),
              n);
      if (readBack == null || readBack.compareTo(BigDecimal.valueOf(percent)) != 0) {
        throw EffectException.readBackMismatch(
            "read back "
                + (readBack == null
                    ? "no split_clients block for " + n.variable()
                    : readBack.stripTrailingZeros().toPlainString() + "%")
                + " from "
                + n.file()
                + ", expected "
                + percent);
      }
      return "nginx: wrote "
          + n.file()
          + " ("
          + percent
          + "% to "
          + n.newUpstream()
          + ", "
          + (100 - percent)
          + "% to "
          + n.oldUpstream()
          + "), nginx -t ok, reloaded; read back "
          + percent;
    }
  }

  /**
   * The file's text: a {@code split_clients} block giving {@code percent}% of keys to the new
   * upstream and the rest to the old one. nginx refuses a 0% entry, so 0 and 100 are written as a
   * single {@code *} entry.
   */
  static String render(Traffic.Nginx n, int percent) {
    StringBuilder b = new StringBuilder();
    b.append("# Written by cutover: ")
        .append(percent)
        .append("% of clients to ")
        .append(n.newUpstream())
        .append(". The next stage or rollback rewrites this file; do not edit it by hand.\n");
    b.append("split_clients \"").append(n.key()).append("\" ").append(n.variable()).append(" {\n");
    if (percent == 0) {
      b.append("    * ").append(n.oldUpstream()).append(";\n");
    } else if (percent == 100) {
      b.append("    * ").append(n.newUpstream()).append(";\n");
    } else {
      b.append("    ").append(percent).append("% ").append(n.newUpstream()).append(";\n");
      b.append("    * ").append(n.oldUpstream()).append(";\n");
    }
    b.append("}\n");
    return b.toString();
  }

  private static final Pattern BLOCK =
      Pattern.compile("split_clients\\s+(\"[^\"]*\"|\\S+)\\s+(\\$\\w+)\\s*\\{([^}]*)}");
  private static final Pattern ENTRY = Pattern.compile("(\\d+(?:\\.\\d+)?)%\\s+([^\\s;]+)\\s*;");
  private static final Pattern REST = Pattern.compile("\\*\\s+([^\\s;]+)\\s*;");

  /**
   * The share of clients {@code text}'s block for the plan's variable gives the new upstream, or
   * null when there is none.
   */
  static BigDecimal percentIn(String text, Traffic.Nginx n) {
    String noComments = text.replaceAll("(?m)#.*$", "");
    Matcher block = BLOCK.matcher(noComments);
    while (block.find()) {
      if (!block.group(2).equals(n.variable())) {
        continue;
      }
      String body = block.group(3);
      BigDecimal listed = BigDecimal.ZERO;
      BigDecimal toNew = BigDecimal.ZERO;
      Matcher e = ENTRY.matcher(body);
      while (e.find()) {
        BigDecimal p = new BigDecimal(e.group(1));
        listed = listed.add(p);
        if (e.group(2).equals(n.newUpstream())) {
          toNew = toNew.add(p);
        }
      }
      Matcher rest = REST.matcher(body);
      if (rest.find() && rest.group(1).equals(n.newUpstream())) {
        toNew = toNew.add(BigDecimal.valueOf(100).subtract(listed));
      }
      return toNew;
    }
    return null;
  }

  /**
   * The fragment was validated by the plan reader; these checks keep anything that could break out
   * of the block out of the file. They are the reader's own rules ({@link PlanSyntax}), so a plan
   * that lints clean passes them.
   */
  private static void validate(Traffic.Nginx n) {
    List<String> bad = new ArrayList<>();
    if (PlanSyntax.nginxKeyProblem(n.key()) != null) {
      bad.add("key \"" + n.key() + "\" (" + PlanSyntax.nginxKeyProblem(n.key()) + ")");
    }
    if (PlanSyntax.nginxVariableProblem(n.variable()) != null) {
      bad.add("variable \"" + n.variable() + "\"");
    }
    if (PlanSyntax.nginxUpstreamProblem(n.newUpstream()) != null) {
      bad.add("new \"" + n.newUpstream() + "\"");
    }
    if (PlanSyntax.nginxUpstreamProblem(n.oldUpstream()) != null) {
      bad.add("old \"" + n.oldUpstream() + "\"");
    }
    if (PlanSyntax.nginxFileProblem(n.file()) != null) {
      // Before Path.of: a NUL in the path would otherwise be an exception, retried as if transient.
      bad.add("file (" + PlanSyntax.nginxFileProblem(n.file()) + ")");
    }
    if (!bad.isEmpty()) {
      throw EffectException.invalid(
          "traffic.nginx cannot be written safely: " + String.join(", ", bad));
    }
  }

  /** The file, with its directory resolved, if it lies in an allowed directory. */
  private Path allowedFile(String written) {
    Path file = Path.of(written).normalize();
    if (!file.isAbsolute() || file.getFileName() == null || file.getParent() == null) {
      throw EffectException.invalid(
          "traffic.nginx.file \"" + written + "\" is not an absolute path to a file");
    }
    Path dir;
    try {
      dir = file.getParent().toRealPath();
    } catch (IOException e) {
      throw EffectException.invalid(
          "the directory of " + written + " does not exist on this worker");
    }
    boolean inside = false;
    for (Path allowed : dirs) {
      try {
        if (dir.startsWith(allowed.toRealPath())) {
          inside = true;
          break;
        }
      } catch (IOException e) {
        // a listed directory that does not exist allows nothing
      }
    }
    if (!inside) {
      throw EffectException.invalid(
          written
              + " is outside the directories this worker may write ("
              + DIRS
              + "="
              + String.join(":", dirs.stream().map(Path::toString).toList())
              + ")");
    }
    Path resolved = dir.resolve(file.getFileName());
    if (Files.isSymbolicLink(resolved)) {
      throw EffectException.invalid(
          written + " is a symbolic link; point traffic.nginx.file at the file itself");
    }
    if (Files.exists(resolved, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(resolved, LinkOption.NOFOLLOW_LINKS)) {
      throw EffectException.invalid(written + " exists and is not a regular file");
    }
    return resolved;
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (AccessDeniedException e) {
      throw EffectException.invalid("the worker may not read " + file);
    } catch (IOException e) {
      throw EffectException.unavailable(
          "cannot read " + file + ": " + HttpCalls.firstLine(e.getMessage()));
    }
  }

  /**
   * Atomically replaces {@code file} with {@code bytes}, keeping the previous file's permissions.
   */
  private static void write(Path file, byte[] bytes, byte[] previous) {
    Path dir = file.getParent();
    Path tmp = null;
    try {
      Set<PosixFilePermission> mode =
          previous == null ? DEFAULT_MODE : Files.getPosixFilePermissions(file);
      tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      Files.setPosixFilePermissions(tmp, mode);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the rename itself survives a crash
      } catch (IOException ignored) {
        // not every file system lets a directory be synced; the rename is still atomic
      }
    } catch (AccessDeniedException e) {
      throw EffectException.invalid("the worker may not write in " + dir + " (permission denied)");
    } catch (IOException | UnsupportedOperationException e) {
      throw EffectException.unavailable(
          "cannot write " + file + ": " + HttpCalls.firstLine(e.getMessage()));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a stray .tmp file does not match nginx's *.conf includes
        }
      }
    }
  }

  /** Puts the previous content back, or removes the file when there was none. */
  private static void restore(Path file, byte[] previous) {
    if (previous == null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw EffectException.unavailable(
            "nginx rejected the new "
                + file
                + " and it could not be removed: "
                + HttpCalls.firstLine(e.getMessage()));
      }
    } else {
      write(file, previous, previous);
    }
  }

  private String configRefusal() {
    return "nginx's configuration file is the worker's to choose, not the plan's: remove traffic.nginx.config from"
        + " the plan"
        + (config == null
            ? " and set " + CONFIG + " on the worker"
            : " (this worker's is " + CONFIG + ")");
  }

  /**
   * Every reason {@code plan}'s nginx traffic cannot run here, at its path: nginx traffic off, the
   * file outside {@value #DIRS}, a configuration file chosen by the plan. The admission check's
   * part.
   */
  List<String> refusals(Plan plan) {
    if (plan.traffic() == null || plan.traffic().nginx() == null) {
      return List.of();
    }
    Traffic.Nginx n = plan.traffic().nginx();
    List<String> out = new ArrayList<>();
    if (dirs == null || dirs.isEmpty()) {
      out.add(
          "traffic.nginx: nginx traffic is off on this worker: set "
              + DIRS
              + " to the directories it may write split files in (colon-separated)");
    } else {
      try {
        allowedFile(n.file());
      } catch (EffectException e) {
        out.add("traffic.nginx.file: " + e.getMessage());
      }
    }
    if (n.config() != null && !n.config().equals(config)) {
      out.add("traffic.nginx.config: " + configRefusal());
    }
    return out;
  }

  /**
   * Runs nginx with {@code args} (and {@code -c} the worker's configuration); null when it cannot
   * start.
   */
  private ProcessRunner.Result nginx(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(nginx);
    argv.addAll(List.of(args));
    if (config != null) {
      argv.add("-c");
      argv.add(config);
    }
    try {
      return ProcessRunner.run(
          argv, environment, null, Duration.ofSeconds(NGINX_SECONDS), 16 * 1024);
    } catch (ProcessRunner.CannotStart e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EffectException.unavailable("interrupted while running nginx");
    }
  }

  /**
   * nginx's own words for history: its [emerg]/[alert]/[error] lines only (at most three), each
   * quoted token cut to {@value #QUOTED_CHARS} characters, redacted, at most {@value
   * #MESSAGE_CHARS} characters. nginx quotes the text it could not parse, which may be a line of
   * any file the configuration includes; the whole output goes to the worker's log instead.
   */
  private String message(ProcessRunner.Result r) {
    LOG.warn(
        "nginx exited {}{}: {}",
        r.exitCode(),
        r.timedOut() ? " (timed out)" : "",
        secrets.redact(r.output()));
    List<String> lines = new ArrayList<>();
    for (String l : r.output().split("\n")) {
      String s = l.replaceAll("\\p{Cntrl}", " ").strip();
      if (!s.isEmpty()
          && lines.size() < 3
          && (s.contains("[emerg]") || s.contains("[error]") || s.contains("[alert]"))) {
        lines.add(quotedCut(s));
      }
    }
    // Redacted before it is cut, so a secret cut in half cannot slip through.
    String text = secrets.redact(String.join(" | ", lines));
    if (text.length() > MESSAGE_CHARS) {
      text = text.substring(0, MESSAGE_CHARS) + "...";
    }
    return text.isEmpty()
        ? "(no error line; exit " + r.exitCode() + "; its output is in the worker's log)"
        : text;
  }

  private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

  /** {@code line} with every "quoted" token longer than {@value #QUOTED_CHARS} characters cut. */
  static String quotedCut(String line) {
    Matcher m = QUOTED.matcher(line);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String q = m.group(1);
      String kept = q.length() <= QUOTED_CHARS ? q : q.substring(0, QUOTED_CHARS) + "...";
      m.appendReplacement(out, Matcher.quoteReplacement("\"" + kept + "\""));
    }
    m.appendTail(out);
    return out.toString();
  }
}
