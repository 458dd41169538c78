package dev.cutover.activities;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The addresses and names a worker refuses unless its {@link HostPolicy} lists them: loopback,
 * link-local, the unspecified address, multicast and reserved ranges, and the cloud providers'
 * metadata and platform services; and the IPv4 addresses an IPv6 address carries, which are judged
 * as well. Tables and pure functions only.
 */
final class SpecialAddresses {
  static final String UNSPECIFIED = "the unspecified address (it reaches this machine)";

  /** A special-purpose range and what it is, for the message. */
  record Special(AddressRange range, String what) {}

  /**
   * Refused unless listed, most specific first. Sources (docs/host-policy.md has the links): RFC
   * 6890 and IANA's special-purpose registries; the metadata and platform addresses each cloud
   * documents (AWS, Google Cloud, Azure, Alibaba, Oracle, Scaleway, Akamai/Linode; DigitalOcean,
   * OpenStack, Tencent, IBM, Hetzner and others use addresses in 169.254.0.0/16).
   */
  static final List<Special> SPECIAL =
      List.of(
          special("0.0.0.0/32", UNSPECIFIED),
          special("0.0.0.0/8", "in 0.0.0.0/8, \"this network\" (no host may be reached there)"),
          special("127.0.0.0/8", "loopback"),
          special("169.254.0.0/16", "link-local"),
          special("100.100.100.200/32", "Alibaba Cloud's metadata service"),
          special("168.63.129.16/32", "Azure's wire server (platform agent and DNS)"),
          special(
              "192.0.0.0/24",
              "in 192.0.0.0/24, the IETF protocol assignments (192.0.0.192 is Oracle Cloud's legacy"
                  + " metadata)"),
          special("224.0.0.0/4", "multicast"),
          special("240.0.0.0/4", "reserved (255.255.255.255 is broadcast)"),
          special("::/128", UNSPECIFIED),
          special("::1/128", "loopback"),
          special("fe80::/10", "link-local"),
          special("fec0::/10", "site-local (deprecated)"),
          special("ff00::/8", "multicast"),
          special(
              "fd00:ec2::/32",
              "AWS's instance services (metadata at fd00:ec2::254, DNS at fd00:ec2::253)"),
          special("fd20:ce::254/128", "Google Cloud's metadata service"),
          special("fd00:42::42/128", "Scaleway's metadata service"),
          special("fd00:a9fe:a9fe::1/128", "Akamai (Linode)'s metadata service"));

  /**
   * Names that are special whatever DNS says: RFC 6761's localhost, and the documented metadata
   * names.
   */
  private static final Map<String, String> SPECIAL_NAMES =
      Map.of(
          "localhost", "loopback",
          "metadata.google.internal", "Google Cloud's metadata service",
          "metadata.goog", "Google Cloud's metadata service",
          "metadata.tencentyun.com", "Tencent Cloud's metadata service",
          "instance-data.ec2.internal", "AWS's metadata service",
          "metadata.azure.com", "Azure's metadata service");

  private SpecialAddresses() {}

  private static Special special(String cidr, String what) {
    return new Special(AddressRange.parse("built-in", cidr), what);
  }

  /** What makes an address dangerous to reach by default, or null when it is ordinary. */
  static String what(InetAddress a) {
    for (Special s : SPECIAL) {
      if (s.range().contains(a)) {
        return s.what();
      }
    }
    return null;
  }

  /**
   * What a host name (lower case, without a trailing dot) is whatever DNS says, or null when DNS
   * decides.
   */
  static String whatName(String name) {
    return SPECIAL_NAMES.get(name.endsWith(".localhost") ? "localhost" : name);
  }

  /**
   * The IPv4 addresses an IPv6 address carries: IPv4-compatible ({@code ::/96}), -mapped ({@code
   * ::ffff:0:0/96}) and -translated ({@code ::ffff:0:0:0/96}), NAT64's well-known prefix ({@code
   * 64:ff9b::/96}); and, unless {@code unambiguousOnly}, those of RFC 6052's other prefix lengths
   * in the local-use NAT64 prefix {@code 64:ff9b:1::/48}, 6to4 ({@code 2002::/16}), Teredo ({@code
   * 2001::/32}: server and client) and an ISATAP interface identifier.
   */
  static List<InetAddress> carried(InetAddress address, boolean unambiguousOnly) {
    if (!(address instanceof Inet6Address)) {
      return List.of();
    }
    byte[] b = address.getAddress();
    List<InetAddress> out = new ArrayList<>();
    if (zero(b, 0, 10)
        && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
      out.add(ipv4(b, 12, 13, 14, 15)); // ::a.b.c.d and ::ffff:a.b.c.d
    } else if (zero(b, 0, 8)
        && b[8] == (byte) 0xff
        && b[9] == (byte) 0xff
        && b[10] == 0
        && b[11] == 0) {
      out.add(ipv4(b, 12, 13, 14, 15)); // ::ffff:0:a.b.c.d
    } else if (prefix(b, 0x00, 0x64, 0xff, 0x9b) && zero(b, 4, 12)) {
      out.add(ipv4(b, 12, 13, 14, 15)); // 64:ff9b::a.b.c.d
    }
    if (unambiguousOnly) {
      return out;
    }
    if (prefix(
        b, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) { // 64:ff9b:1::/48, RFC 8215, laid out per RFC 6052
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
}
