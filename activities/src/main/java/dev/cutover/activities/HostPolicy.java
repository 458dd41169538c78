package dev.cutover.activities;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
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
import java.util.Map;
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
 * <ul>
 *   <li>Unset (or blank): every address but the special-purpose ones ({@link #SPECIAL}: loopback,
 *       link-local, the unspecified address, multicast and reserved ranges, and the cloud
 *       providers' metadata and platform services in every spelling) is allowed. An IPv6 address
 *       that carries an IPv4 one (IPv4-mapped, -compatible and -translated, NAT64 {@code
 *       64:ff9b::/96} and {@code 64:ff9b:1::/48}, 6to4 {@code 2002::/16}, Teredo, ISATAP) is
 *       refused when what it carries is. The worker warns at start that this default is open.
 *   <li>Set: only what it lists (deny by default). A listed IP address or range allows those
 *       addresses under any name; a listed host name allows the addresses that name resolves to
 *       (the operator vouches for the name), special ones included.
 * </ul>
 * The check runs twice, both on resolved addresses: in {@link #dns} (every address a name
 * resolves to; refused ones are dropped, and when none is left the lookup fails naming the first)
 * and in {@link #socketFactory}, whose sockets check the address they are about to connect to.
 * The second wall is what covers IP literals, which OkHttp connects to without asking the {@code
 * Dns}, and every redirect hop. PostgreSQL goes through both too: {@code SqlSource} looks up each
 * host of a JDBC URL through {@link #dns}, and the driver's sockets come from {@link #socketFactory}
 * (through {@link PolicySocketFactory}).
 * {@link #refusalWithoutDns} judges a host as a plan writes it, for the admission check at start.
 *
 * <p>Immutable and thread-safe.
 */
final class HostPolicy {
  static final String VARIABLE = "CUTOVER_ALLOWED_HOSTS";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
  private static final String UNSPECIFIED = "the unspecified address (it reaches this machine)";

  /** A connection the policy refuses; its message says why and how to allow it. */
  static final class Refused extends UnknownHostException {
    Refused(String message) {
      super(message);
    }
  }

  /** An address range, {@code address/bits}. */
  private record Range(byte[] network, int bits, String text) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }
  }

  /** A special-purpose range and what it is, for the message. */
  private record Special(Range range, String what) {}

  /**
   * Refused unless listed, most specific first. Sources (docs/host-policy.md has the links): RFC
   * 6890 and IANA's special-purpose registries; the metadata and platform addresses each cloud
   * documents (AWS, Google Cloud, Azure, Alibaba, Oracle, Scaleway, Akamai/Linode; DigitalOcean,
   * OpenStack, Tencent, IBM, Hetzner and others use addresses in 169.254.0.0/16).
   */
  static final List<Special> SPECIAL = List.of(
      special("0.0.0.0/32", UNSPECIFIED),
      special("0.0.0.0/8", "in 0.0.0.0/8, \"this network\" (no host may be reached there)"),
      special("127.0.0.0/8", "loopback"),
      special("169.254.0.0/16", "link-local"),
      special("100.100.100.200/32", "Alibaba Cloud's metadata service"),
      special("168.63.129.16/32", "Azure's wire server (platform agent and DNS)"),
      special("192.0.0.0/24", "in 192.0.0.0/24, the IETF protocol assignments (192.0.0.192 is Oracle Cloud's legacy"
          + " metadata)"),
      special("224.0.0.0/4", "multicast"),
      special("240.0.0.0/4", "reserved (255.255.255.255 is broadcast)"),
      special("::/128", UNSPECIFIED),
      special("::1/128", "loopback"),
      special("fe80::/10", "link-local"),
      special("fec0::/10", "site-local (deprecated)"),
      special("ff00::/8", "multicast"),
      special("fd00:ec2::/32", "AWS's instance services (metadata at fd00:ec2::254, DNS at fd00:ec2::253)"),
      special("fd20:ce::254/128", "Google Cloud's metadata service"),
      special("fd00:42::42/128", "Scaleway's metadata service"),
      special("fd00:a9fe:a9fe::1/128", "Akamai (Linode)'s metadata service"));

  /** Names that are special whatever DNS says: RFC 6761's localhost, and the documented metadata names. */
  private static final Map<String, String> SPECIAL_NAMES = Map.of(
      "localhost", "loopback",
      "metadata.google.internal", "Google Cloud's metadata service",
      "metadata.goog", "Google Cloud's metadata service",
      "metadata.tencentyun.com", "Tencent Cloud's metadata service",
      "instance-data.ec2.internal", "AWS's metadata service",
      "metadata.azure.com", "Azure's metadata service");

  private static Special special(String cidr, String what) {
    return new Special(range("built-in", cidr), what);
  }

  private final String variable;
  private final boolean listed;
  private final Set<String> names;
  private final List<Range> ranges;

  private HostPolicy(String variable, boolean listed, Set<String> names, List<Range> ranges) {
    this.variable = variable;
    this.listed = listed;
    this.names = Set.copyOf(names);
    this.ranges = List.copyOf(ranges);
  }

  /**
   * The policy {@value #VARIABLE} sets, from its value (null or blank: unset, every address but the
   * special ones). {@link ActivitySettings} reads it once, at the worker's start.
   *
   * @throws IllegalArgumentException naming the variable and the entry, for an entry that is not
   *     a host name, an IP address or a CIDR range
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
    List<Range> ranges = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      Range range = range(variable, entry);
      if (range != null) {
        ranges.add(range);
        continue;
      }
      String name = entry.endsWith(".") ? entry.substring(0, entry.length() - 1) : entry;
      if (!NAME.matcher(name).matches() || IPV4.matcher(name).matches() || name.length() > 253) {
        throw new IllegalArgumentException(variable + ": \"" + raw.strip()
            + "\" is not a host name, an IP address or a CIDR range (e.g. 10.0.0.0/8)");
      }
      names.add(name);
    }
    return new HostPolicy(variable, true, names, ranges);
  }

  /** An IP address (as a /32 or /128) or a CIDR range; null when {@code entry} is neither. */
  private static Range range(String variable, String entry) {
    String addressText = entry;
    Integer bits = null;
    int slash = entry.indexOf('/');
    if (slash >= 0) {
      addressText = entry.substring(0, slash);
      try {
        bits = Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(variable + ": \"" + entry + "\" has no prefix length after the /");
      }
    }
    if (addressText.startsWith("[") && addressText.endsWith("]")) {
      addressText = addressText.substring(1, addressText.length() - 1);
    }
    InetAddress address = literal(addressText);
    if (address == null) {
      if (slash >= 0) {
        throw new IllegalArgumentException(variable + ": \"" + entry + "\" is not an IP address before the /");
      }
      return null;
    }
    // An IPv4-mapped entry (::ffff:10.0.0.0/104) parses as IPv4; its prefix counts the IPv6 bits.
    byte[] bytes = address.getAddress();
    int max = bytes.length * 8;
    int b = bits == null ? max : bits;
    if (bytes.length == 4 && addressText.contains(":") && bits != null) {
      b = bits - 96;
    }
    if (b < 0 || b > max) {
      throw new IllegalArgumentException(variable + ": \"" + entry + "\" has a prefix length outside 0.." + max);
    }
    return new Range(bytes, b, entry);
  }

  /** The address an IP literal stands for, without any lookup; null for anything else. */
  static InetAddress literal(String text) {
    if (!IPV4.matcher(text).matches() && !text.contains(":")) {
      return null;
    }
    if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      return null;
    }
    if (!text.contains(":") && Arrays.stream(text.split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255
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

  /** As {@link #legacyIpv4(String)}; without {@code octalAndHex}, every part is decimal (Java's reading). */
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
      return InetAddress.getByAddress(new byte[] {
          (byte) (address >> 24), (byte) (address >> 16), (byte) (address >> 8), (byte) address});
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Whether the variable is set: only what it lists is allowed. */
  boolean listed() {
    return listed;
  }

  /**
   * Why a connection to {@code address}, reached as {@code host} (a name, or the address itself
   * for an IP literal), is refused; null when it is allowed.
   */
  String refusal(String host, InetAddress address) {
    String name = host == null ? "" : host.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    boolean literal = name.isEmpty() || literal(name) != null;
    List<InetAddress> carried = carried(address, true);
    if (listed && ((!literal && names.contains(name)) || ranges.stream().anyMatch(r -> r.contains(address)
        || carried.stream().anyMatch(r::contains)))) {
      return null;
    }
    String who = "host " + (literal ? address.getHostAddress() : host + " (" + address.getHostAddress() + ")");
    String special = special(address);
    if (special != null) {
      return who + " is " + special + "; allow it with " + variable;
    }
    for (InetAddress inside : carried(address, false)) {
      String what = special(inside);
      if (what != null) {
        return who + " carries " + inside.getHostAddress() + ", which is " + what + "; allow it with " + variable;
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
    InetAddress address = h.contains(":") ? literal(h)
        : h.matches("[\\d.]+") ? legacyIpv4(h, false) : legacyIpv4(h, true);
    if (address != null) {
      return refusal(address.getHostAddress(), address);
    }
    if (listed) {
      return names.contains(h) || !ranges.isEmpty() ? null : "host " + h + " is not in " + variable;
    }
    String special = SPECIAL_NAMES.get(h.endsWith(".localhost") ? "localhost" : h);
    return special == null ? null : "host " + h + " is " + special + "; allow it with " + variable;
  }

  /** What makes an address dangerous to reach by default, or null when it is ordinary. */
  private static String special(InetAddress a) {
    for (Special s : SPECIAL) {
      if (s.range().contains(a)) {
        return s.what();
      }
    }
    return null;
  }

  /**
   * The IPv4 addresses an IPv6 address carries: IPv4-compatible ({@code ::/96}), -mapped ({@code
   * ::ffff:0:0/96}) and -translated ({@code ::ffff:0:0:0/96}), NAT64's well-known prefix ({@code
   * 64:ff9b::/96}); and, unless {@code unambiguousOnly}, those of RFC 6052's other prefix lengths in
   * the local-use NAT64 prefix {@code 64:ff9b:1::/48}, 6to4 ({@code 2002::/16}), Teredo ({@code
   * 2001::/32}: server and client) and an ISATAP interface identifier.
   */
  static List<InetAddress> carried(InetAddress address, boolean unambiguousOnly) {
    if (!(address instanceof Inet6Address)) {
      return List.of();
    }
    byte[] b = address.getAddress();
    List<InetAddress> out = new ArrayList<>();
    if (zero(b, 0, 10) && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
      out.add(ipv4(b, 12, 13, 14, 15)); // ::a.b.c.d and ::ffff:a.b.c.d
    } else if (zero(b, 0, 8) && b[8] == (byte) 0xff && b[9] == (byte) 0xff && b[10] == 0 && b[11] == 0) {
      out.add(ipv4(b, 12, 13, 14, 15)); // ::ffff:0:a.b.c.d
    } else if (prefix(b, 0x00, 0x64, 0xff, 0x9b) && zero(b, 4, 12)) {
      out.add(ipv4(b, 12, 13, 14, 15)); // 64:ff9b::a.b.c.d
    }
    if (unambiguousOnly) {
      return out;
    }
    if (prefix(b, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) { // 64:ff9b:1::/48, RFC 8215, laid out per RFC 6052
      out.add(ipv4(b, 6, 7, 9, 10));
      out.add(ipv4(b, 7, 9, 10, 11));
      out.add(ipv4(b, 9, 10, 11, 12));
      out.add(ipv4(b, 12, 13, 14, 15));
    }
    if (prefix(b, 0x20, 0x02)) {
      out.add(ipv4(b, 2, 3, 4, 5)); // 6to4
    }
    if (prefix(b, 0x20, 0x01, 0x00, 0x00)) {
      out.add(ipv4(b, 4, 5, 6, 7)); // Teredo server
      byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
      out.add(ipv4(client, 0, 1, 2, 3)); // Teredo client, obfuscated
    }
    if ((b[8] == 0 || b[8] == 2) && b[9] == 0 && b[10] == 0x5e && b[11] == (byte) 0xfe) {
      out.add(ipv4(b, 12, 13, 14, 15)); // ISATAP
    }
    return out;
  }

  private static boolean zero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean prefix(byte[] b, int... bytes) {
    for (int i = 0; i < bytes.length; i++) {
      if (b[i] != (byte) bytes[i]) {
        return false;
      }
    }
    return true;
  }

  private static InetAddress ipv4(byte[] b, int i, int j, int k, int l) {
    try {
      return Inet4Address.getByAddress(new byte[] {b[i], b[j], b[k], b[l]});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always an address
    }
  }

  /** The first policy refusal in {@code e}, its causes and suppressed exceptions; null when none. */
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
      List<InetAddress> all = legacy != null ? List.of(InetAddress.getByAddress(hostname, legacy.getAddress()))
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
      public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
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
      if (!(endpoint instanceof InetSocketAddress to) || to.isUnresolved() || to.getAddress() == null) {
        close();
        throw new Refused("host " + endpoint + " is not resolved; the worker connects to resolved addresses only");
      }
      String why = refusal(to.getHostString(), to.getAddress());
      if (why != null) {
        close();
        throw new Refused(why);
      }
      super.connect(endpoint, timeout);
    }
  }

  /** What the worker logs at start: the rule in force, never anything secret (the variable is not). */
  @Override
  public String toString() {
    if (!listed) {
      return variable + " unset: every host but loopback, link-local, cloud metadata and other special addresses";
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
    return variable + " is not set: plans may reach EVERY address this worker can route to (the internet and every"
        + " private network: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, ...), all but loopback, link-local,"
        + " cloud metadata and other special-purpose addresses; set " + variable + " to the hosts plans need"
        + " (comma-separated names, addresses and CIDR ranges)";
  }
}
