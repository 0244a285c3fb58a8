package dev.weft.lab.services;

/**
 * An inclusive range of IPv4 addresses, written as a CIDR ({@code 10.96.0.0/12}) or as {@code first-last}
 * ({@code 172.30.0.100-172.30.0.149}). Addresses are handled as unsigned 32-bit values in a {@code long}.
 */
public record Ipv4Range(long first, long last, String text) {
  public Ipv4Range {
    if (first < 0 || last > 0xffffffffL || first > last) throw new IllegalArgumentException("invalid IPv4 range " + text);
  }

  /** Parses {@code a.b.c.d/len} or {@code a.b.c.d-e.f.g.h}. */
  public static Ipv4Range parse(String s) {
    if (s == null) throw new IllegalArgumentException("no IPv4 range given");
    String t = s.trim();
    int slash = t.indexOf('/'), dash = t.indexOf('-');
    try {
      if (slash > 0) {
        int len = Integer.parseInt(t.substring(slash + 1));
        if (len < 0 || len > 32) throw new IllegalArgumentException("invalid prefix length in " + s);
        long addr = toLong(t.substring(0, slash));
        long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
        if ((addr & ~mask & 0xffffffffL) != 0) throw new IllegalArgumentException(s + " is not a network address (host bits set)");
        return new Ipv4Range(addr, addr | (~mask & 0xffffffffL), t);
      }
      if (dash > 0) return new Ipv4Range(toLong(t.substring(0, dash).trim()), toLong(t.substring(dash + 1).trim()), t);
      long a = toLong(t);
      return new Ipv4Range(a, a, t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid IPv4 range '" + s + "' (a CIDR or first-last)");
    }
  }

  public long size() {
    return last - first + 1;
  }

  public boolean contains(long a) {
    return a >= first && a <= last;
  }

  public boolean contains(String ip) {
    Long a = tryParse(ip);
    return a != null && contains(a);
  }

  @Override
  public String toString() {
    return text;
  }

  /** The dotted-quad value, or null when {@code s} is not one (no DNS, no shorthand forms). */
  public static Long tryParse(String s) {
    if (s == null) return null;
    String[] p = s.split("\\.", -1);
    if (p.length != 4) return null;
    long v = 0;
    for (String part : p) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
      if (part.length() > 1 && part.charAt(0) == '0') return null; // leading zeros are ambiguous (octal), as Go's ParseIP
      int b = Integer.parseInt(part);
      if (b > 255) return null;
      v = (v << 8) | b;
    }
    return v;
  }

  public static long toLong(String s) {
    Long v = tryParse(s);
    if (v == null) throw new NumberFormatException("not an IPv4 address: " + s);
    return v;
  }

  public static String format(long a) {
    return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
  }
}
