package dev.weft.kernel;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address with a prefix length, "10.244.1.5/24" or "fd00::5/64". The address keeps its host
 * bits (an interface address); {@link #network()} clears them (a route destination).
 */
public record IpPrefix(InetAddress address, int prefixLength) {
  public IpPrefix {
    int max = address instanceof Inet4Address ? 32 : 128;
    if (prefixLength < 0 || prefixLength > max)
      throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address.getHostAddress());
  }

  // equals and hashCode written out (the same values a record derives): a record's own are bound at
  // run time through an invokedynamic bootstrap, several ms of method-handle spinning in a fresh JVM
  @Override
  public boolean equals(Object o) {
    return o instanceof IpPrefix p && prefixLength == p.prefixLength && java.util.Objects.equals(address, p.address);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(address) * 31 + Integer.hashCode(prefixLength);
  }

  /** Parses "a.b.c.d/n" or "x::y/n"; a bare address gets /32 or /128. Only literals, never DNS. */
  public static IpPrefix parse(String s) {
    int slash = s.indexOf('/');
    InetAddress a = parseAddress(slash < 0 ? s : s.substring(0, slash));
    int max = a instanceof Inet4Address ? 32 : 128;
    int len;
    try {
      len = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid prefix length in \"" + s + "\"");
    }
    return new IpPrefix(a, len);
  }

  /** Parses an IPv4 or IPv6 literal; never resolves a name. */
  public static InetAddress parseAddress(String s) {
    if (s == null || s.isEmpty()) throw new IllegalArgumentException("empty IP address");
    boolean v4 = true, v6 = s.indexOf(':') >= 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      v4 &= c == '.' || (c >= '0' && c <= '9');
      v6 &= c == ':' || c == '.' || Character.digit(c, 16) >= 0;
    }
    if (!v4 && !v6) throw new IllegalArgumentException("invalid IP address \"" + s + "\"");
    if (v4) {
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (parts[i].isEmpty() || parts[i].length() > 3) throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
        int v = Integer.parseInt(parts[i]);
        if (v > 255) throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
        b[i] = (byte) v;
      }
      return fromBytes(b);
    }
    try {
      InetAddress a = InetAddress.getByName(s); // a literal with ':' is never looked up
      return a;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("invalid IPv6 address \"" + s + "\"");
    }
  }

  public static InetAddress fromBytes(byte[] b) {
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + b.length);
    }
  }

  public boolean isIpv4() {
    return address instanceof Inet4Address;
  }

  public boolean isIpv6() {
    return address instanceof Inet6Address;
  }

  /** AF_INET or AF_INET6. */
  public int family() {
    return isIpv4() ? LibC.AF_INET : LibC.AF_INET6;
  }

  public int maxLength() {
    return isIpv4() ? 32 : 128;
  }

  /** The prefix with host bits cleared: 10.244.1.0/24 for 10.244.1.5/24. */
  public IpPrefix network() {
    return new IpPrefix(fromBytes(mask(address.getAddress(), prefixLength)), prefixLength);
  }

  public boolean contains(InetAddress a) {
    if ((a instanceof Inet4Address) != isIpv4()) return false;
    return java.util.Arrays.equals(mask(a.getAddress(), prefixLength), network().address.getAddress());
  }

  public boolean overlaps(IpPrefix o) {
    if (o.isIpv4() != isIpv4()) return false;
    int len = Math.min(prefixLength, o.prefixLength);
    return java.util.Arrays.equals(mask(address.getAddress(), len), mask(o.address.getAddress(), len));
  }

  /** The last address of the prefix (the broadcast address for IPv4). */
  public InetAddress last() {
    byte[] b = network().address.getAddress();
    for (int i = prefixLength; i < b.length * 8; i++) b[i / 8] |= (byte) (0x80 >>> (i % 8));
    return fromBytes(b);
  }

  public static BigInteger toNumber(InetAddress a) {
    return new BigInteger(1, a.getAddress());
  }

  public static InetAddress fromNumber(BigInteger n, boolean ipv4) {
    byte[] raw = n.toByteArray();
    byte[] b = new byte[ipv4 ? 4 : 16];
    int copy = Math.min(raw.length, b.length);
    System.arraycopy(raw, raw.length - copy, b, b.length - copy, copy);
    return fromBytes(b);
  }

  private static byte[] mask(byte[] b, int len) {
    byte[] r = b.clone();
    for (int i = 0; i < r.length * 8; i++) if (i >= len) r[i / 8] &= (byte) ~(0x80 >>> (i % 8));
    return r;
  }

  /** Canonical text: "10.244.1.5/24", "fd00::5/64" (IPv6 compressed). */
  @Override
  public String toString() {
    return format(address) + "/" + prefixLength;
  }

  /** Canonical text of an address, IPv6 in RFC 5952 compressed form, never a host name. */
  public static String format(InetAddress a) {
    if (a instanceof Inet4Address) return a.getHostAddress();
    byte[] b = a.getAddress();
    int[] w = new int[8];
    for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    int bestStart = -1, bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (w[i] != 0) { i++; continue; }
      int j = i;
      while (j < 8 && w[j] == 0) j++;
      if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
      sb.append(Integer.toHexString(w[i]));
    }
    return sb.toString();
  }
}
