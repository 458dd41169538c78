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
 *   <li>Unset (or blank): every address but loopback ({@code 127.0.0.0/8}, {@code ::1}), link-local
 *       ({@code 169.254.0.0/16}, which holds cloud metadata at {@code 169.254.169.254}, and {@code
 *       fe80::/10}) and the unspecified address ({@code 0.0.0.0}, {@code ::}, which reaches this
 *       machine) is allowed.
 *   <li>Set: only what it lists (deny by default). A listed IP address or range allows those
 *       addresses under any name; a listed host name allows the addresses that name resolves to
 *       (the operator vouches for the name), loopback and link-local included.
 * </ul>
 * The check runs twice, both on resolved addresses: in {@link #dns} (every address a name
 * resolves to; refused ones are dropped, and when none is left the lookup fails naming the first)
 * and in {@link #socketFactory}, whose sockets check the address they are about to connect to.
 * The second wall is what covers IP literals, which OkHttp connects to without asking the {@code
 * Dns}, and every redirect hop. PostgreSQL goes through both too: {@code SqlSource} looks up each
 * host of a JDBC URL through {@link #dns}, and the driver's sockets come from {@link #socketFactory}
 * (through {@link PolicySocketFactory}).
 *
 * <p>Immutable and thread-safe.
 */
final class HostPolicy {
  static final String VARIABLE = "CUTOVER_ALLOWED_HOSTS";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

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

  private final boolean listed;
  private final Set<String> names;
  private final List<Range> ranges;

  private HostPolicy(boolean listed, Set<String> names, List<Range> ranges) {
    this.listed = listed;
    this.names = Set.copyOf(names);
    this.ranges = List.copyOf(ranges);
  }

  /**
   * The policy {@code environment} sets.
   *
   * @throws IllegalArgumentException naming the variable and the entry, for an entry that is not
   *     a host name, an IP address or a CIDR range
   */
  static HostPolicy fromEnvironment(Map<String, String> environment) {
    String value = environment.get(VARIABLE);
    if (value == null || value.isBlank()) {
      return new HostPolicy(false, Set.of(), List.of());
    }
    Set<String> names = new LinkedHashSet<>();
    List<Range> ranges = new ArrayList<>();
    for (String raw : value.split(",")) {
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      Range range = range(entry);
      if (range != null) {
        ranges.add(range);
        continue;
      }
      String name = entry.endsWith(".") ? entry.substring(0, entry.length() - 1) : entry;
      if (!NAME.matcher(name).matches() || IPV4.matcher(name).matches() || name.length() > 253) {
        throw new IllegalArgumentException(VARIABLE + ": \"" + raw.strip()
            + "\" is not a host name, an IP address or a CIDR range (e.g. 10.0.0.0/8)");
      }
      names.add(name);
    }
    return new HostPolicy(true, names, ranges);
  }

  /** An IP address (as a /32 or /128) or a CIDR range; null when {@code entry} is neither. */
  private static Range range(String entry) {
    String addressText = entry;
    Integer bits = null;
    int slash = entry.indexOf('/');
    if (slash >= 0) {
      addressText = entry.substring(0, slash);
      try {
        bits = Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(VARIABLE + ": \"" + entry + "\" has no prefix length after the /");
      }
    }
    if (addressText.startsWith("[") && addressText.endsWith("]")) {
      addressText = addressText.substring(1, addressText.length() - 1);
    }
    InetAddress address = literal(addressText);
    if (address == null) {
      if (slash >= 0) {
        throw new IllegalArgumentException(VARIABLE + ": \"" + entry + "\" is not an IP address before the /");
      }
      return null;
    }
    int max = address.getAddress().length * 8;
    int b = bits == null ? max : bits;
    if (b < 0 || b > max) {
      throw new IllegalArgumentException(VARIABLE + ": \"" + entry + "\" has a prefix length outside 0.." + max);
    }
    return new Range(address.getAddress(), b, entry);
  }

  /** The address an IP literal stands for, without any lookup; null for anything else. */
  static InetAddress literal(String text) {
    if (!IPV4.matcher(text).matches() && !text.contains(":")) {
      return null;
    }
    if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      return null;
    }
    if (!text.contains(":") && Arrays.stream(text.split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255)) {
      return null; // getByName would take 999.1.1.1 for a name and ask DNS
    }
    try {
      // A literal: getByName parses it and never asks DNS (text with ':' is IPv6 or an error).
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
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
    // An IPv4-compatible IPv6 address (::127.0.0.1) is judged as itself and as the IPv4 it carries.
    InetAddress carried = embeddedIpv4(address);
    List<InetAddress> forms = carried == null ? List.of(address) : List.of(address, carried);
    boolean literal = name.isEmpty() || literal(name) != null;
    if (listed && ((!literal && names.contains(name))
        || ranges.stream().anyMatch(r -> forms.stream().anyMatch(r::contains)))) {
      return null;
    }
    String special = forms.stream().map(HostPolicy::special).filter(Objects::nonNull).findFirst().orElse(null);
    if (!listed && special == null) {
      return null;
    }
    String who = "host " + (literal ? address.getHostAddress() : host + " (" + address.getHostAddress() + ")");
    if (special != null) {
      return who + " is " + special + "; allow it with " + VARIABLE;
    }
    return who + " is not in " + VARIABLE;
  }

  /** What makes an address dangerous to reach by default, or null when it is ordinary. */
  private static String special(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isAnyLocalAddress()) {
      return "the unspecified address (it reaches this machine)";
    }
    return null;
  }

  /** The IPv4 address an IPv4-compatible IPv6 address ({@code ::127.0.0.1}) carries, else null. */
  private static InetAddress embeddedIpv4(InetAddress a) {
    if (a instanceof Inet6Address six && six.isIPv4CompatibleAddress()) {
      byte[] b = six.getAddress();
      try {
        return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return null;
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

  /** {@code delegate}, keeping only the addresses this policy allows. */
  Dns dns(Dns delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return hostname -> {
      List<InetAddress> all = delegate.lookup(hostname);
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
      return VARIABLE + " unset: every host but loopback and link-local addresses";
    }
    List<String> entries = new ArrayList<>(names);
    ranges.forEach(r -> entries.add(r.text()));
    return VARIABLE + ": only " + (entries.isEmpty() ? "(nothing)" : String.join(", ", entries));
  }
}
