package dev.cutover.activities;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.SocketFactory;
import okhttp3.Dns;

/**
 * Which hosts the worker's HTTP and database connections may reach, from {@value #VARIABLE} (host
 * names, IP addresses and CIDR ranges), enforced after DNS resolution on every connection.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>Unset (or blank): every address but the special-purpose ones ({@link SpecialAddresses}:
 *       loopback, link-local, the unspecified address, multicast and reserved ranges, and the cloud
 *       providers' metadata and platform services in every spelling) is allowed. An IPv6 address
 *       that carries an IPv4 one (IPv4-mapped, -compatible and -translated, NAT64 {@code
 *       64:ff9b::/96} and {@code 64:ff9b:1::/48}, 6to4 {@code 2002::/16}, Teredo, ISATAP) is
 *       refused when what it carries is. The worker warns at start that this default is open.
 *   <li>Set: only what it lists (deny by default). A listed IP address or range allows those
 *       addresses under any name; a listed host name allows the addresses that name resolves to
 *       (the operator vouches for the name), special ones included.
 * </ul>
 *
 * The check runs twice, both on resolved addresses: in {@link #dns} (every address a name resolves
 * to; refused ones are dropped, and when none is left the lookup fails naming the first) and in
 * {@link #socketFactory}, whose sockets check the address they are about to connect to. The second
 * wall is what covers IP literals, which OkHttp connects to without asking the {@code Dns}, and
 * every redirect hop. PostgreSQL goes through both too: {@code SqlPools} looks up each host of a
 * JDBC URL through {@link #dns}, and the driver's sockets come from {@link #socketFactory} (through
 * {@link PolicySocketFactory}). {@link #refusalWithoutDns} judges a host as a plan writes it, for
 * the admission check at start.
 *
 * <p>Immutable and thread-safe.
 */
final class HostPolicy {
  static final String VARIABLE = "CUTOVER_ALLOWED_HOSTS";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

  /** A connection the policy refuses; its message says why and how to allow it. */
  static final class Refused extends UnknownHostException {
    Refused(String message) {
      super(message);
    }
  }

  private final String variable;
  private final boolean listed;
  private final Set<String> names;
  private final List<AddressRange> ranges;

  private HostPolicy(
      String variable, boolean listed, Set<String> names, List<AddressRange> ranges) {
    this.variable = variable;
    this.listed = listed;
    this.names = Set.copyOf(names);
    this.ranges = List.copyOf(ranges);
  }

  /**
   * The policy {@value #VARIABLE} sets, from its value (null or blank: unset, every address but the
   * special ones). {@link ActivitySettings} reads it once, at the worker's start.
   *
   * @throws IllegalArgumentException naming the variable and the entry, for an entry that is not a
   *     host name, an IP address or a CIDR range
   */
  static HostPolicy parse(String value) {
    if (value == null || value.isBlank()) {
      return new HostPolicy(VARIABLE, false, Set.of(), List.of());
    }
    return listOf(VARIABLE, List.of(value.split(",")));
  }

