package dev.cutover.cli;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The zone an operator reads times in: {@code --zone ZONE} if given, else the {@code TZ} variable
 * (as every Unix tool reads it; a leading ':' is allowed), else this machine's zone. Every time
 * printed names its zone, so a time read by someone elsewhere is never ambiguous.
 */
final class ZoneOption {
  @Option(
      names = "--zone",
      paramLabel = "ZONE",
      description =
          "show times in this zone, e.g. Europe/Berlin or UTC (default: $TZ, else this machine's"
              + " zone)")
  String zone;

  /**
   * The zone to show times in; a zone that does not exist is bad input, naming where it came from.
   */
  ZoneId zone() {
    return resolve(zone, System.getenv());
  }

  static ZoneId resolve(String flag, Map<String, String> env) {
    if (flag != null) {
      return parse(flag, "--zone");
    }
    String tz = env.get("TZ");
    if (tz != null && !tz.isBlank()) {
      return parse(tz.startsWith(":") ? tz.substring(1) : tz, "the TZ variable");
    }
    return ZoneId.systemDefault();
  }

  private static ZoneId parse(String name, String where) {
    try {
      return ZoneId.of(name.strip());
    } catch (DateTimeException e) {
      throw new CliException(
          ExitCodes.BAD_INPUT,
          where
              + ": unknown time zone '"
              + StatusText.v(name)
              + "'; use a region such as Europe/Berlin, or UTC");
    }
  }
}
