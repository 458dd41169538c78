package dev.cutover.activities;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the worker's operator allows plans to use, read once from the worker's environment at its
 * start and handed to the activities as typed values:
 *
 * <ul>
 *   <li>{@value HostPolicy#VARIABLE}: the hosts plans may reach ({@link HostPolicy});
 *   <li>{@value Secrets#ALLOWED}: the {@code ${env:NAME}} references plans may use ({@link
 *       Secrets});
 *   <li>{@value Commands#ALLOWED}: the programs command actions may run ({@link Commands});
 *   <li>{@value NginxTraffic#DIRS}, {@value NginxTraffic#BIN}, {@value NginxTraffic#CONFIG}: nginx
 *       traffic ({@link NginxTraffic});
 *   <li>{@value ApproverKeys#KEYRING_VARIABLE} and {@value ApproverKeys#REQUIRE_VARIABLE}: signed
 *       signals ({@link ApproverKeys});
 *   <li>{@value #PAGERDUTY_URL}: where PagerDuty events go ({@link Notifier}).
 * </ul>
 *
 * The environment itself is kept: it is what {@code ${env:NAME}} references resolve against (only
 * the names {@value Secrets#ALLOWED} allows), and where programs get {@code PATH}, {@code LANG},
 * {@code LC_ALL} and {@code TZ} from. No class below reads a variable of its own.
 *
 * <p>Immutable and thread-safe (the keyring file is read again for each verification: see {@link
 * ApproverKeys}).
 */
public final class ActivitySettings {
  private final Map<String, String> environment;
  private final HostPolicy hosts;
  private final Secrets.AllowList allowedSecrets;
  private final List<Commands.Entry> allowedCommands;
  private final NginxTraffic.Settings nginx;
  private final ApproverKeys approverKeys;
  private final String pagerDutyUrl;

  /**
   * Where PagerDuty events go: the Events API v2 unless the operator points it elsewhere (a proxy,
   * the EU service region, a test's stand-in).
   */
  public static final String PAGERDUTY_URL = "CUTOVER_PAGERDUTY_URL";

  private ActivitySettings(
      Map<String, String> environment,
      HostPolicy hosts,
      Secrets.AllowList allowedSecrets,
      List<Commands.Entry> allowedCommands,
      NginxTraffic.Settings nginx,
      ApproverKeys approverKeys) {
    this.environment = environment;
    this.hosts = hosts;
    this.allowedSecrets = allowedSecrets;
    this.allowedCommands = allowedCommands;
    this.nginx = nginx;
    this.approverKeys = approverKeys;
    String pd = environment.get(PAGERDUTY_URL);
    this.pagerDutyUrl = pd == null || pd.isBlank() ? PagerDutyEvents.ENDPOINT : pd.strip();
    if (okhttp3.HttpUrl.parse(this.pagerDutyUrl) == null || this.pagerDutyUrl.contains("${")) {
      throw new IllegalArgumentException(
          PAGERDUTY_URL + " is not an http(s) URL (such as " + PagerDutyEvents.ENDPOINT + ")");
    }
  }

  /** As {@link #fromEnvironment(Map, Clock)} with the system clock (signatures' freshness). */
  public static ActivitySettings fromEnvironment(Map<String, String> environment) {
    return fromEnvironment(environment, Clock.systemUTC());
  }

  /**
   * Reads every setting above from {@code environment} (production: {@code System.getenv()}); a
   * null or blank value is unset.
   *
   * @throws IllegalArgumentException for a malformed value, naming the variable and the entry (or
   *     the line of the approver keyring)
   */
  public static ActivitySettings fromEnvironment(Map<String, String> environment, Clock clock) {
    Map<String, String> env = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    // In this order, so that of several malformed settings the same one is named first as ever.
    Secrets.AllowList secrets = Secrets.AllowList.parse(env.get(Secrets.ALLOWED));
    HostPolicy hosts = HostPolicy.parse(env.get(HostPolicy.VARIABLE));
    List<Commands.Entry> commands = Commands.parse(env.get(Commands.ALLOWED));
    NginxTraffic.Settings nginx =
        NginxTraffic.Settings.parse(
            env.get(NginxTraffic.DIRS), env.get(NginxTraffic.BIN), env.get(NginxTraffic.CONFIG));
    ApproverKeys keys =
        ApproverKeys.of(
            env.get(ApproverKeys.KEYRING_VARIABLE), env.get(ApproverKeys.REQUIRE_VARIABLE), clock);
    return new ActivitySettings(env, hosts, secrets, commands, nginx, keys);
  }

  /** What references resolve against, and where programs get their few inherited variables. */
  Map<String, String> environment() {
    return environment;
  }

  HostPolicy hosts() {
    return hosts;
  }

  Secrets.AllowList allowedSecrets() {
    return allowedSecrets;
  }

  List<Commands.Entry> allowedCommands() {
    return allowedCommands;
  }

  NginxTraffic.Settings nginx() {
    return nginx;
  }

  /** Where PagerDuty events are posted ({@value #PAGERDUTY_URL}). */
  String pagerDutyUrl() {
    return pagerDutyUrl;
  }

  /** The worker's approver keyring and whether it requires promoting signals to be signed. */
  public ApproverKeys approverKeys() {
    return approverKeys;
  }

  /**
   * What this worker's operator allows, one line per setting, for the log at start; nothing secret.
   */
  public List<String> lines() {
    return List.of(
        hosts.toString(),
        allowedSecrets.setting(),
        Commands.setting(allowedCommands),
        nginx.setting());
  }

  /** Settings left at a default that is open or makes plans fail, each worth a WARN at start. */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    if (hosts.warning() != null) {
      out.add(hosts.warning());
    }
    if (allowedSecrets.warning() != null) {
      out.add(allowedSecrets.warning());
    }
    return out;
  }
}