  /**
   * A list-only policy of {@code entries} (host names, addresses, ranges); errors name {@code
   * variable}. {@link Secrets} uses it for the hosts a secret may be sent to.
   */
  static HostPolicy listOf(String variable, List<String> entries) {
    Set<String> names = new LinkedHashSet<>();
    List<AddressRange> ranges = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      AddressRange range = AddressRange.parse(variable, entry);
      if (range != null) {
        ranges.add(range);
        continue;
      }
      String name = entry.endsWith(".") ? entry.substring(0, entry.length() - 1) : entry;
      if (!NAME.matcher(name).matches() || IPV4.matcher(name).matches() || name.length() > 253) {
        throw new IllegalArgumentException(
            variable
                + ": \""
                + raw.strip()
                + "\" is not a host name, an IP address or a CIDR range (e.g. 10.0.0.0/8)");
      }
      names.add(name);
    }
    return new HostPolicy(variable, true, names, ranges);
  }

  /** The address an IP literal stands for, without any lookup; null for anything else. */
  static InetAddress literal(String text) {
    if (!IPV4.matcher(text).matches() && !text.contains(":")) {
      return null;
    }
    if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      return null;
    }
    if (!text.contains(":")
        && Arrays.stream(text.split("\\."))
            .anyMatch(
                octet ->
                    Integer.parseInt(octet) > 255
                        || (octet.length() > 1 && octet.startsWith("0")))) {
      return null; // getByName would take 999.1.1.1 or 0177.0.0.1 for a name and ask DNS
    }
    try {
      // A literal: getByName parses it and never asks DNS (text with ':' is IPv6 or an error).
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * The IPv4 address {@code text} stands for in the legacy forms resolvers still accept ({@code
   * inet_aton}: one to four parts, each decimal, octal with a leading 0, or hex with 0x, as in
   * {@code 127.1}, {@code 2130706433}, {@code 0x7f.0.0.1}, {@code 0177.0.0.1}); null otherwise.
   */
  static InetAddress legacyIpv4(String text) {
    return legacyIpv4(text, true);
  }

  /**
   * As {@link #legacyIpv4(String)}; without {@code octalAndHex}, every part is decimal (Java's
   * reading).
   */
  private static InetAddress legacyIpv4(String text, boolean octalAndHex) {
    String[] parts = text.split("\\.", -1);
    if (parts.length < 1 || parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].toLowerCase(Locale.ROOT);
      try {
        if (octalAndHex && p.startsWith("0x")) {
          values[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
        } else if (octalAndHex && p.length() > 1 && p.startsWith("0")) {
          values[i] = Long.parseLong(p.substring(1), 8);
        } else if (!p.isEmpty() && p.chars().allMatch(Character::isDigit)) {
          values[i] = Long.parseLong(p);
        } else {
          return null;
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
    long address = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      address |= values[i] << (8 * (3 - i));
    }
    long last = values[values.length - 1];
    if (last >= 1L << (8 * (4 - (values.length - 1)))) {
      return null;
    }
    address |= last;
    try {
      return InetAddress.getByAddress(
          new byte[] {
            (byte) (address >> 24), (byte) (address >> 16), (byte) (address >> 8), (byte) address
          });
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Whether the variable is set: only what it lists is allowed. */
  boolean listed() {
    return listed;
  }

  /**
   * Why a connection to {@code address}, reached as {@code host} (a name, or the address itself for
   * an IP literal), is refused; null when it is allowed.
   */
  String refusal(String host, InetAddress address) {
    String name = host == null ? "" : host.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    boolean literal = name.isEmpty() || literal(name) != null;
    List<InetAddress> carried = SpecialAddresses.carried(address, true);
    if (listed
        && ((!literal && names.contains(name))
            || ranges.stream()
                .anyMatch(r -> r.contains(address) || carried.stream().anyMatch(r::contains)))) {
      return null;
    }
    String who =
        "host "
            + (literal ? address.getHostAddress() : host + " (" + address.getHostAddress() + ")");
    String special = SpecialAddresses.what(address);
    if (special != null) {
      return who + " is " + special + "; allow it with " + variable;
    }
    for (InetAddress inside : SpecialAddresses.carried(address, false)) {
      String what = SpecialAddresses.what(inside);
      if (what != null) {
        return who
            + " carries "
            + inside.getHostAddress()
            + ", which is "
            + what
            + "; allow it with "
            + variable;
      }
    }
    return listed ? who + " is not in " + variable : null;
  }

  /**
   * Why a plan's {@code host} (a URL's host as written: a name, an IP literal in any spelling, an
   * IPv6 literal with or without brackets) is refused, judged without DNS; null when it is allowed
   * or only DNS could tell (a name not listed while ranges are).
   */
  String refusalWithoutDns(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    // Digits and dots are read as OkHttp and Java read a URL's host (an address, each part decimal:
    // 127.1, 2130706433, 0177.0.0.1 is 177.0.0.1); anything else as the policy's Dns reads it.
    InetAddress address =
        h.contains(":")
            ? literal(h)
            : h.matches("[\\d.]+") ? legacyIpv4(h, false) : legacyIpv4(h, true);
    if (address != null) {
      return refusal(address.getHostAddress(), address);
    }
    if (listed) {
      return names.contains(h) || !ranges.isEmpty() ? null : "host " + h + " is not in " + variable;
    }
    String special = SpecialAddresses.whatName(h);
    return special == null ? null : "host " + h + " is " + special + "; allow it with " + variable;
  }

  /**
   * The first policy refusal in {@code e}, its causes and suppressed exceptions; null when none.
   */
  static Refused refusedIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Refused r) {
        return r;
      }
      for (Throwable s : t.getSuppressed()) {
        if (s instanceof Refused r) {
          return r;
        }
      }
    }
    return null;
  }

  /**
   * {@code delegate}, keeping only the addresses this policy allows; a host in a legacy IPv4
   * spelling ({@link #legacyIpv4}) resolves to that address without asking {@code delegate}.
   */
  Dns dns(Dns delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return hostname -> {
      // A legacy IPv4 spelling (0x7f.1, 2130706433) means that address, whatever a resolver makes
      // of it (some resolve it, some fail): judged, and connected to, as that address.
      InetAddress legacy = legacyIpv4(hostname);
      List<InetAddress> all =
          legacy != null
              ? List.of(InetAddress.getByAddress(hostname, legacy.getAddress()))
              : delegate.lookup(hostname);
      List<InetAddress> allowed = new ArrayList<>(all.size());
      String first = null;
      for (InetAddress a : all) {
        String why = refusal(hostname, a);
        if (why == null) {
          allowed.add(a);
        } else if (first == null) {
          first = why;
        }
      }
      if (allowed.isEmpty() && first != null) {
        throw new Refused(first);
      }
      return allowed;
    };
  }

  /** Plain sockets that refuse, before connecting, an address this policy does not allow. */
  SocketFactory socketFactory() {
    return new SocketFactory() {
      @Override
      public Socket createSocket() {
        return new CheckedSocket();
      }

      @Override
      public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
          throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(
          InetAddress address, int port, InetAddress localAddress, int localPort)
          throws IOException {
        return connected(new InetSocketAddress(address, port));
      }

      private Socket connected(InetSocketAddress to) throws IOException {
        Socket s = new CheckedSocket();
        s.connect(to);
        return s;
      }
    };
  }

  private final class CheckedSocket extends Socket {
    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      if (!(endpoint instanceof InetSocketAddress to)
          || to.isUnresolved()
          || to.getAddress() == null) {
        close();
        throw new Refused(
            "host "
                + endpoint
                + " is not resolved; the worker connects to resolved addresses only");
      }
      String why = refusal(to.getHostString(), to.getAddress());
      if (why != null) {
        close();
        throw new Refused(why);
      }
      super.connect(endpoint, timeout);
    }
  }

  /**
   * What the worker logs at start: the rule in force, never anything secret (the variable is not).
   */
  @Override
  public String toString() {
    if (!listed) {
      return variable
          + " unset: every host but loopback, link-local, cloud metadata and other special addresses";
    }
    List<String> entries = new ArrayList<>(names);
    ranges.forEach(r -> entries.add(r.text()));
    return variable + ": only " + (entries.isEmpty() ? "(nothing)" : String.join(", ", entries));
  }

  /** The warning a worker without a list logs at start; null when the list is set. */
  String warning() {
    if (listed) {
      return null;
    }
    return variable
        + " is not set: plans may reach EVERY address this worker can route to (the internet and every"
        + " private network: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, ...), all but loopback, link-local,"
        + " cloud metadata and other special-purpose addresses; set "
        + variable
        + " to the hosts plans need"
        + " (comma-separated names, addresses and CIDR ranges)";
  }
}
