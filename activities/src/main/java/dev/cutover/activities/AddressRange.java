package dev.cutover.activities;

import java.net.InetAddress;

/**
 * An address range, {@code address/bits}, as an operator or the built-in tables write it. Compared
 * only by what it contains: it has no equality of its own.
 */
final class AddressRange {
  private final byte[] network;
  private final int bits;
  private final String text;

  private AddressRange(byte[] network, int bits, String text) {
    this.network = network;
    this.bits = bits;
    this.text = text;
  }

  /**
   * An IP address (as a /32 or /128) or a CIDR range; null when {@code entry} is neither.
   *
   * @throws IllegalArgumentException naming {@code variable} and the entry, for an entry with a
   *     {@code /} that is not an address and a prefix length that fits it
   */
  static AddressRange parse(String variable, String entry) {
    String addressText = entry;
    Integer bits = null;
    int slash = entry.indexOf('/');
    if (slash >= 0) {
      addressText = entry.substring(0, slash);
      try {
        bits = Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            variable + ": \"" + entry + "\" has no prefix length after the /");
      }
    }
    if (addressText.startsWith("[") && addressText.endsWith("]")) {
      addressText = addressText.substring(1, addressText.length() - 1);
    }
    InetAddress address = HostPolicy.literal(addressText);
    if (address == null) {
      if (slash >= 0) {
        throw new IllegalArgumentException(
            variable + ": \"" + entry + "\" is not an IP address before the /");
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
      throw new IllegalArgumentException(
          variable + ": \"" + entry + "\" has a prefix length outside 0.." + max);
    }
    return new AddressRange(bytes, b, entry);
  }

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

  /** The range as it was written. */
  String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
