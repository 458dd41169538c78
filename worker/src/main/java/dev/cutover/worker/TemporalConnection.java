package dev.cutover.worker;

import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.envconfig.ClientConfigTLS;
import io.temporal.envconfig.LoadClientConfigProfileOptions;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the worker and the CLI connect to Temporal, configured the way Temporal's own tools are
 * (Temporal's environment configuration, {@code io.temporal:temporal-envconfig}): the profile file
 * ({@value #CONFIG_FILE_VARIABLE}, default {@code ~/.config/temporalio/temporal.toml}; profile
 * {@value #PROFILE_VARIABLE}, default {@code default}), and over it the {@code TEMPORAL_*}
 * variables: {@code TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code
 * TEMPORAL_TLS}, {@code TEMPORAL_TLS_CLIENT_CERT_PATH}, {@code TEMPORAL_TLS_CLIENT_KEY_PATH},
 * {@code TEMPORAL_TLS_SERVER_CA_CERT_PATH}, {@code TEMPORAL_TLS_SERVER_NAME}, {@code
 * TEMPORAL_TLS_DISABLE_HOST_VERIFICATION}, {@code TEMPORAL_GRPC_META_*}. An API key turns TLS on
 * unless {@code TEMPORAL_TLS=false}; a client certificate and key make it mutual TLS.
 *
 * <p>Everything is checked when read, before anything connects: a setting that is malformed, a file
 * that cannot be read, a certificate or key that is not PEM, a profile the file does not have is an
 * {@link IllegalArgumentException} naming the variable (the worker exits 2). The API key is never
 * part of a message or {@link #describe()}. Immutable.
 */
public final class TemporalConnection {
  public static final String CONFIG_FILE_VARIABLE = "TEMPORAL_CONFIG_FILE";
  public static final String PROFILE_VARIABLE = "TEMPORAL_PROFILE";
  public static final String API_KEY_VARIABLE = "TEMPORAL_API_KEY";
  public static final String TLS_VARIABLE = "TEMPORAL_TLS";
  public static final String CLIENT_CERT_VARIABLE = "TEMPORAL_TLS_CLIENT_CERT_PATH";
  public static final String CLIENT_KEY_VARIABLE = "TEMPORAL_TLS_CLIENT_KEY_PATH";
  public static final String SERVER_CA_VARIABLE = "TEMPORAL_TLS_SERVER_CA_CERT_PATH";
  public static final String SERVER_NAME_VARIABLE = "TEMPORAL_TLS_SERVER_NAME";
  public static final String DISABLE_HOST_VERIFICATION_VARIABLE =
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION";

  /** A plain connection: no TLS, no API key (the dev server, tests). */
  public static final TemporalConnection PLAIN =
      new TemporalConnection(ClientConfigProfile.getDefaultInstance(), null);

  private final ClientConfigProfile profile;
  private final Path file;

  private TemporalConnection(ClientConfigProfile profile, Path file) {
    this.profile = profile;
    this.file = file;
  }

  /**
   * The connection {@code env} (the process's environment) and the profile file it points to
   * configure.
   *
   * @throws IllegalArgumentException naming the variable whose value is wrong
   */
  public static TemporalConnection fromEnvironment(Map<String, String> env) {
    for (String v : List.of(TLS_VARIABLE, DISABLE_HOST_VERIFICATION_VARIABLE)) {
      String b = value(env, v);
      if (b != null && !List.of("true", "false", "1", "0").contains(b.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(v + "=" + b + " is not true or false");
      }
    }
    for (String v : List.of(CLIENT_CERT_VARIABLE, CLIENT_KEY_VARIABLE, SERVER_CA_VARIABLE)) {
      String p = value(env, v);
      if (p != null && !Files.isRegularFile(Path.of(p))) {
        throw new IllegalArgumentException(v + "=" + p + ": no such file");
      }
      if (p != null && !Files.isReadable(Path.of(p))) {
        throw new IllegalArgumentException(v + "=" + p + ": not readable by this process");
      }
    }
    Path file = configFile(env);
    String profileName = value(env, PROFILE_VARIABLE);
    LoadClientConfigProfileOptions.Builder options =
        LoadClientConfigProfileOptions.newBuilder().setEnvOverrides(env);
    if (file == null) {
      if (profileName != null && !"default".equals(profileName)) {
        throw new IllegalArgumentException(
            PROFILE_VARIABLE
                + "="
                + profileName
                + ": there is no profile file (set "
                + CONFIG_FILE_VARIABLE
                + ")");
      }
      options.setDisableFile(true);
    } else {
      try {
        options.setConfigFileData(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            CONFIG_FILE_VARIABLE + "=" + file + ": cannot be read (" + e.getMessage() + ")");
      }
      if (profileName != null) {
        options.setConfigFileProfile(profileName);
      }
    }
    ClientConfigProfile profile;
    try {
      profile = ClientConfigProfile.load(options.build());
    } catch (IOException | RuntimeException e) {
      String why = firstLine(WorkerMain.rootMessage(e));
      if (why.contains("Unable to find profile")) {
        throw new IllegalArgumentException(
            PROFILE_VARIABLE + "=" + profileName + ": " + file + " has no such profile");
      }
      throw new IllegalArgumentException(
          CONFIG_FILE_VARIABLE + "=" + file + ": not a Temporal client profile file (" + why + ")");
    }
    TemporalConnection c = new TemporalConnection(profile, file);
    c.check();
    return c;
  }

  /** The profile file: {@value #CONFIG_FILE_VARIABLE}, else the default one if it exists. */
  private static Path configFile(Map<String, String> env) {
    String named = value(env, CONFIG_FILE_VARIABLE);
    if (named != null) {
      Path p = Path.of(named);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(CONFIG_FILE_VARIABLE + "=" + named + ": no such file");
      }
      return p;
    }
    String home = value(env, "HOME");
    if (home == null) {
      home = System.getProperty("user.home");
    }
    String xdg = value(env, "XDG_CONFIG_HOME");
    Path p =
        xdg != null
            ? Path.of(xdg, "temporalio", "temporal.toml")
            : Path.of(home, ".config", "temporalio", "temporal.toml");
    return Files.isRegularFile(p) ? p : null;
  }

  /** The TLS settings make a TLS context (certificates and key are PEM and belong together). */
  private void check() {
    ClientConfigTLS tls = profile.getTls();
    if (tls != null) {
      boolean cert = tls.getClientCertPath() != null || tls.getClientCertData() != null;
      boolean key = tls.getClientKeyPath() != null || tls.getClientKeyData() != null;
      if (cert != key) {
        throw new IllegalArgumentException(
            (cert ? CLIENT_KEY_VARIABLE : CLIENT_CERT_VARIABLE)
                + " is not set: a client certificate and its key go together"
                + (file == null ? "" : " (or set both in " + file + ")"));
      }
    }
    try {
      profile.toWorkflowServiceStubsOptions();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the TLS settings ("
              + String.join(", ", tlsSources())
              + ") do not make a TLS context: "
              + firstLine(WorkerMain.rootMessage(e)));
    }
  }

  private List<String> tlsSources() {
    List<String> out = new ArrayList<>(List.of(CLIENT_CERT_VARIABLE, CLIENT_KEY_VARIABLE));
    out.add(SERVER_CA_VARIABLE);
    if (file != null) {
      out.add(file.toString());
    }
    return out;
  }

  /** The address the profile file or {@code TEMPORAL_ADDRESS} names; null when neither does. */
  public String address() {
    return blankToNull(profile.getAddress());
  }

  /** The namespace the profile file or {@code TEMPORAL_NAMESPACE} names; null when neither does. */
  public String namespace() {
    return blankToNull(profile.getNamespace());
  }

  /**
   * Service stub options for {@code target}: TLS (with the client certificate for mutual TLS), the
   * API key sent as {@code authorization: Bearer <key>}, and the gRPC metadata configured.
   */
  public WorkflowServiceStubsOptions.Builder stubsOptions(String target) {
    return WorkflowServiceStubsOptions.newBuilder(profile.toWorkflowServiceStubsOptions())
        .setTarget(target);
  }

  /** Whether the connection uses TLS. */
  public boolean tls() {
    return profile.toWorkflowServiceStubsOptions().getEnableHttps()
        || profile.toWorkflowServiceStubsOptions().getSslContext() != null;
  }

  /** How it connects, for the log: never the API key or a certificate's content. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    ClientConfigTLS t = profile.getTls();
    boolean mutual = t != null && (t.getClientCertPath() != null || t.getClientCertData() != null);
    parts.add(tls() ? (mutual ? "mutual TLS" : "TLS") : "plaintext");
    if (profile.getApiKey() != null && !profile.getApiKey().isBlank()) {
      parts.add("API key");
    }
    if (file != null) {
      parts.add("profile file " + file);
    }
    return String.join(", ", parts);
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
